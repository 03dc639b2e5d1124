import type { Db } from '../db';
import type { RecordKind } from './compliance-check';

/**
 * Readable names for the ids a check gives as examples: department names beside asset keys, vendor
 * names beside grant ids, app names beside vulnerabilities. Never a customer id or field value.
 */
export class ComplianceLabelStore {
  constructor(private readonly db: Db) {}

  private readonly queries: Readonly<Record<RecordKind, string>> = {
    department: `select d.code as id, d.name || ' (' || d.code || ')' as label from departments d where d.code = any(?::text[])`,
    data_asset: `select a.key as id, a.name || ' · ' || coalesce(d.name, a.owning_department) || ' (' || a.owning_department || ')' as label
                 from data_assets a left join departments d on d.code = a.owning_department where a.key = any(?::text[])`,
    access_grant: `select g.id::text as id, coalesce(v.name, g.vendor_id::text) || ' · ' || coalesce(a.key, g.asset_id::text) || ' · ' || g.purpose_key as label
                   from access_grants g left join vendors v on v.id = g.vendor_id left join data_assets a on a.id = g.asset_id where g.id::text = any(?::text[])`,
    vendor: `select v.id::text as id, v.name as label from vendors v where v.id::text = any(?::text[])`,
    purpose: `select p.key as id, p.key || ' · ' || p.description as label from purposes p where p.key = any(?::text[])`,
    notice: `select n.id::text as id, n.purpose_key || ' v' || n.version || coalesce(' · ' || a.name, '') as label
             from notices n left join apps a on a.id = n.app_id where n.id::text = any(?::text[])`,
    consent: `select c.id::text as id, c.purpose_key || ' v' || c.notice_version as label from consent_events c where c.id::text = any(?::text[])`,
    complaint: `select c.id::text as id, c.reference || ' · ' || c.category as label from complaints c where c.id::text = any(?::text[])`,
    incident: `select i.id::text as id, i.title as label from incidents i where i.id::text = any(?::text[])`,
    rectification: `select r.id::text as id, r.action || ' · ' || coalesce(d.name, r.owner_department) || ' · ' || i.title as label
                    from incident_rectifications r join incidents i on i.id = r.incident_id left join departments d on d.code = r.owner_department
                    where r.id::text = any(?::text[])`,
    app: `select a.id::text as id, a.name as label from apps a where a.id::text = any(?::text[])`,
    vulnerability: `select v.id::text as id, v.title || ' · ' || a.name as label from app_vulnerabilities v join apps a on a.id = v.app_id where v.id::text = any(?::text[])`,
    app_outage: `select o.id::text as id, a.name || ' · ' || to_char(o.started_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI') || ' UTC' as label
                 from app_outages o join apps a on a.id = o.app_id where o.id::text = any(?::text[])`,
    app_partner: `select x.id::text as id, x.name || ' · ' || a.name as label from app_partners x join apps a on a.id = x.app_id where x.id::text = any(?::text[])`,
    app_migration_step: `select s.id::text as id, a.name || ' · ' || s.position || '. ' || s.description || ' (due ' || to_char(s.due_on, 'YYYY-MM-DD') || ')' as label
                         from app_migration_steps s join app_consolidation_plans p on p.id = s.plan_id join apps a on a.id = p.app_id
                         where s.id::text = any(?::text[])`,
    app_warning: `select w.id::text as id, a.name || ' · ' || w.severity || ' ' || replace(w.kind, '_', ' ') || ' warning · ' || to_char(w.raised_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI') || ' UTC' as label
                  from app_warnings w join apps a on a.id = w.app_id where w.id::text = any(?::text[])`,
    app_rectification_item: `select r.id::text as id, a.name || ' · ' || r.action || ' · ' || r.owner as label
                             from app_rectification_items r join apps a on a.id = r.app_id where r.id::text = any(?::text[])`,
    app_event: `select e.id, e.label from (
                  select w.id::text as id, a.name || ' · major ' || replace(w.kind, '_', ' ') || ' warning' as label from app_warnings w join apps a on a.id = w.app_id
                  union all select v.id::text, a.name || ' · vulnerability · ' || v.title from app_vulnerabilities v join apps a on a.id = v.app_id
                  union all select f.id::text, a.name || ' · inspection finding · ' || f.title from app_inspection_findings f join apps a on a.id = f.app_id
                  union all select r.id::text, a.name || ' · rectification · ' || r.action from app_rectification_items r join apps a on a.id = r.app_id
                ) e where e.id = any(?::text[])`,
    audit_event: `select e.id::text as id, '#' || e.seq || ' ' || e.action as label from audit_events e where e.id::text = any(?::text[])`,
  };

  /** Labels of the given ids of one kind; an id whose record is gone has none. */
  async labels(kind: RecordKind, ids: readonly string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const result = (await this.db.raw(this.queries[kind], [`{${ids.map((id) => `"${id.replace(/["\\]/g, '\\$&')}"`).join(',')}}`])) as {
      rows: Array<{ id: string; label: string | null }>;
    };
    return new Map(result.rows.filter((r) => r.label !== null).map((r) => [String(r.id), String(r.label)]));
  }
}
