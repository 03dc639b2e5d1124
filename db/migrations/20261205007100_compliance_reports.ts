import type { Knex } from 'knex';

// Issued compliance reports: the signed JSON form of each, so a printed page can be checked against it by its id and digest.
// Append-only: an issued report is evidence, never edited.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table compliance_reports (
      id           uuid primary key,
      issued_at    timestamptz not null,
      prepared_by  text not null,
      lang         text not null check (lang in ('zh-CN', 'en')),
      period_from  date not null,
      period_to    date not null,
      digest       text not null check (digest ~ '^sha-256:[0-9a-f]{64}$'),
      kid          text not null,
      public_jwk   jsonb not null,
      jws          text not null,
      check (period_from <= period_to)
    )`);
  await knex.raw('create index compliance_reports_issued_idx on compliance_reports (issued_at, id)');
  await knex.raw(`
    create function compliance_reports_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'compliance_reports is append-only';
    end $$`);
  await knex.raw(`
    create trigger compliance_reports_append_only before update or delete on compliance_reports
    for each row execute function compliance_reports_append_only()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table compliance_reports');
  await knex.raw('drop function compliance_reports_append_only()');
}
