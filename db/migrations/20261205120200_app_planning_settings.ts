import type { Knex } from 'knex';

// How the lead department controls the number of apps (the Notice, item 3): the date from which
// every new proposal must come from an approved plan, and a cap on the apps of each department or
// branch. Both are set through the audited API, never by environment.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table app_planning_policy (
      singleton           boolean primary key default true check (singleton),
      plans_required_from date,
      set_by              text not null,
      set_at              timestamptz not null
    )`);
  await knex.raw(`
    create table app_caps (
      department  text primary key references departments (code),
      max_apps    integer not null check (max_apps between 0 and 10000),
      set_by      text not null,
      set_at      timestamptz not null
    )`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table app_caps');
  await knex.raw('drop table app_planning_policy');
}
