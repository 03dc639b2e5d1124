import type { Knex } from 'knex';

// Privacy complaints (PIPL Art. 50; 2020 rules on banking and insurance consumer complaints):
// deadlines, extensions, every status change, and links to incidents, apps, assets and vendors.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table complaints (
      id                uuid primary key,
      reference         text not null unique,
      category          text not null check (category in ('excessive_collection', 'unauthorized_sharing', 'consent_not_honoured', 'leak', 'rights_request_refused', 'other')),
      description       text not null,
      contact           text,
      subject_ref       text check (subject_ref ~ '^[0-9a-f]{64}$'),
      app               text,
      channel           text not null check (channel in ('public', 'app_backend')),
      client_id         text,
      status            text not null check (status in ('received', 'acknowledged', 'investigating', 'resolved', 'rejected', 'closed')),
      received_at       timestamptz not null,
      due_days          int not null check (due_days between 15 and 60),
      due_date          date not null,
      due_at            timestamptz not null,
      decided_at        timestamptz,
      closed_at         timestamptz,
      rejection_reason  text,
      updated_at        timestamptz not null,
      check ((channel = 'app_backend') = (client_id is not null))
    )`);
  await knex.raw('create index complaints_received_idx on complaints (received_at, id)');
  await knex.raw(
    `create index complaints_open_due_idx on complaints (due_at) where status in ('received', 'acknowledged', 'investigating')`,
  );
  await knex.raw('create index complaints_app_idx on complaints (app)');
  await knex.raw(`
    create table complaint_extensions (
      id             bigserial primary key,
      complaint_id   uuid not null references complaints (id),
      days           int not null check (days between 1 and 30),
      justification  text not null,
      approved_by    text,
      total_days     int not null check (total_days between 16 and 60),
      due_date       date not null,
      extended_by    text not null,
      extended_at    timestamptz not null
    )`);
  await knex.raw('create index complaint_extensions_complaint_idx on complaint_extensions (complaint_id, id)');
  await knex.raw(`
    create table complaint_history (
      id            bigserial primary key,
      complaint_id  uuid not null references complaints (id),
      from_status   text,
      to_status     text not null,
      note          text,
      reason        text,
      actor         text not null,
      at            timestamptz not null
    )`);
  await knex.raw('create index complaint_history_complaint_idx on complaint_history (complaint_id, id)');
  await knex.raw(`
    create table complaint_links (
      complaint_id  uuid not null references complaints (id),
      kind          text not null check (kind in ('incident', 'app', 'asset', 'vendor')),
      target        text not null,
      linked_by     text not null,
      linked_at     timestamptz not null,
      primary key (complaint_id, kind, target)
    )`);
  await knex.raw('create index complaint_links_target_idx on complaint_links (kind, target)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table complaint_links');
  await knex.raw('drop table complaint_history');
  await knex.raw('drop table complaint_extensions');
  await knex.raw('drop table complaints');
}
