import type { Db, Trx } from '../../db';
import { examinedFinding } from '../accountability/store';
import type { ExaminedFinding } from '../compliance';
import { afterRow } from '../store';
import type { AppCap, AppOverlap, AppPlan, AppPlanStatus, PlannedApp } from './schemas';

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

/** What an app's entry rests on, as stored. */
export interface EntryRecord {
  appId: string;
  planItemId: string | null;
  planRequired: boolean;
  overlaps: AppOverlap[];
  justification: string | null;
  justifiedBy: string | null;
  justifiedAt: string | null;
  recordedAt: string;
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

const entryFromRow = (r: EntryRow): EntryRecord => ({
  appId: r.app_id,
  planItemId: r.plan_item_id,
  planRequired: r.plan_required,
  overlaps: r.overlapping_apps,
  justification: r.justification,
  justifiedBy: r.justified_by,
  justifiedAt: r.justified_at,
  recordedAt: r.recorded_at,
});

// pg returns dates as strings (the type parser is set up in db.ts); keep them as YYYY-MM-DD.
const day = (v: string | Date): string => (typeof v === 'string' ? v.slice(0, 10) : v.toISOString().slice(0, 10));

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
  periodStart: day(r.period_start),
  periodEnd: day(r.period_end),
  justification: r.justification,
  status: r.status,
  plannedApps: items,
  submittedBy: r.submitted_by,
  submittedAt: r.submitted_at,
  decidedBy: r.decided_by,
  decidedAt: r.decided_at,
  decisionNote: r.decision_note,
});

/** Apps not retired that came from a planned app of an approved plan. */
const PLANNED_APP = `exists (select 1 from app_entry_reviews e join app_plan_items i on i.id = e.plan_item_id
                             join app_plans p on p.id = i.plan_id where e.app_id = a.id and p.status = 'approved')`;

