import type { Knex } from 'knex';

// Leak incidents (PIPL Art. 57): containment, notifications with their contents, rectification
// items with owners and due dates, and every status change.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table incidents (
      id                     uuid primary key,
      title                  text not null,
      description            text not null,
      source                 text not null,
      severity               text not null check (severity in ('low', 'medium', 'high', 'critical')),
      status                 text not null check (status in ('open', 'contained', 'notified', 'remediating', 'closed')),
      detected_at            timestamptz not null,
      vendor_ids             uuid[] not null default '{}',
      asset_ids              uuid[] not null default '{}',
      apps                   text[] not null default '{}',
      notification_due_at    timestamptz not null,
      regulator_notified_at  timestamptz,
      contained_at           timestamptz,
      closed_at              timestamptz,
      created_by             text not null,
      created_at             timestamptz not null,
      updated_at             timestamptz not null,
      check ((status = 'open') = (contained_at is null)),
      check ((status = 'closed') = (closed_at is not null))
    )`);
  await knex.raw('create index incidents_created_idx on incidents (created_at, id)');
  await knex.raw(`create index incidents_notification_due_idx on incidents (notification_due_at) where regulator_notified_at is null`);
  await knex.raw('create index incidents_vendors_idx on incidents using gin (vendor_ids)');
  await knex.raw(`
    create table incident_containments (
      id               uuid primary key,
      incident_id      uuid not null references incidents (id),
      started_at       timestamptz not null,
      at               timestamptz not null,
      actor            text not null,
      suspend_vendors  boolean not null,
      revoke_grants    boolean not null,
      disable_clients  boolean not null,
      note             text,
      result           jsonb not null
    )`);
  await knex.raw('create index incident_containments_incident_idx on incident_containments (incident_id, at)');
  await knex.raw(`
    create table incident_notifications (
      id           uuid primary key,
      incident_id  uuid not null references incidents (id),
      audience     text not null check (audience in ('regulator', 'subjects', 'department')),
      department   text references departments (code),
      channel      text not null,
      sent_at      timestamptz not null,
      recipients   int check (recipients is null or recipients > 0),
      content      jsonb not null,
      recorded_by  text not null,
      recorded_at  timestamptz not null,
      check ((audience = 'department') = (department is not null))
    )`);
  await knex.raw('create index incident_notifications_incident_idx on incident_notifications (incident_id, sent_at)');
  await knex.raw(`
    create table incident_rectifications (
      id                uuid primary key,
      incident_id       uuid not null references incidents (id),
      action            text not null,
      owner_department  text not null references departments (code),
      due_at            timestamptz not null,
      status            text not null check (status in ('open', 'done')),
      created_by        text not null,
      created_at        timestamptz not null,
      completed_at      timestamptz,
      completed_by      text,
      evidence          text,
      check ((status = 'done') = (completed_at is not null and evidence is not null))
    )`);
  await knex.raw('create index incident_rectifications_incident_idx on incident_rectifications (incident_id, created_at)');
  await knex.raw(`create index incident_rectifications_open_due_idx on incident_rectifications (due_at) where status = 'open'`);
  await knex.raw(`
    create table incident_history (
      id           bigserial primary key,
      incident_id  uuid not null references incidents (id),
      from_status  text,
      to_status    text not null,
      note         text,
      actor        text not null,
      at           timestamptz not null
    )`);
  await knex.raw('create index incident_history_incident_idx on incident_history (incident_id, id)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table incident_history');
  await knex.raw('drop table incident_rectifications');
  await knex.raw('drop table incident_notifications');
  await knex.raw('drop table incident_containments');
  await knex.raw('drop table incidents');
}
