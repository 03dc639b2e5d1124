import type { Knex } from 'knex';

// Each app keeps a business owner and a technology owner beside its responsible person, and a
// responsibility matrix: who answers for its business, data, security and operations.
export async function up(knex: Knex): Promise<void> {
  await knex.raw('alter table apps add column business_owner text, add column technology_owner text');
  await knex.raw(`
    create table app_responsibilities (
      app_id      uuid not null references apps (id),
      area        text not null check (area in ('business', 'data', 'security', 'operations')),
      department  text not null references departments (code),
      person      text not null,
      set_by      text not null,
      set_at      timestamptz not null,
      primary key (app_id, area)
    )`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table app_responsibilities');
  await knex.raw('alter table apps drop column technology_owner, drop column business_owner');
}
