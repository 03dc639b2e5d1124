import type { Db } from '../db';

export interface DecisionTotals {
  vendorId: string | null;
  /** null on the vendor-level and overall rows. */
  assetId: string | null;
  level: 'asset' | 'vendor' | 'all';
  allowed: number;
  denied: number;
  records: number;
  withoutRecords: number;
  subjects: number;
}

export interface FieldUse {
  vendorId: string;
  asset: string;
  field: string;
  count: number;
}

export interface TokenTotals {
  vendorId: string;
  tokens: number;
  clients: string[];
}

export interface AssetFieldMeta {
  id: string;
  key: string;
  owningDepartment: string;
  field: string | null;
  piCategory: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const placeholders = (n: number) => Array<string>(n).fill('?').join(', ');
// A JSON array member as a set of rows, or none when the member is missing or not an array.
const elements = (expr: string) => `case when jsonb_typeof(${expr}) = 'array' then ${expr} else '[]'::jsonb end`;

/**
 * Reads the exposure of vendors out of the audit log: decisions (action access.decided, object the
 * vendor) and tokens (oauth.token_issued, details.vendorId), each through its partial index.
 */
export class BlastRadiusStore {
  constructor(private readonly db: Db) {}

  /** Decisions per vendor and asset, per vendor, and overall (one scan, grouping sets). */
  async decisionTotals(vendorIds: readonly string[], from: string, to: string): Promise<DecisionTotals[]> {
    if (vendorIds.length === 0) return [];
    const { rows } = (await this.db.raw(
      `with d as (
         select object_id as vendor_id,
                details->>'asset' as asset_id,
                coalesce(details->>'decision', 'deny') <> 'deny' as allowed,
                case when jsonb_typeof(details->'records') = 'number' then (details->>'records')::numeric end as records,
                details->>'subjectRef' as subject_ref
           from audit_events
          where action = 'access.decided' and object_type = 'vendor'
            and object_id in (${placeholders(vendorIds.length)})
            and occurred_at >= ? and occurred_at < ?
       )
       select vendor_id, asset_id, grouping(vendor_id, asset_id) as level,
              count(*) filter (where allowed) as allowed,
              count(*) filter (where not allowed) as denied,
              coalesce(sum(records) filter (where allowed), 0) as records,
              count(*) filter (where allowed and records is null) as without_records,
              count(distinct subject_ref) filter (where allowed) as subjects
         from d
        group by grouping sets ((vendor_id, asset_id), (vendor_id), ())`,
      [...vendorIds, from, to],
    )) as {
      rows: Array<{ vendor_id: string | null; asset_id: string | null; level: number; allowed: number; denied: number; records: number; without_records: number; subjects: number }>;
    };
    return rows.map((r) => ({
      vendorId: r.vendor_id,
      assetId: r.asset_id,
      level: r.level === 0 ? 'asset' : r.level === 1 ? 'vendor' : 'all',
      allowed: Number(r.allowed),
      denied: Number(r.denied),
      records: Number(r.records),
      withoutRecords: Number(r.without_records),
      subjects: Number(r.subjects),
    }));
  }

  /** How many allowing decisions released each field of each asset, per vendor. */
  async allowedFields(vendorIds: readonly string[], from: string, to: string): Promise<FieldUse[]> {
    if (vendorIds.length === 0) return [];
    const { rows } = (await this.db.raw(
      `select e.object_id as vendor_id, e.details->>'asset' as asset, f.field, count(*) as count
         from audit_events e
         cross join lateral jsonb_array_elements_text(${elements(`e.details->'allowedFields'`)}) as f(field)
        where e.action = 'access.decided' and e.object_type = 'vendor'
          and e.object_id in (${placeholders(vendorIds.length)})
          and e.occurred_at >= ? and e.occurred_at < ?
        group by 1, 2, 3`,
      [...vendorIds, from, to],
    )) as { rows: Array<{ vendor_id: string; asset: string; field: string; count: number }> };
    return rows.map((r) => ({ vendorId: r.vendor_id, asset: r.asset, field: r.field, count: Number(r.count) }));
  }

  /** Access tokens issued to the vendors' clients. */
  async tokenTotals(vendorIds: readonly string[], from: string, to: string): Promise<TokenTotals[]> {
    if (vendorIds.length === 0) return [];
    const { rows } = (await this.db.raw(
      `select details->>'vendorId' as vendor_id, count(*) as tokens,
              coalesce(array_agg(distinct details->>'clientId') filter (where details->>'clientId' is not null), '{}') as clients
         from audit_events
        where action = 'oauth.token_issued'
          and details->>'vendorId' in (${placeholders(vendorIds.length)})
          and occurred_at >= ? and occurred_at < ?
        group by 1`,
      [...vendorIds, from, to],
    )) as { rows: Array<{ vendor_id: string; tokens: number; clients: string[] }> };
    return rows.map((r) => ({ vendorId: r.vendor_id, tokens: Number(r.tokens), clients: [...r.clients].sort() }));
  }

  /** Fields named by the tokens' RFC 9396 data_access details (locations = assets, datatypes = fields). */
  async tokenFields(vendorIds: readonly string[], from: string, to: string): Promise<FieldUse[]> {
    if (vendorIds.length === 0) return [];
    const { rows } = (await this.db.raw(
      `select e.details->>'vendorId' as vendor_id, loc.location as asset, dt.field, count(*) as count
         from audit_events e
         cross join lateral jsonb_array_elements(${elements(`e.details->'authorizationDetails'`)}) as ad(detail)
         cross join lateral jsonb_array_elements_text(${elements(`ad.detail->'locations'`)}) as loc(location)
         cross join lateral jsonb_array_elements_text(${elements(`ad.detail->'datatypes'`)}) as dt(field)
        where e.action = 'oauth.token_issued'
          and e.details->>'vendorId' in (${placeholders(vendorIds.length)})
          and e.occurred_at >= ? and e.occurred_at < ?
          and ad.detail->>'type' = 'data_access'
        group by 1, 2, 3`,
      [...vendorIds, from, to],
    )) as { rows: Array<{ vendor_id: string; asset: string; field: string; count: number }> };
    return rows.map((r) => ({ vendorId: r.vendor_id, asset: r.asset, field: r.field, count: Number(r.count) }));
  }

  /** Assets named by id or key, with their owner and every field's PI category. */
  async assets(refs: readonly string[]): Promise<AssetFieldMeta[]> {
    const ids = refs.filter((r) => UUID.test(r));
    const keys = refs.filter((r) => !UUID.test(r));
    if (refs.length === 0) return [];
    const q = this.db('data_assets as a')
      .leftJoin('data_asset_fields as f', 'f.asset_id', 'a.id')
      .select('a.id', 'a.key', 'a.owning_department', 'f.name as field', 'f.pi_category')
      .where((w) => {
        if (ids.length > 0) w.orWhereIn('a.id', ids);
        if (keys.length > 0) w.orWhereIn('a.key', keys);
      });
    const rows = (await q) as Array<{ id: string; key: string; owning_department: string; field: string | null; pi_category: string | null }>;
    return rows.map((r) => ({ id: r.id, key: r.key, owningDepartment: r.owning_department, field: r.field, piCategory: r.pi_category }));
  }

  async vendors(ids: readonly string[]): Promise<Map<string, { name: string; status: string }>> {
    if (ids.length === 0) return new Map();
    const rows = (await this.db('vendors').whereIn('id', [...ids]).select('id', 'name', 'status')) as Array<{ id: string; name: string; status: string }>;
    return new Map(rows.map((r) => [r.id, { name: r.name, status: r.status }]));
  }
}