/** Construction plans and their planned apps, the planning policy and caps, and what each app's entry rests on. */
export class AppPlanStore {
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
    const q = trx('app_plans').where({ id }).first();
    if (forUpdate) q.forUpdate();
    const row = (await q) as PlanRow | undefined;
    return row && planFromRow(row, (await this.itemsOf([id], trx)).get(id) ?? []);
  }

  async planDepartment(id: string): Promise<string | undefined> {
    const row = (await this.db('app_plans').where({ id }).first('department')) as { department: string } | undefined;
    return row?.department;
  }

  /** Plans, most recent period first. */
  async listPlans(
    filter: { department?: string; status?: AppPlanStatus; departments?: readonly string[]; afterId?: string },
    limit: number,
  ) {
    const q = this.db('app_plans')
      .orderBy([
        { column: 'period_start', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(limit);
    if (filter.department) q.where('department', filter.department);
    if (filter.status) q.where('status', filter.status);
    if (filter.departments) q.whereIn('department', [...filter.departments]);
    afterRow(q, 'app_plans', 'period_start, id', '<', filter.afterId);
    const rows = (await q) as PlanRow[];
    const items = await this.itemsOf(rows.map((r) => r.id));
    return rows.map((r) => planFromRow(r, items.get(r.id) ?? []));
  }

  private async itemsOf(planIds: readonly string[], trx: Db | Trx = this.db): Promise<Map<string, PlannedApp[]>> {
    const byPlan = new Map<string, PlannedApp[]>();
    if (planIds.length === 0) return byPlan;
    const rows = (await trx('app_plan_items as i')
      .leftJoin('app_entry_reviews as e', 'e.plan_item_id', 'i.id')
      .whereIn('i.plan_id', [...planIds])
      .orderBy([{ column: 'i.plan_id' }, { column: 'i.position' }])
      .select('i.*', 'e.app_id')) as ItemRow[];
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
    const row = (await trx('app_plan_items').where({ id: itemId }).first('plan_id')) as { plan_id: string } | undefined;
    return row && this.findPlan(row.plan_id, trx, forUpdate);
  }

  async mergeItem(trx: Trx, itemId: string, m: { into: string; note: string; by: string; at: string }): Promise<void> {
    await trx('app_plan_items').where({ id: itemId }).update({ merged_into: m.into, merge_note: m.note, merged_by: m.by, merged_at: m.at });
  }

  async planningPolicy(
    trx: Db | Trx = this.db,
    forUpdate = false,
  ): Promise<{ plansRequiredFrom: string | null; setBy: string | null; setAt: string | null }> {
    const q = trx('app_planning_policy').first();
    if (forUpdate) q.forUpdate();
    const row = (await q) as { plans_required_from: string | null; set_by: string; set_at: string } | undefined;
    if (!row) return { plansRequiredFrom: null, setBy: null, setAt: null };
    return {
      plansRequiredFrom: row.plans_required_from === null ? null : day(row.plans_required_from),
      setBy: row.set_by,
      setAt: row.set_at,
    };
  }

  async setPlanningPolicy(trx: Trx, p: { plansRequiredFrom: string | null; setBy: string; setAt: string }): Promise<void> {
    await trx('app_planning_policy')
      .insert({ singleton: true, plans_required_from: p.plansRequiredFrom, set_by: p.setBy, set_at: p.setAt })
      .onConflict('singleton')
      .merge();
  }

  /** Every cap, by department, with the apps not retired each department owns now. */
  async caps(): Promise<Array<AppCap & { maxApps: number; appsNotRetired: number }>> {
    const rows = (await this.db.raw(
      `select c.department, c.max_apps, c.set_by, c.set_at,
              (select count(*) from apps a where a.owning_department = c.department and a.lifecycle_state <> 'retired') as apps
         from app_caps c order by c.department`,
    )) as { rows: Array<{ department: string; max_apps: number; set_by: string; set_at: string; apps: number | string }> };
    return rows.rows.map((r) => ({
      department: r.department,
      maxApps: r.max_apps,
      appsNotRetired: Number(r.apps),
      setBy: r.set_by,
      setAt: r.set_at,
    }));
  }

  async cap(trx: Db | Trx, department: string, forUpdate = false): Promise<AppCap | undefined> {
    const q = trx('app_caps').where({ department }).first();
    if (forUpdate) q.forUpdate();
    const row = (await q) as { department: string; max_apps: number; set_by: string; set_at: string } | undefined;
    return row && { department: row.department, maxApps: row.max_apps, setBy: row.set_by, setAt: row.set_at };
  }

  async setCap(trx: Trx, cap: AppCap): Promise<void> {
    if (cap.maxApps === null) {
      await trx('app_caps').where({ department: cap.department }).delete();
      return;
    }
    await trx('app_caps')
      .insert({ department: cap.department, max_apps: cap.maxApps, set_by: cap.setBy, set_at: cap.setAt })
      .onConflict('department')
      .merge();
  }

  async appsNotRetiredOf(trx: Trx, department: string): Promise<number> {
    const row = (await trx('apps')
      .where({ owning_department: department })
      .whereNot('lifecycle_state', 'retired')
      .count({ n: '*' })
      .first()) as {
      n: number | string;
    };
    return Number(row.n);
  }

  async entry(appId: string, trx: Db | Trx = this.db): Promise<EntryRecord | undefined> {
    const row = (await trx('app_entry_reviews').where({ app_id: appId }).first()) as EntryRow | undefined;
    return row && entryFromRow(row);
  }

  async saveEntry(trx: Trx, e: EntryRecord): Promise<void> {
    await trx('app_entry_reviews')
      .insert({
        app_id: e.appId,
        plan_item_id: e.planItemId,
        plan_required: e.planRequired,
        overlapping_apps: JSON.stringify(e.overlaps),
        justification: e.justification,
        justified_by: e.justifiedBy,
        justified_at: e.justifiedAt,
        recorded_at: e.recordedAt,
      })
      .onConflict('app_id')
      .merge();
  }

  /** Every recorded entry of a proposed app: what its justification answers for. */
  async entriesOfProposals(): Promise<Map<string, EntryRecord>> {
    const rows = (await this.db('app_entry_reviews as e')
      .join('apps as a', 'a.id', 'e.app_id')
      .where('a.lifecycle_state', 'proposed')
      .select('e.*')) as EntryRow[];
    return new Map(rows.map((r) => [r.app_id, entryFromRow(r)]));
  }

  /**
   * Apps not retired that the plan requirement covers (proposed at or after `since`; every app while
   * it is null) and that did not come from a planned app of an approved plan.
   */
  outsideApprovedPlans(since: string | null): Promise<ExaminedFinding> {
    const covered = `select a.id, a.name from apps a where a.lifecycle_state <> 'retired' and (?::timestamptz is null or a.created_at >= ?::timestamptz)`;
    return examinedFinding(this.db, covered, `${covered} and not ${PLANNED_APP} order by lower(a.name), a.id`, {
      examined: [since, since],
      offending: [since, since],
    });
  }

  /** Departments with a cap, and those owning more apps not retired than it allows (examples: department codes). */
  overCap(): Promise<ExaminedFinding> {
    const capped = `select c.department as id from app_caps c`;
    return examinedFinding(
      this.db,
      capped,
      `${capped} where (select count(*) from apps a where a.owning_department = c.department and a.lifecycle_state <> 'retired') > c.max_apps
        order by c.department`,
    );
  }

  /** Per department: apps not retired, those outside an approved plan, and the planned apps of approved plans covering `today`. */
  async planLines(
    today: string,
  ): Promise<
    Array<{ department: string; apps: number; outside: number; planned: number; proposed: number; merged: number; maxApps: number | null }>
  > {
    const result = (await this.db.raw(
      `with depts as (
         select owning_department as department from apps where lifecycle_state <> 'retired'
         union select department from app_plans where status = 'approved' and ?::date between period_start and period_end
         union select department from app_caps),
       items as (
         select p.department, i.merged_into, e.app_id from app_plan_items i join app_plans p on p.id = i.plan_id
           left join app_entry_reviews e on e.plan_item_id = i.id
          where p.status = 'approved' and ?::date between p.period_start and p.period_end)
       select d.department,
              (select count(*) from apps a where a.owning_department = d.department and a.lifecycle_state <> 'retired') as apps,
              (select count(*) from apps a where a.owning_department = d.department and a.lifecycle_state <> 'retired' and not ${PLANNED_APP}) as outside,
              (select count(*) from items i where i.department = d.department) as planned,
              (select count(*) from items i where i.department = d.department and i.app_id is not null) as proposed,
              (select count(*) from items i where i.department = d.department and i.merged_into is not null) as merged,
              (select c.max_apps from app_caps c where c.department = d.department) as max_apps
         from depts d order by d.department`,
      [today, today],
    )) as { rows: Array<Record<string, string | number | null>> };
    return result.rows.map((r) => ({
      department: String(r.department),
      apps: Number(r.apps),
      outside: Number(r.outside),
      planned: Number(r.planned),
      proposed: Number(r.proposed),
      merged: Number(r.merged),
      maxApps: r.max_apps === null ? null : Number(r.max_apps),
    }));
  }
}
