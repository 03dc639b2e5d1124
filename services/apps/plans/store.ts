import type { Db, Trx } from '../../db';
import { isoDay, rowMapper } from '../../platform/row-mapper';
import { newestFirstAfter } from '../store';
import type { AppOverlap, AppPlan, AppPlanStatus, PlannedApp } from './schemas';
import type { AppPlanStoreType, EntryRecord, PlanFilter } from './store-type';

export type { EntryRecord } from './store-type';

interface PlanRow {
  id: string;
  department: string;
  period_start: string;
  period_end: string;
  justification: string;
  status: AppPlanStatus;
  submitted_by: string;
  submitted_at: string;
  decided_by: string | null;
  decided_at: string | null;
  decision_note: string | null;
}

interface ItemRow {
  id: string;
  plan_id: string;
  name: string;
  kind: PlannedApp['kind'];
  audience: PlannedApp['audience'];
  business_scenarios: string[];
  justification: string;
  merged_into: string | null;
  merge_note: string | null;
  merged_by: string | null;
  merged_at: string | null;
  app_id: string | null;
}

interface EntryRow {
  app_id: string;
  plan_item_id: string | null;
  plan_required: boolean;
  overlapping_apps: AppOverlap[];
  justification: string | null;
  justified_by: string | null;
  justified_at: string | null;
  recorded_at: string;
}

const entries = rowMapper<EntryRecord, EntryRow>({
  appId: 'app_id',
  planItemId: 'plan_item_id',
  planRequired: 'plan_required',
  overlaps: 'overlapping_apps',
  justification: 'justification',
  justifiedBy: 'justified_by',
  justifiedAt: 'justified_at',
  recordedAt: 'recorded_at',
});
const entryFromRow = entries.fromRow;

const itemFromRow = (r: ItemRow): PlannedApp => ({
  id: r.id,
  name: r.name,
  kind: r.kind,
  audience: r.audience,
  businessScenarios: r.business_scenarios,
  justification: r.justification,
  status: r.merged_into !== null ? 'merged' : r.app_id !== null ? 'proposed' : 'open',
  appId: r.app_id,
  mergedInto: r.merged_into,
  mergeNote: r.merge_note,
  mergedBy: r.merged_by,
  mergedAt: r.merged_at,
});

const planFromRow = (r: PlanRow, items: PlannedApp[]): AppPlan => ({
  id: r.id,
  department: r.department,
  periodStart: isoDay(r.period_start),
  periodEnd: isoDay(r.period_end),
  justification: r.justification,
  status: r.status,
  plannedApps: items,
  submittedBy: r.submitted_by,
  submittedAt: r.submitted_at,
  decidedBy: r.decided_by,
  decidedAt: r.decided_at,
  decisionNote: r.decision_note,
});

/** Construction plans and their planned apps, and what each app's entry rests on. */
export class AppPlanStore implements AppPlanStoreType {
  constructor(private readonly db: Db) {}

  async insertPlan(trx: Trx, plan: AppPlan): Promise<void> {
    await trx('app_plans').insert({
      id: plan.id,
      department: plan.department,
      period_start: plan.periodStart,
      period_end: plan.periodEnd,
      justification: plan.justification,
      status: plan.status,
      submitted_by: plan.submittedBy,
      submitted_at: plan.submittedAt,
    });
    await trx('app_plan_items').insert(
      plan.plannedApps.map((p, position) => ({
        id: p.id,
        plan_id: plan.id,
        position,
        name: p.name,
        kind: p.kind,
        audience: p.audience,
        business_scenarios: p.businessScenarios,
        justification: p.justification,
      })),
    );
  }

  async findPlan(id: string, trx: Db | Trx = this.db, forUpdate = false): Promise<AppPlan | undefined> {
    const q = trx<PlanRow>('app_plans').where({ id }).first();
    if (forUpdate) q.forUpdate();
    const row = await q;
    return row && planFromRow(row, (await this.itemsOf([id], trx)).get(id) ?? []);
  }

