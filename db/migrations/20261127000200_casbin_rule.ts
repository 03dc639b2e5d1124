import type { Knex } from 'knex';

// Casbin policy lines (role assignments `g`, vendor grants `p`…), read by services/authz/knex-adapter.ts.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table casbin_rule (
      id     bigserial primary key,
      ptype  text not null,
      v0     text not null default '',
      v1     text not null default '',
      v2     text not null default '',
      v3     text not null default '',
      v4     text not null default '',
      v5     text not null default '',
      unique (ptype, v0, v1, v2, v3, v4, v5)
    )`);
  await knex.raw('create index casbin_rule_v0_idx on casbin_rule (ptype, v0)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table casbin_rule');
}
