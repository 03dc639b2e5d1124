import type { Knex } from 'knex';

// Monitoring and early warning per app (the Notice, item 9): the machine clients allowed to push its
// signals, a warning threshold per signal kind set by its owners, the signals themselves, and the
// warnings raised when a threshold is crossed, each acknowledged by a person.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table app_monitoring (
      app_id   uuid primary key references apps (id),
      clients  text[] not null,
      set_by   text not null,
      set_at   timestamptz not null
    )`);
  await knex.raw(`
    create table app_signal_thresholds (
      app_id          uuid not null references app_monitoring (app_id),
      kind            text not null check (kind in ('availability', 'security_alert')),
      window_minutes  integer not null check (window_minutes between 1 and 1440),
      warn_level      numeric not null,
      major_level     numeric,
      primary key (app_id, kind)
    )`);
  await knex.raw(`
    create table app_signals (
      id                    uuid primary key,
      app_id                uuid not null references apps (id),
      kind                  text not null check (kind in ('availability', 'security_alert')),
      observed_at           timestamptz not null,
      availability_percent  numeric check (availability_percent between 0 and 100),
      alert_type            text,
      summary               text,
      reference             text,
      recorded_by_type      text not null check (recorded_by_type in ('client', 'staff', 'system')),
      recorded_by           text not null,
      recorded_at           timestamptz not null,
      check ((kind = 'availability') = (availability_percent is not null)),
      check ((kind = 'security_alert') = (alert_type is not null))
    )`);
  await knex.raw('create index app_signals_window on app_signals (app_id, kind, observed_at)');
  await knex.raw('create index app_signals_recorded on app_signals (app_id, recorded_at desc, id desc)');
  await knex.raw(`
    create table app_warnings (
      id                    uuid primary key,
      app_id                uuid not null references apps (id),
      kind                  text not null check (kind in ('availability', 'security_alert')),
      severity              text not null check (severity in ('minor', 'major')),
      observed              numeric not null,
      level                 numeric not null,
      window_minutes        integer not null,
      window_start          timestamptz not null,
      window_end            timestamptz not null,
      signal_count          integer not null,
      signal_id             uuid not null references app_signals (id),
      raised_at             timestamptz not null,
      acknowledged_at       timestamptz,
      acknowledged_by       text,
      acknowledgement_note  text,
      check ((acknowledged_at is null) = (acknowledged_by is null)),
      check ((acknowledged_at is null) = (acknowledgement_note is null))
    )`);
  await knex.raw('create index app_warnings_app on app_warnings (app_id, raised_at desc, id desc)');
  await knex.raw('create index app_warnings_unacknowledged on app_warnings (raised_at) where acknowledged_at is null');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table app_warnings');
  await knex.raw('drop table app_signals');
  await knex.raw('drop table app_signal_thresholds');
  await knex.raw('drop table app_monitoring');
}
