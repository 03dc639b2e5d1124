import type { Knex } from 'knex';

// The OS/platform versions each app release supports, and compatibility test results per environment.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table app_supported_environments (
      app_id      uuid not null references apps (id),
      release     text not null,
      platform    text not null,
      version     text not null,
      declared_by text not null,
      declared_at timestamptz not null,
      primary key (app_id, release, platform, version)
    )`);
  await knex.raw(`
    create table app_compatibility_results (
      id               uuid primary key,
      app_id           uuid not null references apps (id),
      release          text not null,
      platform         text not null,
      version          text not null,
      result           text not null check (result in ('pass', 'fail')),
      tested_on        date not null,
      report_reference text,
      recorded_by      text not null,
      recorded_at      timestamptz not null
    )`);
  await knex.raw('create index app_compatibility_results_app on app_compatibility_results (app_id, release)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table app_compatibility_results');
  await knex.raw('drop table app_supported_environments');
}
