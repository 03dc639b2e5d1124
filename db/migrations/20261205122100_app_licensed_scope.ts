import type { Knex } from 'knex';

// The institution's licensed business scope and regions (the Notice, item 8): one row, kept by the
// compliance function; apps declaring business or regions outside it fail their compliance review.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table app_licensed_scope (
      singleton          boolean primary key default true check (singleton),
      licence_reference  text not null,
      business_lines     jsonb not null check (jsonb_typeof(business_lines) = 'array'),
      regions            text[] not null,
      set_by             text not null,
      set_at             timestamptz not null
    )`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table app_licensed_scope');
}
