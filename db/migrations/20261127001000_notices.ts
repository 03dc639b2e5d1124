import type { Knex } from 'knex';

// Privacy notices per purpose (optionally per app): drafts, and published versions that never change.
// Versions are numbered per purpose; `changes` is the diff against the previous published version
// of the same scope (purpose, app), and `material` says whether earlier consents became stale.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table notices (
      seq               bigserial primary key,
      id                uuid not null unique,
      purpose_key       text not null references purposes (key),
      app_id            uuid,
      status            text not null check (status in ('draft', 'published')),
      content           jsonb not null,
      based_on_version  integer,
      version           integer check (version > 0),
      material          boolean,
      previous_version  integer,
      changes           jsonb,
      created_by        text not null,
      created_at        timestamptz not null,
      updated_by        text not null,
      updated_at        timestamptz not null,
      published_by      text,
      published_at      timestamptz,
      check ((status = 'published') = (version is not null)),
      check ((status = 'published') = (material is not null and changes is not null and published_at is not null and published_by is not null))
    )`);
  await knex.raw('create unique index notices_purpose_version_uq on notices (purpose_key, version) where version is not null');
  // One open draft per scope: edits of a published version go to that draft.
  await knex.raw(`create unique index notices_one_draft_uq on notices (purpose_key, coalesce(app_id::text, '')) where status = 'draft'`);
  await knex.raw(`create index notices_scope_idx on notices (purpose_key, app_id, version) where status = 'published'`);
  await knex.raw(`
    create function notices_published_immutable() returns trigger language plpgsql as $$
    begin
      if old.status = 'published' then
        raise exception 'published notice versions are immutable: % refused', tg_op using errcode = '42501';
      end if;
      return case when tg_op = 'DELETE' then old else new end;
    end $$`);
  await knex.raw(`
    create trigger notices_published_no_change
      before update or delete on notices
      for each row execute function notices_published_immutable()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table notices');
  await knex.raw('drop function notices_published_immutable()');
}
