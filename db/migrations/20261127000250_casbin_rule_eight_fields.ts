import type { Knex } from 'knex';

// Vendor access lines (policies/vendor_access.conf) carry eight fields: vendor, asset, field,
// action, purpose, valid from, valid until, grant.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`alter table casbin_rule add column v6 text not null default '', add column v7 text not null default ''`);
  await knex.raw('alter table casbin_rule drop constraint casbin_rule_ptype_v0_v1_v2_v3_v4_v5_key');
  await knex.raw('create unique index casbin_rule_line_key on casbin_rule (ptype, v0, v1, v2, v3, v4, v5, v6, v7)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index casbin_rule_line_key');
  await knex.raw('alter table casbin_rule drop column v6, drop column v7');
  await knex.raw('alter table casbin_rule add unique (ptype, v0, v1, v2, v3, v4, v5)');
}
