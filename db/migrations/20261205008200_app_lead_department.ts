import type { Knex } from 'knex';

// The institution's lead department for mobile-app management (the Notice, item 1): one row, set by
// an administrator; its app managers approve app entry and exit.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table app_lead_department (
      singleton        boolean primary key default true check (singleton),
      department       text not null references departments (code),
      set_by           text not null,
      set_at           timestamptz not null
    )`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table app_lead_department');
}
