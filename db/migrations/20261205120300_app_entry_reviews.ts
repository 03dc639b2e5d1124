import type { Knex } from 'knex';

// What an app's entry rests on (the Notice, item 3: homogeneous demands merged at entry): the
// planned app it was proposed under, the apps whose business scenarios overlapped when it was
// proposed (or justified later), and the proposer's justification, for the approver to review.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table app_entry_reviews (
      app_id             uuid primary key references apps (id),
      plan_item_id       uuid unique references app_plan_items (id),
      plan_required      boolean not null,
      overlapping_apps   jsonb not null default '[]',
      justification      text,
      justified_by       text,
      justified_at       timestamptz,
      recorded_at        timestamptz not null,
      check ((justification is null) = (justified_by is null)),
      check ((justification is null) = (justified_at is null))
    )`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table app_entry_reviews');
}
