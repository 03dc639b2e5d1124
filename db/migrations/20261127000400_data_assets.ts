import type { Knex } from 'knex';

// Data assets, their fields and ownership transfers: every asset has exactly one owning department,
// and ownership only moves through an accepted transfer (the history is kept).
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table data_assets (
      id                 uuid primary key,
      key                text not null unique,
      name               text not null,
      description        text,
      owning_department  text not null references departments (code),
      classification     int not null check (classification between 1 and 5),
      status             text not null default 'active' check (status in ('active', 'retired')),
      created_at         timestamptz not null,
      updated_at         timestamptz not null,
      retired_at         timestamptz null,
      retired_reason     text null,
      check ((status = 'retired') = (retired_at is not null))
    )`);
  await knex.raw('create index data_assets_owning_department_idx on data_assets (owning_department, key)');

  // Fields are never deleted, and a retired name stays taken (unique over all statuses): grants and
  // audit history name fields, so a name must always mean the same data.
  await knex.raw(`
    create table data_asset_fields (
      id              uuid primary key,
      asset_id        uuid not null references data_assets (id),
      name            text not null,
      pi_category     text not null check (pi_category in ('none', 'personal', 'sensitive')),
      description     text,
      status          text not null default 'active' check (status in ('active', 'retired')),
      created_at      timestamptz not null,
      retired_at      timestamptz null,
      retired_reason  text null,
      position        int not null,
      unique (asset_id, name),
      unique (asset_id, position),
      check ((status = 'retired') = (retired_at is not null))
    )`);
  await knex.raw('create index data_asset_fields_pi_idx on data_asset_fields (pi_category, status, asset_id)');

  await knex.raw(`
    create table ownership_transfers (
      id               uuid primary key,
      asset_id         uuid not null references data_assets (id),
      from_department  text not null references departments (code),
      to_department    text not null references departments (code),
      reason           text not null,
      status           text not null check (status in ('proposed', 'accepted', 'rejected', 'cancelled')),
      proposed_by      text not null,
      proposed_at      timestamptz not null,
      decided_by       text null,
      decided_at       timestamptz null,
      decision_note    text null,
      check (from_department <> to_department),
      check ((status = 'proposed') = (decided_at is null))
    )`);
  await knex.raw(`create unique index ownership_transfers_one_open_idx on ownership_transfers (asset_id) where status = 'proposed'`);
  await knex.raw('create index ownership_transfers_asset_idx on ownership_transfers (asset_id, proposed_at)');
  await knex.raw(`create index ownership_transfers_open_to_idx on ownership_transfers (to_department) where status = 'proposed'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table ownership_transfers');
  await knex.raw('drop table data_asset_fields');
  await knex.raw('drop table data_assets');
}
