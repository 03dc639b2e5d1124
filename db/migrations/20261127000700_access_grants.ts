import type { Knex } from 'knex';

// Vendor access grants (approved ones become policies/vendor_access.conf lines in casbin_rule)
// and their daily usage, for volume caps and the unused-grant report.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table access_grants (
      id                       uuid primary key,
      vendor_id                uuid not null references vendors (id),
      asset_id                 uuid not null references data_assets (id),
      fields                   text[] not null check (cardinality(fields) > 0),
      actions                  text[] not null check (cardinality(actions) > 0),
      purpose_key              text not null references purposes (key),
      valid_from               timestamptz not null,
      valid_until              timestamptz not null,
      row_scope                jsonb,
      daily_record_cap         integer check (daily_record_cap is null or daily_record_cap > 0),
      justification            text not null,
      sensitive                boolean not null,
      status                   text not null check (status in ('requested', 'approved', 'rejected', 'revoked')),
      requested_by             text not null,
      requested_at             timestamptz not null,
      owner_approved_by        text,
      owner_approved_at        timestamptz,
      privacy_approved_by      text,
      privacy_approved_at      timestamptz,
      decided_by               text,
      decided_at               timestamptz,
      decision_reason          text,
      last_used_at             timestamptz,
      check (valid_until > valid_from)
    )`);
  await knex.raw('create index access_grants_vendor_idx on access_grants (vendor_id, status)');
  await knex.raw('create index access_grants_asset_idx on access_grants (asset_id, status)');
  await knex.raw(`
    create table access_grant_usage (
      grant_id  uuid not null references access_grants (id),
      day       date not null,
      records   bigint not null default 0,
      decisions bigint not null default 0,
      primary key (grant_id, day)
    )`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table access_grant_usage');
  await knex.raw('drop table access_grants');
}
