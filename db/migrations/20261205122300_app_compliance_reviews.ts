import type { Knex } from 'knex';

// Compliance reviews of an app's business (the Notice, item 8): who reviewed what declaration, when,
// the outcome and the findings with due dates. A review is evidence the release gate rests on, so
// the reviews table refuses UPDATE, DELETE and TRUNCATE; findings are closed with evidence.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table app_compliance_reviews (
      id           uuid primary key,
      app_id       uuid not null references apps (id),
      reviewed_on  date not null,
      outcome      text not null check (outcome in ('passed', 'failed')),
      summary      text not null,
      examined     jsonb not null,
      reviewed_by  text not null,
      recorded_at  timestamptz not null
    )`);
  await knex.raw('create index app_compliance_reviews_app on app_compliance_reviews (app_id, reviewed_on desc, recorded_at desc)');
  await knex.raw(`
    create function app_compliance_reviews_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'app_compliance_reviews is append-only: % refused', tg_op using errcode = '42501';
    end $$`);
  await knex.raw(`
    create trigger app_compliance_reviews_no_update_delete
      before update or delete on app_compliance_reviews
      for each row execute function app_compliance_reviews_append_only()`);
  await knex.raw(`
    create trigger app_compliance_reviews_no_truncate
      before truncate on app_compliance_reviews
      for each statement execute function app_compliance_reviews_append_only()`);
  await knex.raw(`
    create table app_compliance_findings (
      id           uuid primary key,
      review_id    uuid not null references app_compliance_reviews (id),
      app_id       uuid not null references apps (id),
      title        text not null,
      due_on       date not null,
      closed_at    timestamptz,
      closed_by    text,
      evidence     text,
      check ((closed_at is null) = (closed_by is null) and (closed_at is null) = (evidence is null))
    )`);
  await knex.raw('create index app_compliance_findings_app on app_compliance_findings (app_id) where closed_at is null');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table app_compliance_findings');
  await knex.raw('drop trigger app_compliance_reviews_no_truncate on app_compliance_reviews');
  await knex.raw('drop trigger app_compliance_reviews_no_update_delete on app_compliance_reviews');
  await knex.raw('drop function app_compliance_reviews_append_only()');
  await knex.raw('drop table app_compliance_reviews');
}
