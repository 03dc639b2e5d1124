import { uniqueViolation } from '../../shared/errors';
import type { AppStoreType } from '../store-type';
import type { AppPlan, AppPlanStatus, PlannedApp } from './schemas';
import type { AppPlanStoreType, EntryRecord, PlanFilter } from './store-type';

type StoredItem = Omit<PlannedApp, 'status' | 'appId'>;
type StoredPlan = Omit<AppPlan, 'plannedApps'> & { plannedApps: StoredItem[] };

/** Plans, planned apps and entry records in memory, for fast tests of the plan and entry rules; reads apps' states from `apps`. */
export class FakeAppPlanStore implements AppPlanStoreType {
  readonly plans = new Map<string, StoredPlan>();
  readonly entries = new Map<string, EntryRecord>();

  constructor(private readonly apps: Pick<AppStoreType, 'find'>) {}

  async insertPlan(_trx: unknown, plan: AppPlan): Promise<void> {
    const plannedApps = plan.plannedApps.map(({ status: _s, appId: _a, ...item }) => ({
      ...item,
      mergedInto: null,
      mergeNote: null,
      mergedBy: null,
      mergedAt: null,
    }));
    this.plans.set(plan.id, structuredClone({ ...plan, decidedBy: null, decidedAt: null, decisionNote: null, plannedApps }));
  }

  async findPlan(id: string): Promise<AppPlan | undefined> {
    const plan = this.plans.get(id);
    return plan && this.withItems(plan);
  }

  async planDepartment(id: string): Promise<string | undefined> {
    return this.plans.get(id)?.department;
  }

  async listPlans(filter: PlanFilter, limit: number): Promise<AppPlan[]> {
    const key = (p: StoredPlan) => `${p.periodStart}_${p.id}`;
    const after = filter.afterId === undefined ? undefined : this.plans.get(filter.afterId);
    return [...this.plans.values()]
      .filter(
        (p) =>
          (!filter.department || p.department === filter.department) &&
          (!filter.status || p.status === filter.status) &&
          (!filter.departments || filter.departments.includes(p.department)) &&
          (!after || key(p) < key(after)),
      )
      .sort((a, b) => key(b).localeCompare(key(a)))
      .slice(0, limit)
      .map((p) => this.withItems(p));
  }

  async decidePlan(_trx: unknown, id: string, d: { status: AppPlanStatus; by: string; at: string; note: string | null }): Promise<void> {
    const plan = this.plans.get(id);
    if (plan) Object.assign(plan, { status: d.status, decidedBy: d.by, decidedAt: d.at, decisionNote: d.note });
  }

  async lockItem(_trx: unknown, planId: string, itemId: string): Promise<{ plan: AppPlan; item: PlannedApp } | undefined> {
    const plan = await this.findPlan(planId);
    const item = plan?.plannedApps.find((p) => p.id === itemId);
    return plan && item ? { plan, item } : undefined;
  }

  async planOfItem(itemId: string): Promise<AppPlan | undefined> {
    const plan = [...this.plans.values()].find((p) => p.plannedApps.some((i) => i.id === itemId));
    return plan && this.withItems(plan);
  }

  async mergeItem(_trx: unknown, itemId: string, m: { into: string; note: string; by: string; at: string }): Promise<void> {
    for (const plan of this.plans.values())
      for (const item of plan.plannedApps)
        if (item.id === itemId) Object.assign(item, { mergedInto: m.into, mergeNote: m.note, mergedBy: m.by, mergedAt: m.at });
  }

  async entry(appId: string): Promise<EntryRecord | undefined> {
    const entry = this.entries.get(appId);
    return entry && structuredClone(entry);
  }

  async saveEntry(_trx: unknown, entry: EntryRecord): Promise<void> {
    const taken = [...this.entries.values()].some(
      (e) => e.appId !== entry.appId && entry.planItemId !== null && e.planItemId === entry.planItemId,
    );
    if (taken) throw uniqueViolation();
    this.entries.set(entry.appId, structuredClone(entry));
  }

  async entriesOfProposals(): Promise<Map<string, EntryRecord>> {
    const proposals = new Map<string, EntryRecord>();
    for (const [appId, entry] of this.entries)
      if ((await this.apps.find(appId))?.lifecycleState === 'proposed') proposals.set(appId, structuredClone(entry));
    return proposals;
  }

  /** The plan with each planned app's status and app, as the store derives them from the entries. */
  private withItems(plan: StoredPlan): AppPlan {
    const appOf = (itemId: string) => [...this.entries.values()].find((e) => e.planItemId === itemId)?.appId ?? null;
    return structuredClone({
      ...plan,
      plannedApps: plan.plannedApps.map((item) => {
        const appId = appOf(item.id);
        return { ...item, status: item.mergedInto !== null ? 'merged' : appId !== null ? 'proposed' : 'open', appId };
      }),
    });
  }
}
