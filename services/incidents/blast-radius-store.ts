import type { Db, Trx } from '../db';

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

/** Everything the audit log says about the vendors in the window, read from one snapshot. */
export interface Exposure {
  totals: DecisionTotals[];
  decided: FieldUse[];
  tokens: TokenTotals[];
  tokenFields: FieldUse[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const placeholders = (n: number) => Array<string>(n).fill('?').join(', ');
// A JSON array member as a set of rows, or none when the member is missing or not an array.
const elements = (expr: string) => `case when jsonb_typeof(${expr}) = 'array' then ${expr} else '[]'::jsonb end`;

interface DecisionRow {
  kind: 'total' | 'subjects' | 'field';
  vendor_id: string | null;
  asset_id: string | null;
  field: string | null;
  level: number;
  allowed: number;
  denied: number;
  records: number;
  without_records: number;
  subjects: number;
}

/**
 * Reads the exposure of vendors out of the audit log: decisions (action access.decided, object the
 * vendor) and tokens (oauth.token_issued, details.vendorId), each through its partial index or, when a
 * vendor owns much of the log, one sequential scan. Each kind of event is read once (a materialised
 * CTE feeds both the totals and the per-field counts).
 */
export class BlastRadiusStore {
  constructor(private readonly db: Db) {}

  async exposure(vendorIds: readonly string[], from: string, to: string): Promise<Exposure> {
    if (vendorIds.length === 0) return { totals: [], decided: [], tokens: [], tokenFields: [] };
    return this.db.transaction(
      async (trx) => {
        // A rare, heavy read for an incident call: sort in memory, and skip JIT, whose compile time
        // (about a second) is misjudged from the row estimates of the JSON set-returning functions.
        await trx.raw(`set local work_mem = '128MB'`);
        await trx.raw('set local jit = off');
        const { totals, decided } = await this.decisions(trx, vendorIds, from, to);
        const { tokens, tokenFields } = await this.tokens(trx, vendorIds, from, to);
        return { totals, decided, tokens, tokenFields };
      },
      { isolationLevel: 'repeatable read', readOnly: true },
    );
  }

  private async decisions(trx: Trx, vendorIds: readonly string[], from: string, to: string): Promise<Pick<Exposure, 'totals' | 'decided'>> {
    const { rows } = (await trx.raw(
      `with e as materialized (
         select coalesce(details->>'retryOf', id::text) as request,
                object_id as vendor_id,
                details->>'asset' as asset_id,
                case when jsonb_typeof(details->'releasedFields') = 'array' then jsonb_array_length(details->'releasedFields') > 0
                     else coalesce(details->>'decision', 'deny') <> 'deny' end as allowed,
                case when jsonb_typeof(details->'records') = 'number' then (details->>'records')::numeric end as records,
                details->>'subjectRef' as subject_ref,
                ${elements(`details->'subjectGroups'`)} as subject_groups,
                ${elements(`coalesce(details->'releasedFields', details->'allowedFields')`)} as fields
           from audit_events
          where action = 'access.decided' and object_type = 'vendor'
            and object_id in (${placeholders(vendorIds.length)})
            and occurred_at >= ? and occurred_at < ?
       ),
       -- One row per request: a retry under an Idempotency-Key (retryOf) is the same release as its first decision.
       d as (
         select vendor_id, asset_id, bool_or(allowed) as allowed, max(records) filter (where allowed) as records
           from e group by request, vendor_id, asset_id
       ),
       -- Distinct customers whose data was released, per asset, per vendor and overall, from one hashed
       -- de-duplication (a DISTINCT aggregate over grouping sets would sort every decision): the one
       -- subject of a decision, and the customers of a bulk decision's groups that released a field.
       s as (
         select vendor_id, asset_id, subject_ref from e where allowed and subject_ref is not null
         union
         select e.vendor_id, e.asset_id, r.ref
           from e
           cross join lateral jsonb_array_elements(e.subject_groups) as g(grp)
           cross join lateral jsonb_array_elements_text(${elements(`g.grp->'subjectRefs'`)}) as r(ref)
          where e.allowed and jsonb_array_length(${elements(`g.grp->'allowedFields'`)}) > 0
       )
       select 'total' as kind, vendor_id, asset_id, null::text as field, grouping(vendor_id, asset_id) as level,
              count(*) filter (where allowed) as allowed,
              count(*) filter (where not allowed) as denied,
              coalesce(sum(records) filter (where allowed), 0) as records,
              count(*) filter (where allowed and records is null) as without_records,
              0 as subjects
         from d
        group by grouping sets ((vendor_id, asset_id), (vendor_id), ())
       union all
       select 'subjects', vendor_id, asset_id, null, 0, 0, 0, 0, 0, count(*) from s group by vendor_id, asset_id
       union all
       select 'subjects', vendor_id, null, null, 1, 0, 0, 0, 0, count(distinct subject_ref) from s group by vendor_id
       union all
       select 'subjects', null, null, null, 3, 0, 0, 0, 0, count(distinct subject_ref) from s
       union all
       select 'field', vendor_id, asset_id, f.field, 0, count(distinct e.request), 0, 0, 0, 0
         from e cross join lateral jsonb_array_elements_text(e.fields) as f(field)
        where e.allowed
        group by vendor_id, asset_id, f.field`,
      [...vendorIds, from, to],
    )) as { rows: DecisionRow[] };
    const totals = new Map<string, DecisionTotals>();
    const decided: FieldUse[] = [];
    const keyOf = (r: DecisionRow) => `${r.level}|${r.vendor_id ?? ''}|${r.asset_id ?? ''}`;
    for (const r of rows.filter((row) => row.kind === 'total')) {
      totals.set(keyOf(r), {
        vendorId: r.vendor_id,
        assetId: r.asset_id,
        level: r.level === 0 ? 'asset' : r.level === 1 ? 'vendor' : 'all',
        allowed: Number(r.allowed),
        denied: Number(r.denied),
        records: Number(r.records),
        withoutRecords: Number(r.without_records),
        subjects: 0,
      });
    }
    for (const r of rows) {
      if (r.kind === 'field')
        decided.push({ vendorId: r.vendor_id as string, asset: r.asset_id as string, field: r.field as string, count: Number(r.allowed) });
      const group = r.kind === 'subjects' ? totals.get(keyOf(r)) : undefined;
      if (group) group.subjects = Number(r.subjects);
    }
    return { totals: [...totals.values()], decided };
  }

  /** Tokens issued to the vendors' clients, and the fields their RFC 9396 data_access details named (locations = assets, datatypes = fields). */
  private async tokens(
    trx: Trx,
    vendorIds: readonly string[],
    from: string,
    to: string,
  ): Promise<Pick<Exposure, 'tokens' | 'tokenFields'>> {
    const { rows } = (await trx.raw(
      `with t as materialized (
         select details->>'vendorId' as vendor_id, details->>'clientId' as client_id, ${elements(`details->'authorizationDetails'`)} as details
           from audit_events
          where action = 'oauth.token_issued'
            and details->>'vendorId' in (${placeholders(vendorIds.length)})
            and occurred_at >= ? and occurred_at < ?
       )
       select 'total' as kind, vendor_id, null::text as asset, null::text as field, count(*) as count,
              coalesce(array_agg(distinct client_id) filter (where client_id is not null), '{}') as clients
         from t
        group by vendor_id
       union all
       select 'field', vendor_id, loc.location, dt.field, count(*), '{}'
         from t
         cross join lateral jsonb_array_elements(t.details) as ad(detail)
         cross join lateral jsonb_array_elements_text(${elements(`ad.detail->'locations'`)}) as loc(location)
         cross join lateral jsonb_array_elements_text(${elements(`ad.detail->'datatypes'`)}) as dt(field)
        where ad.detail->>'type' = 'data_access'
        group by vendor_id, loc.location, dt.field`,
      [...vendorIds, from, to],
    )) as {
      rows: Array<{
        kind: 'total' | 'field';
        vendor_id: string;
        asset: string | null;
        field: string | null;
        count: number;
        clients: string[];
      }>;
    };
    const tokens: TokenTotals[] = [];
    const tokenFields: FieldUse[] = [];
    for (const r of rows) {
      if (r.kind === 'total') tokens.push({ vendorId: r.vendor_id, tokens: Number(r.count), clients: [...r.clients].sort() });
      else tokenFields.push({ vendorId: r.vendor_id, asset: r.asset as string, field: r.field as string, count: Number(r.count) });
    }
    return { tokens, tokenFields };
  }

  /** Assets named by id or key, with their owner and every field's PI category. */
  async assets(refs: readonly string[]): Promise<AssetFieldMeta[]> {
    if (refs.length === 0) return [];
    const ids = refs.filter((r) => UUID.test(r));
    const keys = refs.filter((r) => !UUID.test(r));
    const q = this.db('data_assets as a')
      .leftJoin('data_asset_fields as f', 'f.asset_id', 'a.id')
      .select('a.id', 'a.key', 'a.owning_department', 'f.name as field', 'f.pi_category')
      .where((w) => {
        if (ids.length > 0) w.orWhereIn('a.id', ids);
        if (keys.length > 0) w.orWhereIn('a.key', keys);
      });
    const rows = (await q) as Array<{
      id: string;
      key: string;
      owning_department: string;
      field: string | null;
      pi_category: string | null;
    }>;
    return rows.map((r) => ({ id: r.id, key: r.key, owningDepartment: r.owning_department, field: r.field, piCategory: r.pi_category }));
  }

  async vendors(ids: readonly string[]): Promise<Map<string, { name: string; status: string }>> {
    if (ids.length === 0) return new Map();
    const rows = (await this.db('vendors')
      .whereIn('id', [...ids])
      .select('id', 'name', 'status')) as Array<{ id: string; name: string; status: string }>;
    return new Map(rows.map((r) => [r.id, { name: r.name, status: r.status }]));
  }
}
