import type { Knex } from 'knex';

// Business continuity per app (the Notice, item 6): importance tier, RTO and RPO, the continuity
// plan and the last drill; and outage records, each compared with the RTO in force when recorded.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table app_continuity (
      app_id            uuid primary key references apps (id),
      tier              text not null check (tier in ('critical', 'important', 'general')),
      rto_minutes       integer not null check (rto_minutes between 1 and 525600),
      rpo_minutes       integer not null check (rpo_minutes between 0 and 525600),
      plan_reference    text not null,
      last_drill_on     date,
      last_drill_result text check (last_drill_result in ('passed', 'failed')),
      set_by            text not null,
      set_at            timestamptz not null,
      check ((last_drill_on is null) = (last_drill_result is null))
    )`);
  await knex.raw(`
    create table app_outages (
      id           uuid primary key,
      app_id       uuid not null references apps (id),
      started_at   timestamptz not null,
      ended_at     timestamptz not null,
      impact       text not null,
      cause        text not null,
      rto_minutes  integer not null,
      recorded_by  text not null,
      recorded_at  timestamptz not null,
      check (ended_at > started_at)
    )`);
  await knex.raw('create index app_outages_app on app_outages (app_id, started_at desc, id desc)');
  await knex.raw('create index app_outages_started on app_outages (started_at)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table app_outages');
  await knex.raw('drop table app_continuity');
}
