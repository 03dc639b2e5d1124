import type { Knex } from 'knex';

// A containment holds the vendors it suspended until the incident's handler releases it (or the
// incident closes): the release is recorded on the containment rows it ends, with who and why.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table incident_containments
      add column released_at     timestamptz,
      add column released_by     text,
      add column release_reason  text,
      add constraint incident_containments_release_whole
        check ((released_at is null) = (released_by is null) and (released_at is null) = (release_reason is null))`);
  await knex.raw(
    `create index incident_containments_held_idx on incident_containments (incident_id) where suspend_vendors and released_at is null`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index incident_containments_held_idx');
  await knex.raw(`
    alter table incident_containments
      drop constraint incident_containments_release_whole,
      drop column release_reason,
      drop column released_by,
      drop column released_at`);
}
