import type { Knex } from 'knex';

// App construction plans (the Notice, item 3: coordinate departments' and branches' plans): a
// department submits a plan for a period with the apps it means to build; the lead department's app
// managers approve or reject it, never its submitter. Each planned app is used at most once: by
// one proposal, or merged into an app already in the ledger.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table app_plans (
      id             uuid primary key,
      department     text not null references departments (code),
      period_start   date not null,
      period_end     date not null,
      justification  text not null,
      status         text not null check (status in ('submitted', 'approved', 'rejected')),
      submitted_by   text not null,
      submitted_at   timestamptz not null,
      decided_by     text,
      decided_at     timestamptz,
      decision_note  text,
      check (period_end >= period_start),
      check ((status = 'submitted') = (decided_by is null)),
      check ((status = 'submitted') = (decided_at is null))
    )`);
  await knex.raw('create index app_plans_department on app_plans (department, period_start)');
  await knex.raw(`
    create table app_plan_items (
      id                 uuid primary key,
      plan_id            uuid not null references app_plans (id),
      position           integer not null,
      name               text not null,
      kind               text not null check (kind in ('app', 'mini_program', 'official_account', 'h5')),
      audience           text not null check (audience in ('customer', 'internal')),
      business_scenarios text[] not null check (cardinality(business_scenarios) > 0),
      justification      text not null,
      merged_into        uuid references apps (id),
      merge_note         text,
      merged_by          text,
      merged_at          timestamptz,
      unique (plan_id, position),
      check ((merged_into is null) = (merged_at is null)),
      check ((merged_into is null) = (merged_by is null))
    )`);
  await knex.raw('create unique index app_plan_items_name on app_plan_items (plan_id, lower(name))');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table app_plan_items');
  await knex.raw('drop table app_plans');
}
