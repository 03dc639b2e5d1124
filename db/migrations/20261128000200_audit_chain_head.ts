import type { Knex } from 'knex';

// One round trip instead of two for every audit append: take the chain's advisory lock, then read
// the chain head. In a volatile PL/pgSQL function each statement takes a fresh snapshot (READ
// COMMITTED), so the head is read after the lock is granted and includes whatever the previous
// holder committed: the chain stays linear with any number of writers.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create function audit_chain_head(lock_key bigint)
    returns table (seq bigint, hash text, occurred_at timestamptz)
    language plpgsql volatile as $$
    begin
      perform pg_advisory_xact_lock(lock_key);
      return query select e.seq, e.hash, e.occurred_at from audit_events e order by e.seq desc limit 1;
    end
    $$`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop function audit_chain_head(bigint)');
}
