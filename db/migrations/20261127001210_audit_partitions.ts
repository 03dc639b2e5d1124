import type { Knex } from 'knex';

// The audit log partitioned by month of occurred_at, so records can be kept ≥ 3 years (PIPL Art. 56)
// and then detached a month at a time without touching the rows that stay. The primary key of a
// partitioned table must contain the partition key: (seq, occurred_at). seq stays unique and the
// chain linear because one appender at a time (pg_advisory_xact_lock) assigns seq = last + 1 and
// keeps occurred_at non-decreasing, so every month holds one contiguous run of the chain.
// audit_ensure_partitions(from, until) creates the months in between (start-up and the appender
// call it ahead of time); audit_events_default catches anything outside them as a safety net.
export async function up(knex: Knex): Promise<void> {
  await knex.raw('alter table audit_events rename to audit_events_unpartitioned');
  await knex.raw('alter table audit_events_unpartitioned rename constraint audit_events_pkey to audit_events_unpartitioned_pkey');
  await knex.raw('alter table audit_events_unpartitioned rename constraint audit_events_id_key to audit_events_unpartitioned_id_key');
  for (const index of ['object', 'actor', 'action', 'time', 'decisions_by_vendor', 'tokens_by_vendor']) {
    await knex.raw(`drop index audit_events_${index}_idx`);
  }
  await knex.raw(`
    create table audit_events (
      seq          bigint not null,
      id           uuid not null,
      occurred_at  timestamptz not null,
      actor_type   text not null check (actor_type in ('staff', 'client', 'public', 'system')),
      actor_id     text not null,
      action       text not null,
      object_type  text not null,
      object_id    text,
      request_id   text,
      details      jsonb not null default '{}'::jsonb,
      prev_hash    text not null,
      hash         text not null,
      primary key (seq, occurred_at)
    ) partition by range (occurred_at)`);
  await knex.raw('create index audit_events_object_idx on audit_events (object_type, object_id, seq)');
  await knex.raw('create index audit_events_actor_idx on audit_events (actor_id, seq)');
  await knex.raw('create index audit_events_action_idx on audit_events (action, seq)');
  await knex.raw('create index audit_events_time_idx on audit_events (occurred_at)');
  await knex.raw(`
    create index audit_events_decisions_by_vendor_idx on audit_events (object_id, occurred_at)
      where action = 'access.decided' and object_type = 'vendor'`);
  await knex.raw(`
    create index audit_events_tokens_by_vendor_idx on audit_events ((details->>'vendorId'), occurred_at)
      where action = 'oauth.token_issued'`);
  // Row triggers on the parent are cloned to every partition, present and future; TRUNCATE
  // triggers are per table, so each partition gets its own (audit_ensure_partitions adds it).
  await knex.raw(`
    create trigger audit_events_no_update_delete
      before update or delete on audit_events
      for each row execute function audit_events_append_only()`);
  await knex.raw(`
    create trigger audit_events_no_truncate
      before truncate on audit_events
      for each statement execute function audit_events_append_only()`);
  await knex.raw('create table audit_events_default partition of audit_events default');
  await knex.raw(`
    create trigger audit_events_no_truncate
      before truncate on audit_events_default
      for each statement execute function audit_events_append_only()`);
  await knex.raw(`
    create function audit_ensure_partitions(p_from timestamptz, p_until timestamptz) returns setof text
    language plpgsql as $$
    declare
      month_start timestamptz := date_trunc('month', p_from at time zone 'UTC') at time zone 'UTC';
      month_end   timestamptz;
      name        text;
    begin
      -- One creator at a time across replicas.
      perform pg_advisory_xact_lock(1635083376); -- 0x61756470, 'audp'
      while month_start <= p_until loop
        month_end := ((month_start at time zone 'UTC') + interval '1 month') at time zone 'UTC';
        name := 'audit_events_' || to_char(month_start at time zone 'UTC', 'YYYY"m"MM');
        if to_regclass(name) is null then
          if exists (select 1 from audit_events_default where occurred_at >= month_start and occurred_at < month_end) then
            -- The safety net already holds events of this month: they stay there (still verified, still kept).
            raise warning 'audit_events_default holds events of %; partition % not created', to_char(month_start at time zone 'UTC', 'YYYY-MM'), name;
          else
            execute format('create table %I partition of audit_events for values from (%L) to (%L)', name, month_start, month_end);
            execute format('create trigger audit_events_no_truncate before truncate on %I for each statement execute function audit_events_append_only()', name);
            return next name;
          end if;
        end if;
        month_start := month_end;
      end loop;
    end $$`);
  await knex.raw(
    `select audit_ensure_partitions(coalesce((select min(occurred_at) from audit_events_unpartitioned), now()), now() + interval '1 month')`,
  );
  await knex.raw(`
    insert into audit_events (seq, id, occurred_at, actor_type, actor_id, action, object_type, object_id, request_id, details, prev_hash, hash)
    select seq, id, occurred_at, actor_type, actor_id, action, object_type, object_id, request_id, details, prev_hash, hash
      from audit_events_unpartitioned`);
  await knex.raw('drop table audit_events_unpartitioned');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('alter table audit_events rename to audit_events_partitioned');
  await knex.raw('alter table audit_events_partitioned rename constraint audit_events_pkey to audit_events_partitioned_pkey');
  for (const index of ['object', 'actor', 'action', 'time', 'decisions_by_vendor', 'tokens_by_vendor']) {
    await knex.raw(`alter index audit_events_${index}_idx rename to audit_events_partitioned_${index}_idx`);
  }
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
  await knex.raw('insert into audit_events select * from audit_events_partitioned');
  await knex.raw('drop table audit_events_partitioned');
  await knex.raw('drop function audit_ensure_partitions(timestamptz, timestamptz)');
  await knex.raw('create index audit_events_object_idx on audit_events (object_type, object_id, seq)');
  await knex.raw('create index audit_events_actor_idx on audit_events (actor_id, seq)');
  await knex.raw('create index audit_events_action_idx on audit_events (action, seq)');
  await knex.raw('create index audit_events_time_idx on audit_events (occurred_at)');
  await knex.raw(`
    create index audit_events_decisions_by_vendor_idx on audit_events (object_id, occurred_at)
      where action = 'access.decided' and object_type = 'vendor'`);
  await knex.raw(`
    create index audit_events_tokens_by_vendor_idx on audit_events ((details->>'vendorId'), occurred_at)
      where action = 'oauth.token_issued'`);
  await knex.raw(`
    create trigger audit_events_no_update_delete
      before update or delete on audit_events
      for each row execute function audit_events_append_only()`);
  await knex.raw(`
    create trigger audit_events_no_truncate
      before truncate on audit_events
      for each statement execute function audit_events_append_only()`);
}