  async planDepartment(id: string): Promise<string | undefined> {
    const row = await this.db<PlanRow>('app_plans').where({ id }).first('department');
    return row?.department;
  }

  /** Plans, most recent period first. */
  async listPlans(filter: PlanFilter, limit: number): Promise<AppPlan[]> {
    const q = this.db<PlanRow>('app_plans').limit(limit);
    if (filter.department) q.where('department', filter.department);
    if (filter.status) q.where('status', filter.status);
    if (filter.departments) q.whereIn('department', [...filter.departments]);
    newestFirstAfter(q, 'app_plans', ['period_start', 'id'], filter.afterId);
    const rows = await q;
    const items = await this.itemsOf(rows.map((r) => r.id));
    return rows.map((r) => planFromRow(r, items.get(r.id) ?? []));
  }

  private async itemsOf(planIds: readonly string[], trx: Db | Trx = this.db): Promise<Map<string, PlannedApp[]>> {
    const byPlan = new Map<string, PlannedApp[]>();
    if (planIds.length === 0) return byPlan;
    const rows: ItemRow[] = await trx('app_plan_items as i')
      .leftJoin('app_entry_reviews as e', 'e.plan_item_id', 'i.id')
      .whereIn('i.plan_id', [...planIds])
      .orderBy([{ column: 'i.plan_id' }, { column: 'i.position' }])
      .select('i.*', 'e.app_id');
    for (const r of rows) byPlan.set(r.plan_id, [...(byPlan.get(r.plan_id) ?? []), itemFromRow(r)]);
    return byPlan;
  }

  async decidePlan(trx: Trx, id: string, d: { status: AppPlanStatus; by: string; at: string; note: string | null }): Promise<void> {
    await trx('app_plans').where({ id }).update({ status: d.status, decided_by: d.by, decided_at: d.at, decision_note: d.note });
  }

  /** A planned app with its plan, locked for a change. */
  async lockItem(trx: Trx, planId: string, itemId: string): Promise<{ plan: AppPlan; item: PlannedApp } | undefined> {
    const plan = await this.findPlan(planId, trx, true);
    const item = plan?.plannedApps.find((p) => p.id === itemId);
    if (!plan || !item) return undefined;
    await trx('app_plan_items').where({ id: itemId }).forUpdate().first('id');
    return { plan, item };
  }

  /** The planned app `itemId` with its plan, wherever it is (for proposals naming it). */
  async planOfItem(itemId: string, trx: Db | Trx = this.db, forUpdate = false): Promise<AppPlan | undefined> {
    const row = await trx<ItemRow>('app_plan_items').where({ id: itemId }).first('plan_id');
    return row && this.findPlan(row.plan_id, trx, forUpdate);
  }

  async mergeItem(trx: Trx, itemId: string, m: { into: string; note: string; by: string; at: string }): Promise<void> {
    await trx('app_plan_items').where({ id: itemId }).update({ merged_into: m.into, merge_note: m.note, merged_by: m.by, merged_at: m.at });
  }

  async entry(appId: string, trx: Db | Trx = this.db): Promise<EntryRecord | undefined> {
    const row = await trx<EntryRow>('app_entry_reviews').where({ app_id: appId }).first();
    return row && entryFromRow(row);
  }

  async saveEntry(trx: Trx, e: EntryRecord): Promise<void> {
    await trx('app_entry_reviews')
      .insert({ ...entries.toRow(e), overlapping_apps: JSON.stringify(e.overlaps) })
      .onConflict('app_id')
      .merge();
  }

  /** Every recorded entry of a proposed app: what its justification answers for. */
  async entriesOfProposals(): Promise<Map<string, EntryRecord>> {
    const rows: EntryRow[] = await this.db('app_entry_reviews as e')
      .join('apps as a', 'a.id', 'e.app_id')
      .where('a.lifecycle_state', 'proposed')
      .select('e.*');
    return new Map(rows.map((r) => [r.app_id, entryFromRow(r)]));
  }
}
