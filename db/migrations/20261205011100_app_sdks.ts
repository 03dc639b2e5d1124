import type { Knex } from 'knex';

// Third-party components (SDKs) declared per app and release, with what personal information each
// collects and, for those collecting any, a privacy officer's approval (never the declarer's).
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table app_sdks (
      id               uuid primary key,
      app_id           uuid not null references apps (id),
      release          text not null,
      name             text not null,
      provider         text not null,
      version          text not null,
      pi_categories    jsonb not null,
      purpose_key      text references purposes (key),
      contract_covered boolean not null,
      vendor_id        uuid references vendors (id),
      declared_by      text not null,
      declared_at      timestamptz not null,
      approved_by      text,
      approved_at      timestamptz,
      unique (app_id, release, name, version),
      check (jsonb_array_length(pi_categories) = 0 or purpose_key is not null),
      check ((approved_by is null) = (approved_at is null)),
      check (approved_by is null or approved_by <> declared_by)
    )`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table app_sdks');
}
