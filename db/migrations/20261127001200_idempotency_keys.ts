import type { Knex } from 'knex';

// Idempotency-Key on POST requests by staff and clients. The row is written in the same
// transaction as the change (by the audit log, which every change goes through), so a key is
// taken exactly when its change committed; the response is added after the commit, sealed
// under a key derived from KEY_ENCRYPTION_KEY (responses can carry a client secret shown once).
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table idempotency_keys (
      actor_type      text not null check (actor_type in ('staff', 'client')),
      actor_id        text not null,
      key             text not null check (length(key) between 1 and 255),
      request_hash    text not null,
      method          text not null,
      path            text not null,
      audit_event_id  uuid not null,
      created_at      timestamptz not null,
      response        text,
      completed_at    timestamptz,
      primary key (actor_type, actor_id, key)
    )`);
  await knex.raw('create index idempotency_keys_created_idx on idempotency_keys (created_at)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table idempotency_keys');
}
