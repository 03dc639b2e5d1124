import type { Knex } from 'knex';

// Accountability decisions (the Notice, item 9: punishment and accountability): for a major event of an
// app (a major warning, a regulator-reported or overdue vulnerability, an inspection finding) or an
// overdue rectification item, who is held accountable, what measure, decided by whom (never the person
// held accountable) and when. Append-only: a decision is corrected by another decision, never rewritten.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table app_accountability_decisions (
      id                      uuid primary key,
      app_id                  uuid not null references apps (id),
      subject_kind            text not null check (subject_kind in ('warning', 'vulnerability', 'inspection_finding', 'rectification_item')),
      subject_id              uuid not null,
      accountable_person      text,
      accountable_department  text references departments (code),
      measure                 text not null,
      description             text not null,
      decided_on              date not null,
      decided_by              text not null,
      recorded_at             timestamptz not null,
      check ((accountable_person is null) = (accountable_department is null)),
      check ((measure = 'no_measure') or accountable_person is not null),
      check (accountable_person is null or accountable_person <> decided_by)
    )`);
  await knex.raw('create index app_accountability_decisions_subject on app_accountability_decisions (subject_kind, subject_id)');
  await knex.raw('create index app_accountability_decisions_app on app_accountability_decisions (app_id, recorded_at desc, id desc)');
  await knex.raw(`
    create function app_accountability_decisions_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'app_accountability_decisions is append-only: % refused', tg_op using errcode = '42501';
    end $$`);
  await knex.raw(`
    create trigger app_accountability_decisions_no_change before update or delete on app_accountability_decisions
      for each row execute function app_accountability_decisions_append_only()`);
  await knex.raw(`
    create trigger app_accountability_decisions_no_truncate before truncate on app_accountability_decisions
      for each statement execute function app_accountability_decisions_append_only()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table app_accountability_decisions');
  await knex.raw('drop function app_accountability_decisions_append_only()');
}
