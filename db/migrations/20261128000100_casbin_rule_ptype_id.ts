import type { Knex } from 'knex';

// The vendor-access engine loads every `p` line at start-up and on each full reload, a page at a
// time in id order (where ptype = 'p' and id > ? order by id limit ?). Without an index on
// (ptype, id) PostgreSQL sorts every remaining line for each page: with a million lines and
// statistics not yet gathered, about a second per page. With it, each page is one range scan.
export async function up(knex: Knex): Promise<void> {
  await knex.raw('create index casbin_rule_ptype_id_idx on casbin_rule (ptype, id)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index casbin_rule_ptype_id_idx');
}
