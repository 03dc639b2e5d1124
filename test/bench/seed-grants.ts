import crypto from 'node:crypto';
import type { Knex } from 'knex';

/** The shape of a seeded bank: vendors × assets × fields active grant-field entries (one action each). */
export interface GrantSeedShape {
  vendors: number;
  assets: number;
  fieldsPerAsset: number;
}

export const BENCH_PURPOSE = 'bench_servicing';
export const vendorId = (i: number) => uuidFrom(`vendor-${i}`);
export const assetKey = (a: number) => `bench.asset_${a}`;
export const fieldName = (f: number) => `field_${f}`;

/** A deterministic RFC 4122-shaped (version 4, variant 1) id from a label; `uid()` is the same in SQL. */
function uuidFrom(label: string): string {
  const md5 = crypto.createHash('md5').update(label).digest('hex');
  const hex = `${md5.slice(0, 12)}4${md5.slice(13, 16)}8${md5.slice(17)}`;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Seeds approved grants and their Casbin lines directly in bulk (not through the API), with
 * set-based SQL so a million lines take seconds. Every grant spans all fields of one asset.
 */
const uid = (labelSql: string) => `(overlay(overlay(md5(${labelSql}) placing '4' from 13) placing '8' from 17))::uuid`;

export async function seedGrants(db: Knex, shape: GrantSeedShape): Promise<number> {
  const now = new Date();
  const iso = (d: Date) => d.toISOString();
  const from = iso(new Date(now.getTime() - 86_400_000));
  const until = iso(new Date(now.getTime() + 300 * 86_400_000));
  const contractEnd = iso(new Date(now.getTime() + 360 * 86_400_000));
  const at = iso(now);
  await db.raw(
    `insert into departments (id, code, name, kind, created_at, updated_at) values (${uid("'dept'")}, 'BENCH', 'Benchmark department', 'business', ?, ?) on conflict do nothing`,
    [at, at],
  );
  await db.raw(
    `insert into purposes (id, key, description, legal_basis, retention_days, status, created_at, updated_at)
     values (${uid("'purpose'")}, ?, 'Servicing accounts (benchmark)', 'contract', 365, 'active', ?, ?) on conflict do nothing`,
    [BENCH_PURPOSE, at, at],
  );
  await db.raw(
    `insert into data_assets (id, key, name, owning_department, classification, status, created_at, updated_at)
     select ${uid("'asset-' || a")}, 'bench.asset_' || a, 'Benchmark asset ' || a, 'BENCH', 3, 'active', ?, ?
     from generate_series(1, ?) a`,
    [at, at, shape.assets],
  );
  await db.raw(
    `insert into data_asset_fields (id, asset_id, name, pi_category, status, created_at, position)
     select ${uid("'field-' || a || '-' || f")}, ${uid("'asset-' || a")}, 'field_' || f, 'personal', 'active', ?, f
     from generate_series(1, ?) a, generate_series(1, ?) f`,
    [at, shape.assets, shape.fieldsPerAsset],
  );
  await db.raw(
    `insert into vendors (id, name, contacts, contract_reference, contract_starts_at, contract_ends_at, status, status_changed_at, status_changed_by, created_at, updated_at)
     select ${uid("'vendor-' || v")}, 'Benchmark vendor ' || v, '[]'::jsonb, 'BENCH-' || v, ?, ?, 'active', ?, 'bench', ?, ?
     from generate_series(1, ?) v`,
    [from, contractEnd, at, at, at, shape.vendors],
  );
  await db.raw(
    `insert into vendor_contract_purposes (vendor_id, purpose_key) select id, ? from vendors where name like 'Benchmark vendor %'`,
    [BENCH_PURPOSE],
  );
  await db.raw(
    `insert into access_grants (id, vendor_id, asset_id, fields, actions, purpose_key, valid_from, valid_until, justification, sensitive, status,
                                requested_by, requested_at, owner_approved_by, owner_approved_at, decided_by, decided_at)
     select ${uid("'grant-' || v || '-' || a")}, ${uid("'vendor-' || v")}, ${uid("'asset-' || a")},
            array(select 'field_' || f from generate_series(1, ?) f), '{read}', ?, ?, ?, 'benchmark', false, 'approved',
            'bench', ?, 'bench-owner', ?, 'bench-owner', ?
     from generate_series(1, ?) v, generate_series(1, ?) a`,
    [shape.fieldsPerAsset, BENCH_PURPOSE, from, until, at, at, at, shape.vendors, shape.assets],
  );
  await db.raw(
    `insert into casbin_rule (ptype, v0, v1, v2, v3, v4, v5, v6, v7)
     select 'p', ${uid("'vendor-' || v")}::text, ${uid("'asset-' || a")}::text, 'field_' || f, 'read', ?, ?, ?, ${uid("'grant-' || v || '-' || a")}::text
     from generate_series(1, ?) v, generate_series(1, ?) a, generate_series(1, ?) f`,
    [BENCH_PURPOSE, from, until, shape.vendors, shape.assets, shape.fieldsPerAsset],
  );
  // As after any bulk load (autovacuum would do the same within a minute): plans need statistics.
  await db.raw('analyze casbin_rule, access_grants');
  return shape.vendors * shape.assets * shape.fieldsPerAsset;
}
