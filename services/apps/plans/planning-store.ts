import type { Db, Trx } from '../../db';
import { isoDay } from '../../platform/row-mapper';
import { examinedFinding } from '../accountability/store';
import type { Finding } from '../../reports/compliance-check';
import type { AppCap } from './schemas';
import type { AppPlanningStoreType, PlanningPolicyRecord } from './planning-store-type';

interface PolicyRow {
  singleton: true;
  plans_required_from: string | null;
  set_by: string;
  set_at: string;
}

interface CapRow {
  department: string;
  max_apps: number;
  set_by: string;
  set_at: string;
}

/** Apps not retired that came from a planned app of an approved plan. */
const PLANNED_APP = `exists (select 1 from app_entry_reviews e join app_plan_items i on i.id = e.plan_item_id
                             join app_plans p on p.id = i.plan_id where e.app_id = a.id and p.status = 'approved')`;

/** The plan requirement and caps, and the counts of apps against plans and caps. */
export class AppPlanningStore implements AppPlanningStoreType {
  constructor(private readonly db: Db) {}

  async planningPolicy(trx: Db | Trx = this.db, forUpdate = false): Promise<PlanningPolicyRecord> {
    const q = trx<PolicyRow>('app_planning_policy').first();
    if (forUpdate) q.forUpdate();
    const row = await q;
    if (!row) return { plansRequiredFrom: null, setBy: null, setAt: null };
    return {
      plansRequiredFrom: row.plans_required_from === null ? null : isoDay(row.plans_required_from),
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
    const q = trx<CapRow>('app_caps').where({ department }).first();
    if (forUpdate) q.forUpdate();
    const row = await q;
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

  /**
   * Apps not retired that the plan requirement covers (proposed at or after `since`; every app while
   * it is null) and that did not come from a planned app of an approved plan.
   */
  outsideApprovedPlans(since: string | null): Promise<Finding> {
    const covered = `select a.id, a.name from apps a where a.lifecycle_state <> 'retired' and (?::timestamptz is null or a.created_at >= ?::timestamptz)`;
    return examinedFinding(this.db, covered, `${covered} and not ${PLANNED_APP} order by lower(a.name), a.id`, {
      examined: [since, since],
      offending: [since, since],
    });
  }

  /** Departments with a cap, and those owning more apps not retired than it allows (examples: department codes). */
  overCap(): Promise<Finding> {
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
