import type { Knex } from 'knex';

// Consolidation and retirement plans (the Notice, item 4): per app, the risk assessment, the
// data-migration steps with owners and status, the privacy measures and the user notification.
// One open plan per app; its approver is never one of its authors; retirement closes it.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table app_consolidation_plans (
      id                    uuid primary key,
      app_id                uuid not null references apps (id),
      kind                  text not null check (kind in ('consolidation', 'retirement')),
      reason                text not null,
      status                text not null check (status in ('draft', 'approved', 'completed', 'cancelled')),
      risk_assessor         text,
      risk_assessed_on      date,
      risk_result           text check (risk_result in ('acceptable', 'acceptable_with_conditions', 'not_acceptable')),
      residual_risks        jsonb,
      privacy_measures      jsonb not null,
      notification_channels jsonb,
      notify_on             date,
      notification_content  text,
      notification_sent_at  timestamptz,
      notification_sent_by  text,
      authors               text[] not null,
      created_by            text not null,
      created_at            timestamptz not null,
      updated_at            timestamptz not null,
      approved_by           text,
      approved_at           timestamptz,
      closed_by             text,
      closed_at             timestamptz,
      close_reason          text,
      check ((risk_assessor is null) = (risk_assessed_on is null) and (risk_assessor is null) = (risk_result is null)),
      check ((notify_on is null) = (notification_content is null) and (notify_on is null) = (notification_channels is null)),
      check ((notification_sent_at is null) = (notification_sent_by is null)),
      check (notification_sent_at is null or notify_on is not null),
      check ((approved_by is null) = (approved_at is null)),
      check (status = 'cancelled' or (status = 'draft') = (approved_by is null)),
      check (approved_by is null or not (approved_by = any (authors))),
      check ((status in ('completed', 'cancelled')) = (closed_at is not null)),
      check ((closed_by is null) = (closed_at is null))
    )`);
  await knex.raw(
    `create unique index app_consolidation_plans_one_open on app_consolidation_plans (app_id) where status in ('draft', 'approved')`,
  );
  await knex.raw('create index app_consolidation_plans_app on app_consolidation_plans (app_id, created_at desc)');
  await knex.raw(`
    create table app_consolidation_targets (
      plan_id uuid not null references app_consolidation_plans (id),
      app_id  uuid not null references apps (id),
      primary key (plan_id, app_id)
    )`);
  await knex.raw(`
    create table app_migration_steps (
      id           uuid primary key,
      plan_id      uuid not null references app_consolidation_plans (id),
      position     integer not null,
      description  text not null,
      handling     text not null check (handling in ('migrated', 'deleted')),
      destination  text,
      owner        text not null,
      due_on       date not null,
      status       text not null check (status in ('planned', 'in_progress', 'done')),
      completed_at timestamptz,
      created_by   text not null,
      created_at   timestamptz not null,
      updated_by   text not null,
      updated_at   timestamptz not null,
      unique (plan_id, position),
      check ((status = 'done') = (completed_at is not null)),
      check ((handling = 'migrated') = (destination is not null))
    )`);
  await knex.raw("create index app_migration_steps_due on app_migration_steps (due_on) where status <> 'done'");
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table app_migration_steps');
  await knex.raw('drop table app_consolidation_targets');
  await knex.raw('drop table app_consolidation_plans');
}
