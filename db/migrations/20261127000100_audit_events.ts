import type { Knex } from 'knex';

// Append-only, hash-chained audit log (PIPL Art. 56: keep processing records ≥ 3 years).
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table audit_events (
      seq          bigint primary key,
      id           uuid not null unique,
      occurred_at  timestamptz not null,
      actor_type   text not null check (actor_type in ('staff', 'client', 'public', 'system')),
      actor_id     text not null,
      action       text not null,
      object_type  text not null,
      object_id    text,
      request_id   text,
      details      jsonb not null default '{}'::jsonb,
      prev_hash    text not null,
      hash         text not null
    )`);
  await knex.raw('create index audit_events_object_idx on audit_events (object_type, object_id, seq)');
  await knex.raw('create index audit_events_actor_idx on audit_events (actor_id, seq)');
  await knex.raw('create index audit_events_action_idx on audit_events (action, seq)');
  await knex.raw('create index audit_events_time_idx on audit_events (occurred_at)');
  await knex.raw(`
    create function audit_events_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'audit_events is append-only: % refused', tg_op using errcode = '42501';
    end $$`);
  await knex.raw(`
    create trigger audit_events_no_update_delete
      before update or delete on audit_events
      for each row execute function audit_events_append_only()`);
  await knex.raw(`
    create trigger audit_events_no_truncate
      before truncate on audit_events
      for each statement execute function audit_events_append_only()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table audit_events');
  await knex.raw('drop function audit_events_append_only()');
}
