import type { App } from '../schemas';
import type { AppOverlap } from './schemas';

/**
 * A business scenario as compared: Unicode-compatible (full-width letters become ASCII), lower case,
 * and `-`, `.`, `_` or spaces as one separator, so credit-card, Credit_Card and credit.card meet.
 */
export function normalizeScenario(tag: string): string {
  return tag
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s._-]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/** The distinct normalized scenarios of a list, in order. */
export const normalizedScenarios = (tags: readonly string[]): string[] => [...new Set(tags.map(normalizeScenario).filter((t) => t !== ''))];

/** The apps (other than `selfId`) that share a normalized business scenario with `scenarios`, by name. */
export function overlapsOf(
  scenarios: readonly string[],
  apps: ReadonlyArray<Pick<App, 'id' | 'name' | 'owningDepartment' | 'lifecycleState' | 'businessScenarios'>>,
  selfId?: string,
): AppOverlap[] {
  const wanted = new Set(normalizedScenarios(scenarios));
  if (wanted.size === 0) return [];
  return apps
    .filter((a) => a.id !== selfId && a.lifecycleState !== 'retired')
    .map((a) => ({
      appId: a.id,
      name: a.name,
      owningDepartment: a.owningDepartment,
      lifecycleState: a.lifecycleState,
      sharedScenarios: normalizedScenarios(a.businessScenarios).filter((s) => wanted.has(s)),
    }))
    .filter((o) => o.sharedScenarios.length > 0)
    .sort((x, y) => x.name.toLowerCase().localeCompare(y.name.toLowerCase()) || x.appId.localeCompare(y.appId));
}

/** The current overlaps that a justification recorded against `justified` does not answer for. */
export const unresolved = (
  current: readonly AppOverlap[],
  justified: readonly Pick<AppOverlap, 'appId'>[],
  hasJustification: boolean,
): AppOverlap[] => {
  if (!hasJustification) return [...current];
  const answered = new Set(justified.map((o) => o.appId));
  return current.filter((o) => !answered.has(o.appId));
};
