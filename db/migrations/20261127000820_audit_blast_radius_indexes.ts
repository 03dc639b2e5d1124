import type { Knex } from 'knex';

// The blast radius of a leak reads one vendor's decisions and tokens in a time window out of
// millions of audit events: partial indexes on exactly those events keep it an index range scan.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create index audit_events_decisions_by_vendor_idx on audit_events (object_id, occurred_at)
      where action = 'access.decided' and object_type = 'vendor'`);
  await knex.raw(`
    create index audit_events_tokens_by_vendor_idx on audit_events ((details->>'vendorId'), occurred_at)
      where action = 'oauth.token_issued'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index audit_events_tokens_by_vendor_idx');
  await knex.raw('drop index audit_events_decisions_by_vendor_idx');
}
