import { uniqueViolation } from '../shared/errors';
import { APP_STATES, LIVE_STATES } from './lifecycle';
import type { App, AppDataUse, AppTransition } from './schemas';
import type { AppFilter, AppStoreType } from './store-type';

/** The ledger's order: name regardless of case, then id. */
const byName = (a: App, b: App): number => a.name.toLowerCase().localeCompare(b.name.toLowerCase()) || a.id.localeCompare(b.id);

/** Apps, their transitions and data uses in memory, for fast tests of the ledger's rules. */
export class FakeAppStore implements AppStoreType {
  readonly apps = new Map<string, App>();
  readonly transitions: Array<AppTransition & { appId: string }> = [];
  readonly dataUses: AppDataUse[] = [];

  async insert(_trx: unknown, app: App): Promise<void> {
    this.assertNameFree(app);
    this.apps.set(app.id, structuredClone(app));
  }

  async update(_trx: unknown, app: App): Promise<void> {
    const before = this.apps.get(app.id);
    if (!before) return;
    this.assertNameFree(app);
    this.apps.set(app.id, { ...structuredClone(app), createdBy: before.createdBy, createdAt: before.createdAt });
  }

  async find(id: string): Promise<App | undefined> {
    const app = this.apps.get(id);
    return app && structuredClone(app);
  }

  async owningDepartment(id: string): Promise<string | undefined> {
    return this.apps.get(id)?.owningDepartment;
  }

  async list(filter: AppFilter, limit: number): Promise<App[]> {
    const after = filter.afterId === undefined ? undefined : this.apps.get(filter.afterId);
    return this.sorted()
      .filter(
        (a) =>
          (!filter.kind || a.kind === filter.kind) &&
          (!filter.audience || a.audience === filter.audience) &&
          (!filter.lifecycleState || a.lifecycleState === filter.lifecycleState) &&
          (!filter.owningDepartment || a.owningDepartment === filter.owningDepartment) &&
          (!filter.leadDepartment || a.leadDepartment === filter.leadDepartment) &&
          (!filter.businessScenario || a.businessScenarios.includes(filter.businessScenario)) &&
          (!filter.departments || filter.departments.includes(a.owningDepartment)) &&
          (!after || byName(a, after) > 0),
      )
      .slice(0, limit);
  }

  async notRetired(): Promise<App[]> {
    return this.sorted().filter((a) => a.lifecycleState !== 'retired');
  }

  async live(): Promise<App[]> {
    return this.sorted().filter((a) => LIVE_STATES.includes(a.lifecycleState));
  }

  async transitionsOf(appId: string): Promise<AppTransition[]> {
    return this.transitions
      .filter((t) => t.appId === appId)
      .sort((a, b) => APP_STATES.indexOf(a.to) - APP_STATES.indexOf(b.to))
      .map(({ appId: _appId, ...t }) => structuredClone(t));
  }

  async insertTransition(_trx: unknown, appId: string, transition: AppTransition): Promise<void> {
    if (this.transitions.some((t) => t.appId === appId && t.to === transition.to)) throw uniqueViolation();
    this.transitions.push({ ...structuredClone(transition), appId });
  }

  async insertDataUse(_trx: unknown, use: AppDataUse): Promise<void> {
    if (await this.findDataUse(undefined, use.appId, use.asset.id, use.purpose)) throw uniqueViolation();
    this.dataUses.push(structuredClone(use));
  }

  async findDataUse(_trx: unknown, appId: string, assetId: string, purposeKey: string): Promise<AppDataUse | undefined> {
    const use = this.dataUses.find((u) => u.appId === appId && u.asset.id === assetId && u.purpose === purposeKey);
    return use && structuredClone(use);
  }

  async dataUsesOf(appId: string, afterId: string | undefined, limit: number): Promise<AppDataUse[]> {
    const key = (u: AppDataUse) => `${u.createdAt}_${u.id}`;
    const after = this.dataUses.find((u) => u.id === afterId);
    return this.dataUses
      .filter((u) => u.appId === appId && (!after || key(u) > key(after)))
      .sort((a, b) => key(a).localeCompare(key(b)))
      .slice(0, limit)
      .map((u) => structuredClone(u));
  }

  async purposesOf(appId: string): Promise<string[]> {
    return [...new Set(this.dataUses.filter((u) => u.appId === appId).map((u) => u.purpose))].sort();
  }

  private sorted(): App[] {
    return [...this.apps.values()].sort(byName).map((a) => structuredClone(a));
  }

  /** The database's unique index on lower(name). */
  private assertNameFree(app: App): void {
    const name = app.name.toLowerCase();
    if ([...this.apps.values()].some((a) => a.id !== app.id && a.name.toLowerCase() === name)) throw uniqueViolation();
  }
}
