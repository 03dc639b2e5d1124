import type { Knex } from 'knex';

// Which data each app processes and why: fields of one data asset for one purpose.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table app_data_uses (
      id           uuid primary key,
      app_id       uuid not null references apps (id),
      asset_id     uuid not null references data_assets (id),
      asset_key    text not null,
      fields       text[] not null check (cardinality(fields) > 0),
      purpose_key  text not null references purposes (key),
      created_by   text not null,
      created_at   timestamptz not null,
      unique (app_id, asset_id, purpose_key)
    )`);
  await knex.raw('create index app_data_uses_purpose_idx on app_data_uses (purpose_key)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table app_data_uses');
}
