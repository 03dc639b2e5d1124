import type { Db } from '../db';
import { undisclosed, type DisclosedCategory } from '../notices/disclosure';
import type { Finding } from './compliance-check';
import type { ComplianceReadModel } from './compliance-read-model';

const EXAMPLES = 10;

const listed = (examined: number, ids: readonly string[]): Finding => ({ examined, count: ids.length, examples: ids.slice(0, EXAMPLES) });

/**
 * The compliance report's own read model: set-based SQL over the governance tables. Each question is
 * one statement over the records the rule applies to — its rows are `id`, `offending` (boolean) and
 * `sort_key` — so what was examined and what broke the rule can never drift apart.
 */
export class ComplianceStore implements ComplianceReadModel {
  constructor(private readonly db: Db) {}

  private async finding(examined: string, bindings: readonly string[] = [], order = 'sort_key'): Promise<Finding> {
    const result = (await this.db.raw(
      `with examined as (${examined})
       select (select count(*) from examined) as examined,
              (select count(*) from examined where offending) as count,
              (select coalesce(json_agg(id order by ${order}, id), '[]'::json)
                 from (select id, sort_key from examined where offending order by ${order}, id limit ${EXAMPLES}) e) as examples`,
      [...bindings],
    )) as { rows: Array<{ examined: number | string; count: number | string; examples: string[] | string }> };
    const row = result.rows[0];
    const examples = typeof row.examples === 'string' ? (JSON.parse(row.examples) as string[]) : row.examples;
    return { examined: Number(row.examined), count: Number(row.count), examples: examples.map(String) };
  }

  /** Of the live assets, those whose owning department has nobody holding data_owner there (or for every department). */
  assetsWithoutDataOwner(): Promise<Finding> {
    return this.finding(
      `select a.key as id, a.key as sort_key,
              not exists (select 1 from casbin_rule r where r.ptype = 'g' and r.v1 = 'data_owner' and (r.v2 = a.owning_department or r.v2 = '*')) as offending
       from data_assets a where a.status = 'active'`,
    );
  }

  /** Of the live assets, those without a single live, classified field. */
  assetsWithoutClassifiedFields(): Promise<Finding> {
    return this.finding(
      `select a.key as id, a.key as sort_key,
              not exists (select 1 from data_asset_fields f where f.asset_id = a.id and f.status = 'active') as offending
       from data_assets a where a.status = 'active'`,
    );
  }

  /** Of the approved grants, those without a bounded end: no end, or longer than 365 days. */
  grantsWithoutEnd(): Promise<Finding> {
    return this.finding(
      `select id::text as id, id::text as sort_key,
              (valid_until is null or valid_until > valid_from + interval '365 days') as offending
       from access_grants where status = 'approved'`,
    );
  }

  /** Of the approved grants not yet ended, those that run past their vendor's contract. */
  grantsPastContract(now: string): Promise<Finding> {
    return this.finding(
      `select g.id::text as id, g.valid_until as sort_key, coalesce(g.valid_until > v.contract_ends_at, false) as offending
       from access_grants g join vendors v on v.id = g.vendor_id
       where g.status = 'approved' and g.valid_until > ?`,
      [now],
      'sort_key desc',
    );
  }

  /** Of the grants active now, those not used for `days` days (never used: counted from approval). */
  grantsUnused(now: string, days: number): Promise<Finding> {
    return this.finding(
      `select id::text as id, coalesce(last_used_at, decided_at) as sort_key,
              coalesce(coalesce(last_used_at, decided_at) < ?::timestamptz - (? || ' days')::interval, false) as offending
       from access_grants
       where status = 'approved' and valid_from <= ? and valid_until > ?`,
      [now, String(days), now, now],
    );
  }

  /** Of the vendors whose contract has ended, those still holding an active grant. */
  vendorsExpiredWithActiveGrants(now: string): Promise<Finding> {
    return this.finding(
      `select v.id::text as id, v.contract_ends_at as sort_key,
              exists (select 1 from access_grants g where g.vendor_id = v.id and g.status = 'approved' and g.valid_until > ?) as offending
       from vendors v where v.contract_ends_at <= ?`,
      [now, now],
    );
  }

  /** Of the approved grants of sensitive PI, those without a privacy officer's co-approval. */
  sensitiveGrantsWithoutPrivacyOfficer(): Promise<Finding> {
    return this.finding(
      `select id::text as id, id::text as sort_key, privacy_approved_by is null as offending
       from access_grants where status = 'approved' and sensitive`,
    );
  }

  /** Of the live purposes based on consent, those without a published notice. */
  consentPurposesWithoutNotice(): Promise<Finding> {
    return this.finding(
      `select p.key as id, p.key as sort_key,
              not exists (select 1 from notices n where n.purpose_key = p.key and n.status = 'published') as offending
       from purposes p where p.status = 'active' and p.legal_basis = 'consent'`,
    );
  }

  /** Of the latest published version of each notice scope, those that name no complaint channel. */
  noticesWithoutComplaintChannel(): Promise<Finding> {
    return this.finding(
      `select n.id::text as id, n.id::text as sort_key,
              not coalesce(jsonb_typeof(n.content -> 'complaintChannel') = 'object' and n.content -> 'complaintChannel' <> '{}'::jsonb, false) as offending
       from notices n
       where n.status = 'published'
         and n.version = (select max(m.version) from notices m where m.purpose_key = n.purpose_key and m.status = 'published'
                          and m.app_id is not distinct from n.app_id)`,
    );
  }

