import type { Knex } from 'knex';

// A small register of operating environments (OS/platform and version) with their end-of-support date.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table operating_environments (
      platform       text not null,
      version        text not null,
      end_of_support date not null,
      set_by         text not null,
      set_at         timestamptz not null,
      primary key (platform, version)
    )`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table operating_environments');
}
