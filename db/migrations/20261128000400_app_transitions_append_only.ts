import type { Knex } from 'knex';

// An app's lifecycle history is evidence (the release gate's evidence, the retirement's disposal
// record): like the audit log and the consent log, the table refuses UPDATE, DELETE and TRUNCATE.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create function app_transitions_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'app_transitions is append-only: % refused', tg_op using errcode = '42501';
    end $$`);
  await knex.raw(`
    create trigger app_transitions_no_update_delete
      before update or delete on app_transitions
      for each row execute function app_transitions_append_only()`);
  await knex.raw(`
    create trigger app_transitions_no_truncate
      before truncate on app_transitions
      for each statement execute function app_transitions_append_only()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop trigger app_transitions_no_truncate on app_transitions');
  await knex.raw('drop trigger app_transitions_no_update_delete on app_transitions');
  await knex.raw('drop function app_transitions_append_only()');
}
