import type { Knex } from 'knex';

// Consent records (PIPL Art. 14-15, 29): an append-only log of consents given and withdrawn.
// The customer is kept only as an HMAC-SHA-256 pseudonym (subject_ref); the latest event per
// (subject_ref, purpose_key) is the customer's consent state, read through one index.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table consent_events (
      seq             bigserial primary key,
      id              uuid not null unique,
      kind            text not null check (kind in ('given', 'withdrawn')),
      subject_ref     text not null check (subject_ref ~ '^[0-9a-f]{64}$'),
      purpose_key     text not null references purposes (key),
      notice_id       uuid references notices (id),
      notice_version  integer,
      notice_app_id   uuid,
      separate        boolean not null,
      channel         text,
      evidence        jsonb,
      withdraws       uuid references consent_events (id),
      client_id       text not null,
      recorded_at     timestamptz not null,
      check ((kind = 'given') = (notice_id is not null and channel is not null)),
      check (kind = 'given' or withdraws is not null)
    )`);
  // Also serves the histories (by subject, then filtered by purpose or collector): a customer has few events.
  await knex.raw('create index consent_events_latest_idx on consent_events (subject_ref, purpose_key, seq desc)');
  await knex.raw(`
    create function consent_events_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'consent_events is append-only: % refused', tg_op using errcode = '42501';
    end $$`);
  await knex.raw(`
    create trigger consent_events_no_update_delete
      before update or delete on consent_events
      for each row execute function consent_events_append_only()`);
  await knex.raw(`
    create trigger consent_events_no_truncate
      before truncate on consent_events
      for each statement execute function consent_events_append_only()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table consent_events');
  await knex.raw('drop function consent_events_append_only()');
}
