import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table departments (
      id          uuid primary key,
      code        text not null unique,
      name        text not null,
      kind        text not null check (kind in ('business', 'technology', 'compliance', 'privacy')),
      parent_code text references departments (code),
      created_at  timestamptz not null,
      updated_at  timestamptz not null
    )`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table departments');
}
