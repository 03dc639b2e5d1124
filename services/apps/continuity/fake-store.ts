import type { Finding } from '../../reports/compliance-check';
import type { AppStoreType } from '../store-type';
import { DRILLED_TIERS } from './schemas';
import type { ContinuityRecord, ContinuityStoreType, OutageFilter, OutageRecord } from './store-type';

const EXAMPLES = 10;

/** How far an outage ran past its RTO, in milliseconds (negative: within it). */
const overrun = (o: OutageRecord): number => Date.parse(o.endedAt) - Date.parse(o.startedAt) - o.rtoMinutes * 60_000;

/** How many of the examined records offend, and the first few of them (in the order given). */
function finding(examined: number, offending: ReadonlyArray<{ id: string }>): Finding {
  return { examined, count: offending.length, examples: offending.slice(0, EXAMPLES).map((o) => o.id) };
}

/** Continuity profiles and outages in memory, for fast tests of the continuity rules; reads the apps from `apps`. */
export class FakeContinuityStore implements ContinuityStoreType {
  readonly profiles = new Map<string, ContinuityRecord>();
  readonly outages: OutageRecord[] = [];

  constructor(private readonly apps: Pick<AppStoreType, 'notRetired'>) {}

  async profile(appId: string): Promise<ContinuityRecord | undefined> {
    const profile = this.profiles.get(appId);
    return profile && structuredClone(profile);
  }

  async saveProfile(_trx: unknown, profile: ContinuityRecord): Promise<void> {
    this.profiles.set(profile.appId, structuredClone(profile));
  }

  async insertOutage(_trx: unknown, outage: OutageRecord): Promise<void> {
    if (outage.endedAt <= outage.startedAt) throw Object.assign(new Error('check violation'), { code: '23514' });
    this.outages.push(structuredClone(outage));
  }

  async outagesOf(appId: string, filter: OutageFilter, limit: number): Promise<OutageRecord[]> {
    const key = (o: OutageRecord) => `${o.startedAt}_${o.id}`;
    // As the keyset's subquery: an unknown id leaves nothing after it.
    const after = filter.afterId === undefined ? undefined : (this.outages.find((o) => o.id === filter.afterId) ?? null);
    if (after === null) return [];
    return this.outages
      .filter(
        (o) =>
          o.appId === appId &&
          (filter.exceedsRto === undefined || overrun(o) > 0 === filter.exceedsRto) &&
          (after === undefined || key(o) < key(after)),
      )
      .sort((a, b) => key(b).localeCompare(key(a)))
      .slice(0, limit)
      .map((o) => structuredClone(o));
  }

  async withoutRecentDrill(cutoff: string): Promise<Finding> {
    const drilled = (await this.apps.notRetired()).filter((a) => {
      const tier = this.profiles.get(a.id)?.tier;
      return tier !== undefined && DRILLED_TIERS.includes(tier);
    });
    const undrilled = drilled.filter((a) => {
      const drill = this.profiles.get(a.id)?.lastDrill ?? null;
      return drill === null || drill.result !== 'passed' || drill.on < cutoff;
    });
    return finding(drilled.length, undrilled);
  }

  async rtoBreaches(window: { from: string; to: string }): Promise<Finding> {
    const from = Date.parse(window.from);
    const to = Date.parse(window.to);
    const inWindow = this.outages.filter((o) => Date.parse(o.startedAt) >= from && Date.parse(o.startedAt) < to);
    const breaches = inWindow.filter((o) => overrun(o) > 0).sort((a, b) => overrun(b) - overrun(a) || a.id.localeCompare(b.id));
    return finding(inWindow.length, breaches);
  }
}
