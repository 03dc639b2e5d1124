import type { Knex } from 'knex';

// Inspection findings per app (the Notice, item 9: urge rectification): on-site or off-site, by the
// regulator or internal audit, each with rectification items that an owner answers for by a due date;
// an item is closed with evidence by someone other than its owner.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table app_inspection_findings (
      id                    uuid primary key,
      app_id                uuid not null references apps (id),
      inspection            text not null check (inspection in ('on_site', 'off_site')),
      inspector             text not null check (inspector in ('regulator', 'internal_audit')),
      inspection_reference  text not null,
      inspected_on          date not null,
      title                 text not null,
      description           text not null,
      recorded_by           text not null,
      recorded_at           timestamptz not null
    )`);
  await knex.raw('create index app_inspection_findings_app on app_inspection_findings (app_id, recorded_at desc, id desc)');
  await knex.raw(`
    create table app_rectification_items (
      id                uuid primary key,
      finding_id        uuid not null references app_inspection_findings (id),
      app_id            uuid not null references apps (id),
      action            text not null,
      owner             text not null,
      owner_department  text not null references departments (code),
      due_at            timestamptz not null,
      created_by        text not null,
      created_at        timestamptz not null,
      closed_at         timestamptz,
      closed_by         text,
      evidence          text,
      check ((closed_at is null) = (closed_by is null)),
      check ((closed_at is null) = (evidence is null)),
      check (closed_by is null or closed_by <> owner)
    )`);
  await knex.raw('create index app_rectification_items_finding on app_rectification_items (finding_id, created_at, id)');
  await knex.raw('create index app_rectification_items_open on app_rectification_items (due_at) where closed_at is null');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table app_rectification_items');
  await knex.raw('drop table app_inspection_findings');
}
