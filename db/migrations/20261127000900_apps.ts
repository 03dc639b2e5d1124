import type { Knex } from 'knex';

// The app ledger (Notice items 1-3): every app, mini-program, official account and H5 page, with its
// owner, lifecycle state and filing number, and the history of its lifecycle transitions.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table apps (
      id                    uuid primary key,
      name                  text not null,
      kind                  text not null check (kind in ('app', 'mini_program', 'official_account', 'h5')),
      platform              text,
      audience              text not null check (audience in ('customer', 'internal')),
      lead_department       text not null references departments (code),
      owning_department     text not null references departments (code),
      responsible_person    text not null,
      filing_number         text,
      monthly_active_users  bigint not null default 0 check (monthly_active_users >= 0),
      satisfaction          numeric(3, 2) check (satisfaction between 0 and 5),
      business_scenarios    text[] not null default '{}',
      third_party_sdks      jsonb not null default '[]',
      lifecycle_state       text not null default 'proposed' check (lifecycle_state in
                              ('proposed', 'approved', 'developing', 'testing', 'released', 'operating', 'consolidating', 'retired')),
      created_by            text not null,
      created_at            timestamptz not null,
      updated_at            timestamptz not null
    )`);
  // Names are unique regardless of case: "Mobile Bank" and "mobile bank" are the same app to a customer.
  await knex.raw('create unique index apps_name_key on apps (lower(name))');
  await knex.raw('create index apps_owning_department_idx on apps (owning_department, lower(name))');
  await knex.raw('create index apps_lifecycle_state_idx on apps (lifecycle_state)');

  // Append-only: the lifecycle is linear, so an app has at most seven transitions.
  await knex.raw(`
    create table app_transitions (
      id                 uuid primary key,
      app_id             uuid not null references apps (id),
      from_state         text not null,
      to_state           text not null,
      note               text,
      disposal           jsonb,
      release_evidence   jsonb,
      transitioned_by    text not null,
      transitioned_at    timestamptz not null,
      unique (app_id, to_state),
      check ((to_state = 'retired') = (disposal is not null)),
      check ((to_state = 'released') = (release_evidence is not null))
    )`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table app_transitions');
  await knex.raw('drop table apps');
}
