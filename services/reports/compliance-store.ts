import type { Db } from '../db';
import { undisclosed, type DisclosedCategory } from '../notices/disclosure';

export interface Finding {
  readonly count: number;
  readonly examples: readonly string[];
}

const EXAMPLES = 10;

const listed = (ids: readonly string[]): Finding => ({ count: ids.length, examples: ids.slice(0, EXAMPLES) });

/** The compliance report's own read model: set-based SQL over the governance tables, counts plus example ids. */
export class ComplianceStore {
  constructor(private readonly db: Db) {}

  private async finding(sql: string, bindings: readonly string[] = []): Promise<Finding> {
    const result = (await this.db.raw(`select count(*) over () as total, id from (${sql}) f limit ${EXAMPLES}`, [...bindings])) as {
      rows: Array<{ total: number; id: string }>;
    };
    return { count: Number(result.rows[0]?.total ?? 0), examples: result.rows.map((r) => String(r.id)) };
  }

  /** Live assets whose owning department has nobody holding data_owner there (or for every department). */
  assetsWithoutDataOwner(): Promise<Finding> {
    return this.finding(
      `select a.key as id from data_assets a
       where a.status = 'active'
         and not exists (select 1 from casbin_rule r where r.ptype = 'g' and r.v1 = 'data_owner' and (r.v2 = a.owning_department or r.v2 = '*'))
       order by a.key`,
    );
  }

  /** Live assets without a single live, classified field. */
  assetsWithoutClassifiedFields(): Promise<Finding> {
    return this.finding(
      `select a.key as id from data_assets a
       where a.status = 'active' and not exists (select 1 from data_asset_fields f where f.asset_id = a.id and f.status = 'active')
       order by a.key`,
    );
  }

  /** Approved grants without a bounded end: no end, or longer than 365 days. */
  grantsWithoutEnd(): Promise<Finding> {
    return this.finding(
      `select id::text as id from access_grants
       where status = 'approved' and (valid_until is null or valid_until > valid_from + interval '365 days') order by id`,
    );
  }

  grantsPastContract(now: string): Promise<Finding> {
    return this.finding(
      `select g.id::text as id from access_grants g join vendors v on v.id = g.vendor_id
       where g.status = 'approved' and g.valid_until > ? and g.valid_until > v.contract_ends_at order by g.valid_until desc`,
      [now],
    );
  }

  /** Active grants not used for `days` days (never used: counted from approval). */
  grantsUnused(now: string, days: number): Promise<Finding> {
    return this.finding(
      `select id::text as id from access_grants
       where status = 'approved' and valid_from <= ? and valid_until > ?
         and coalesce(last_used_at, decided_at) < ?::timestamptz - (? || ' days')::interval
       order by coalesce(last_used_at, decided_at)`,
      [now, now, now, String(days)],
    );
  }

  vendorsExpiredWithActiveGrants(now: string): Promise<Finding> {
    return this.finding(
      `select v.id::text as id from vendors v
       where v.contract_ends_at <= ? and exists (select 1 from access_grants g where g.vendor_id = v.id and g.status = 'approved' and g.valid_until > ?)
       order by v.contract_ends_at`,
      [now, now],
    );
  }

  sensitiveGrantsWithoutPrivacyOfficer(): Promise<Finding> {
    return this.finding(
      `select id::text as id from access_grants where status = 'approved' and sensitive and privacy_approved_by is null order by id`,
    );
  }

  consentPurposesWithoutNotice(): Promise<Finding> {
    return this.finding(
      `select p.key as id from purposes p
       where p.status = 'active' and p.legal_basis = 'consent'
         and not exists (select 1 from notices n where n.purpose_key = p.key and n.status = 'published')
       order by p.key`,
    );
  }

  /** Latest published version of each notice scope that names no complaint channel. */
  noticesWithoutComplaintChannel(): Promise<Finding> {
    return this.finding(
      `select n.id::text as id from notices n
       where n.status = 'published'
         and n.version = (select max(m.version) from notices m where m.purpose_key = n.purpose_key and m.status = 'published'
                          and m.app_id is not distinct from n.app_id)
         and not coalesce(jsonb_typeof(n.content -> 'complaintChannel') = 'object' and n.content -> 'complaintChannel' <> '{}'::jsonb, false)
       order by n.id`,
    );
  }

  /** Approved grants that have not ended yet name a retired asset, field or purpose. */
  grantsOnRetiredSubjects(now: string): Promise<Finding> {
    return this.finding(
      `select g.id::text as id from access_grants g
       join data_assets a on a.id = g.asset_id
       join purposes p on p.key = g.purpose_key
       where g.status = 'approved' and g.valid_until > ?
         and (a.status = 'retired' or p.status = 'retired'
              or exists (select 1 from data_asset_fields f where f.asset_id = g.asset_id and f.status = 'retired' and f.name = any(g.fields)))
       order by g.id`,
      [now],
    );
  }

  /** Approved grants that have not ended, of vendors without a passed security assessment dated `cutoff` (YYYY-MM-DD) or later. */
  grantsOfVendorsWithoutCurrentAssessment(now: string, cutoff: string): Promise<Finding> {
    return this.finding(
      `select g.id::text as id from access_grants g join vendors v on v.id = g.vendor_id
       where g.status = 'approved' and g.valid_until > ?
         and not coalesce(v.security_assessment ->> 'result' = 'pass' and v.security_assessment ->> 'assessedAt' >= ?, false)
       order by g.id`,
      [now, cutoff],
    );
  }

  /** Live grants releasing a sensitive field that a current notice of their purpose does not disclose (or, for consent, no notice at all). */
  async sensitiveGrantsUndisclosed(now: string): Promise<Finding> {
    const { releases, notices } = await this.sensitiveDisclosure(now);
    const offending = new Set<string>();
    for (const r of releases) {
      const current = notices.get(r.purposeKey) ?? [];
      if (current.length === 0 ? r.legalBasis === 'consent' : current.some((n) => undisclosed(n.categories, [r]).length > 0)) offending.add(r.grantId);
    }
    return listed([...offending].sort());
  }

  /** Current notices that omit a sensitive field live grants under their purpose release. */
  async noticesOmittingGrantedSensitiveData(now: string): Promise<Finding> {
    const { releases, notices } = await this.sensitiveDisclosure(now);
    const offending = new Set<string>();
    for (const r of releases) for (const n of notices.get(r.purposeKey) ?? []) if (undisclosed(n.categories, [r]).length > 0) offending.add(n.id);
    return listed([...offending].sort());
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
    for (const n of noticeRows.rows) notices.set(n.purpose_key, [...(notices.get(n.purpose_key) ?? []), { id: n.id, categories: n.categories }]);
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

  /** Consents whose latest event is a consent to a version older than the latest material one: stale, and not replaced. */
  staleConsents(): Promise<Finding> {
    return this.finding(
      `with latest as (
         select distinct on (subject_ref, purpose_key) id, kind, purpose_key, notice_version, notice_app_id
         from consent_events order by subject_ref, purpose_key, seq desc
       )
       select l.id::text as id from latest l
       where l.kind = 'given'
         and l.notice_version < (select max(n.version) from notices n where n.purpose_key = l.purpose_key and n.status = 'published'
                                 and n.material and n.app_id is not distinct from l.notice_app_id)`,
    );
  }
}
