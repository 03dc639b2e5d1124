import type { Knex } from 'knex';

// Penetration tests, compatibility tests and privacy reviews of apps; release needs a recent passed penetration test.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table app_security_tests (
      id                uuid primary key,
      app_id            uuid not null references apps (id),
      kind              text not null check (kind in ('penetration', 'compatibility', 'privacy_review')),
      performed_at      date not null,
      result            text not null check (result in ('pass', 'fail', 'conditional')),
      performer         text not null,
      report_reference  text not null,
      recorded_by       text not null,
      recorded_at       timestamptz not null
    )`);
  await knex.raw('create index app_security_tests_app_idx on app_security_tests (app_id, kind, performed_at desc, recorded_at desc)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table app_security_tests');
}
