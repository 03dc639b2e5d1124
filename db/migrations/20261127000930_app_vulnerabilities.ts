import type { Knex } from 'knex';

// Vulnerabilities found in apps, with rectification deadlines; a fix is recorded with its evidence.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table app_vulnerabilities (
      id            uuid primary key,
      app_id        uuid not null references apps (id),
      title         text not null,
      severity      text not null check (severity in ('low', 'medium', 'high', 'critical')),
      reported_at   timestamptz not null,
      due_at        timestamptz not null,
      fixed_at      timestamptz,
      fix_evidence  text,
      fixed_by      text,
      recorded_by   text not null,
      recorded_at   timestamptz not null,
      check (due_at >= reported_at),
      check ((fixed_at is null) = (fix_evidence is null) and (fixed_at is null) = (fixed_by is null)),
      check (fixed_at is null or fixed_at >= reported_at)
    )`);
  await knex.raw('create index app_vulnerabilities_app_idx on app_vulnerabilities (app_id, reported_at desc)');
  await knex.raw('create index app_vulnerabilities_open_idx on app_vulnerabilities (due_at) where fixed_at is null');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table app_vulnerabilities');
}
