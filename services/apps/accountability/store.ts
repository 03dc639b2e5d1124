import type { Db, Trx } from '../../db';
import type { Finding } from '../../reports/compliance-check';
import type { LeadDepartment, Responsibility, ResponsibilityArea } from './schemas';
import type { AccountabilityStoreType, ResponsibilitiesByApp } from './store-type';

interface LeadDepartmentRow {
  singleton: true;
  department: string;
  set_by: string;
  set_at: string;
}

interface ResponsibilityRow {
  app_id: string;
  area: ResponsibilityArea;
  department: string;
  person: string;
  set_by: string;
  set_at: string;
}

/** The institution's lead department for app management, and each app's responsibility matrix. */
export class AccountabilityStore implements AccountabilityStoreType {
  constructor(private readonly db: Db) {}

  async leadDepartment(trx: Db | Trx = this.db, forUpdate = false): Promise<LeadDepartment> {
    const q = trx<LeadDepartmentRow>('app_lead_department').first();
    if (forUpdate) q.forUpdate();
    const row = await q;
    return row ? { department: row.department, setBy: row.set_by, setAt: row.set_at } : { department: null, setBy: null, setAt: null };
  }

  async setLeadDepartment(trx: Trx, lead: { department: string; setBy: string; setAt: string }): Promise<void> {
    await trx('app_lead_department')
      .insert({ singleton: true, department: lead.department, set_by: lead.setBy, set_at: lead.setAt })
      .onConflict('singleton')
      .merge();
  }

  /** Each app's responsibilities by area, for the given apps (all when undefined). */
  async responsibilities(appIds?: readonly string[], trx: Db | Trx = this.db): Promise<ResponsibilitiesByApp> {
    const q = trx<ResponsibilityRow>('app_responsibilities');
    if (appIds !== undefined) q.whereIn('app_id', [...appIds]);
    const byApp: ResponsibilitiesByApp = new Map();
    for (const r of await q) {
      const areas = byApp.get(r.app_id) ?? {};
      areas[r.area] = { department: r.department, person: r.person, setBy: r.set_by, setAt: r.set_at };
      byApp.set(r.app_id, areas);
    }
    return byApp;
  }

  /** Fails while apps are not retired and no lead department is named (examined: the setting, when there are apps). */
  async leadDepartmentFinding(): Promise<Finding> {
    const row = (await this.db.raw(
      `select exists (select 1 from apps where lifecycle_state <> 'retired') as has_apps, exists (select 1 from app_lead_department) as named`,
    )) as { rows: Array<{ has_apps: boolean; named: boolean }> };
    const { has_apps: hasApps, named } = row.rows[0];
    return { examined: hasApps ? 1 : 0, count: hasApps && !named ? 1 : 0, examples: hasApps && !named ? ['lead_department'] : [] };
  }

  /** Apps not retired without a business owner, a technology owner or all four areas of their matrix. */
  withoutAccountability(): Promise<Finding> {
    const notRetired = `select a.id, a.name from apps a where a.lifecycle_state <> 'retired'`;
    return examinedFinding(
      this.db,
      notRetired,
      `${notRetired} and (a.business_owner is null or a.technology_owner is null
         or (select count(*) from app_responsibilities r where r.app_id = a.id) < 4) order by lower(a.name), a.id`,
    );
  }

  async replaceResponsibilities(trx: Trx, appId: string, areas: Record<ResponsibilityArea, Responsibility>): Promise<void> {
    await trx('app_responsibilities').where({ app_id: appId }).delete();
    await trx('app_responsibilities').insert(
      Object.entries(areas).map(([area, r]) => ({
        app_id: appId,
        area,
        department: r.department,
        person: r.person,
        set_by: r.setBy,
        set_at: r.setAt,
      })),
    );
  }
}

/** A count, up to 10 example ids and how many were examined, from `examined` and `offending` (each selecting `id`). */
export async function examinedFinding(
  db: Db,
  examined: string,
  offending: string,
  bindings: { examined?: readonly unknown[]; offending?: readonly unknown[] } = {},
): Promise<Finding> {
  const offendingBindings = bindings.offending ?? [];
  const result = (await db.raw(
    `select (select count(*) from (${examined}) e) as examined, (select count(*) from (${offending}) o) as total,
            coalesce((select array_agg(id) from (select id::text as id from (${offending}) x limit 10) l), '{}') as examples`,
    [...(bindings.examined ?? []), ...offendingBindings, ...offendingBindings] as never[],
  )) as { rows: Array<{ examined: number | string; total: number | string; examples: string[] }> };
  const row = result.rows[0];
  return { count: Number(row.total), examples: row.examples, examined: Number(row.examined) };
}