  /** Of the approved grants not yet ended, those naming a retired asset, field or purpose. */
  grantsOnRetiredSubjects(now: string): Promise<Finding> {
    return this.finding(
      `select g.id::text as id, g.id::text as sort_key,
              (a.status = 'retired' or p.status = 'retired'
               or exists (select 1 from data_asset_fields f where f.asset_id = g.asset_id and f.status = 'retired' and f.name = any(g.fields))) as offending
       from access_grants g
       join data_assets a on a.id = g.asset_id
       join purposes p on p.key = g.purpose_key
       where g.status = 'approved' and g.valid_until > ?`,
      [now],
    );
  }

  /** Of the approved grants not yet ended, those of vendors without a passed security assessment dated `cutoff` (YYYY-MM-DD) or later. */
  grantsOfVendorsWithoutCurrentAssessment(now: string, cutoff: string): Promise<Finding> {
    return this.finding(
      `select g.id::text as id, g.id::text as sort_key,
              not coalesce(v.security_assessment ->> 'result' = 'pass' and v.security_assessment ->> 'assessedAt' >= ?, false) as offending
       from access_grants g join vendors v on v.id = g.vendor_id
       where g.status = 'approved' and g.valid_until > ?`,
      [cutoff, now],
    );
  }

  /** Of the live grants releasing a sensitive field, those a current notice of their purpose does not disclose (or, for consent, no notice at all). */
  async sensitiveGrantsUndisclosed(now: string): Promise<Finding> {
    const { releases, notices } = await this.sensitiveDisclosure(now);
    const examined = new Set<string>();
    const offending = new Set<string>();
    for (const r of releases) {
      examined.add(r.grantId);
      const current = notices.get(r.purposeKey) ?? [];
      if (current.length === 0 ? r.legalBasis === 'consent' : current.some((n) => undisclosed(n.categories, [r]).length > 0))
        offending.add(r.grantId);
    }
    return listed(examined.size, [...offending].sort());
  }

  /** Of the current notices of purposes under which live grants release sensitive fields, those that omit one. */
  async noticesOmittingGrantedSensitiveData(now: string): Promise<Finding> {
    const { releases, notices } = await this.sensitiveDisclosure(now);
    const examined = new Set<string>();
    const offending = new Set<string>();
    for (const r of releases)
      for (const n of notices.get(r.purposeKey) ?? []) {
        examined.add(n.id);
        if (undisclosed(n.categories, [r]).length > 0) offending.add(n.id);
      }
    return listed(examined.size, [...offending].sort());
  }

  /** Each sensitive field each live grant releases, and the current notice of each scope of each purpose. */
  private async sensitiveDisclosure(now: string) {
    const releaseRows = (await this.db.raw(
      `select g.id::text as grant_id, g.purpose_key, p.legal_basis, a.key as asset_key, f.name as field
       from access_grants g
       join data_assets a on a.id = g.asset_id
       join purposes p on p.key = g.purpose_key
       cross join lateral unnest(g.fields) as gf(name)
       join data_asset_fields f on f.asset_id = g.asset_id and f.name = gf.name
       where g.status = 'approved' and g.valid_until > ? and f.pi_category = 'sensitive'`,
      [now],
    )) as { rows: Array<{ grant_id: string; purpose_key: string; legal_basis: string; asset_key: string; field: string }> };
    const noticeRows = (await this.db.raw(
      `select n.id::text as id, n.purpose_key, coalesce(n.content -> 'sensitivePiCategories', '[]'::jsonb) as categories from notices n
       where n.status = 'published'
         and n.version = (select max(m.version) from notices m where m.purpose_key = n.purpose_key and m.status = 'published'
                          and m.app_id is not distinct from n.app_id)`,
    )) as { rows: Array<{ id: string; purpose_key: string; categories: DisclosedCategory[] }> };
    const notices = new Map<string, Array<{ id: string; categories: DisclosedCategory[] }>>();
    for (const n of noticeRows.rows)
      notices.set(n.purpose_key, [...(notices.get(n.purpose_key) ?? []), { id: n.id, categories: n.categories }]);
    const releases = releaseRows.rows.map((r) => ({
      grantId: r.grant_id,
      purposeKey: r.purpose_key,
      legalBasis: r.legal_basis,
      assetKey: r.asset_key,
      field: r.field,
      grantIds: [r.grant_id],
    }));
    return { releases, notices };
  }

  /** Of the consents relied on (latest event of a subject and purpose is a consent), those to a version older than the latest material one. */
  staleConsents(): Promise<Finding> {
    return this.finding(
      `with latest as (
         select distinct on (subject_ref, purpose_key) id, kind, purpose_key, notice_version, notice_app_id
         from consent_events order by subject_ref, purpose_key, seq desc
       )
       select l.id::text as id, l.id::text as sort_key,
              coalesce(l.notice_version < (select max(n.version) from notices n where n.purpose_key = l.purpose_key and n.status = 'published'
                                           and n.material and n.app_id is not distinct from l.notice_app_id), false) as offending
       from latest l
       where l.kind = 'given'`,
    );
  }
}
