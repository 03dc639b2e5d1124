import type { Knex } from 'knex';

// A batch of decisions committed by one statement instead of a transaction of six round trips.
//
// audit_append_after(lock, after_seq, after_hash, events): appends events that the caller already
// linked (seq, prev_hash, hash) after the chain end it believed current. It takes the chain lock,
// reads the end as the previous holder committed it, and refuses (the statement then rolls back
// whole) with SQLSTATE AU002 when the chain does not reach after_seq yet (the caller's batch before
// this one got the lock later, or failed: the caller sends this one again once that one committed,
// or appends it the usual way), and AU001 when the chain has moved on (another writer appended
// first: the caller appends the usual way, lock, read the end, link, insert). The chain stays
// linear whoever wins.
//
// record_decision_usage(day, at, grants, records, decisions): a batch's usage counters and the
// grants' last use (at most once a minute), rows locked in grant id order. The one definition of it:
// the transaction path calls it too.
//
// record_decisions(…): both, usage first and the chain lock last, the order every change takes them
// (a grant revocation updates its row, then appends), so no two can wait on each other in a cycle.
//
// record_token_batch(…): the token endpoint's batch: client assertion ids claimed (answering those
// that were new: a repeat is a replay), then the batch's audit events.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create function audit_append_after(lock_key bigint, after_seq bigint, after_hash text, events jsonb)
    returns void
    language plpgsql volatile as $$
    declare
      head_seq bigint;
      head_hash text;
    begin
      perform pg_advisory_xact_lock(lock_key);
      select e.seq, e.hash into head_seq, head_hash from audit_events e order by e.seq desc limit 1;
      if coalesce(head_seq, 0) < after_seq then
        raise exception 'the audit chain does not reach seq % yet', after_seq using errcode = 'AU002';
      end if;
      if coalesce(head_seq, 0) <> after_seq or coalesce(head_hash, repeat('0', 64)) <> after_hash then
        raise exception 'the audit chain has moved on from seq %', after_seq using errcode = 'AU001';
      end if;
      insert into audit_events (seq, id, occurred_at, actor_type, actor_id, action, object_type, object_id, request_id, details, prev_hash, hash)
      select r.seq, r.id, r.occurred_at, r.actor_type, r.actor_id, r.action, r.object_type, r.object_id, r.request_id, r.details, r.prev_hash, r.hash
        from jsonb_to_recordset(events) as r (seq bigint, id uuid, occurred_at timestamptz, actor_type text, actor_id text, action text,
                                              object_type text, object_id text, request_id text, details jsonb, prev_hash text, hash text)
       order by r.seq;
    end
    $$`);
  await knex.raw(`
    create function record_decision_usage(usage_day date, usage_at timestamptz, grant_ids uuid[], records bigint[], decisions bigint[])
    returns void
    language plpgsql volatile as $$
    begin
      if coalesce(cardinality(grant_ids), 0) = 0 then
        return;
      end if;
      insert into access_grant_usage (grant_id, day, records, decisions)
      select u.grant_id, usage_day, u.records, u.decisions
        from unnest(grant_ids, records, decisions) as u (grant_id, records, decisions)
       order by u.grant_id
          on conflict (grant_id, day) do update
         set records = access_grant_usage.records + excluded.records,
             decisions = access_grant_usage.decisions + excluded.decisions;
      update access_grants g set last_used_at = usage_at
        from (select a.id from access_grants a
               where a.id = any(grant_ids) and (a.last_used_at is null or a.last_used_at < usage_at - interval '1 minute')
               order by a.id for update) l
       where g.id = l.id;
    end
    $$`);
  await knex.raw(`
    create function record_decisions(lock_key bigint, after_seq bigint, after_hash text, events jsonb,
                                     usage_day date, usage_at timestamptz, grant_ids uuid[], records bigint[], decisions bigint[])
    returns void
    language plpgsql volatile as $$
    begin
      perform record_decision_usage(usage_day, usage_at, grant_ids, records, decisions);
      perform audit_append_after(lock_key, after_seq, after_hash, events);
    end
    $$`);
  await knex.raw(`
    create function record_token_batch(lock_key bigint, after_seq bigint, after_hash text, events jsonb,
                                       claim_clients text[], claim_jtis text[], claim_expiries timestamptz[])
    returns table (claimed_client text, claimed_jti text)
    language plpgsql volatile as $$
    begin
      return query
        insert into oauth_client_assertions as a (client_id, jti, expires_at)
        select c.client_id, c.jti, c.expires_at
          from unnest(claim_clients, claim_jtis, claim_expiries) as c (client_id, jti, expires_at)
            on conflict (client_id, jti) do nothing
        returning a.client_id, a.jti;
      perform audit_append_after(lock_key, after_seq, after_hash, events);
    end
    $$`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop function record_token_batch(bigint, bigint, text, jsonb, text[], text[], timestamptz[])');
  await knex.raw('drop function record_decisions(bigint, bigint, text, jsonb, date, timestamptz, uuid[], bigint[], bigint[])');
  await knex.raw('drop function record_decision_usage(date, timestamptz, uuid[], bigint[], bigint[])');
  await knex.raw('drop function audit_append_after(bigint, bigint, text, jsonb)');
}
