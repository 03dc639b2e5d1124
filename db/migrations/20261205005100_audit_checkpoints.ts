import type { Knex } from 'knex';

// Signed checkpoints of the audit chain head (services/audit/checkpoints.ts). Each row holds a JWS
// signed with a key the database never holds, over (number, seq, hash, madeAt, prev), where prev is
// the SHA-256 of the previous checkpoint's JWS: checkpoints form a chain of their own. The columns
// repeat the payload for queries; verification trusts only the signed payload. Append-only, like
// the events they anchor.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table audit_checkpoints (
      number      bigint primary key check (number > 0),
      seq         bigint not null check (seq > 0),
      hash        text not null,
      made_at     timestamptz not null,
      prev_hash   text not null,
      kid         text not null,
      jws         text not null
    )`);
  await knex.raw(`
    create function audit_checkpoints_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'audit_checkpoints is append-only: % refused', tg_op using errcode = '42501';
    end $$`);
  await knex.raw(`
    create trigger audit_checkpoints_no_update_delete
      before update or delete on audit_checkpoints
      for each row execute function audit_checkpoints_append_only()`);
  await knex.raw(`
    create trigger audit_checkpoints_no_truncate
      before truncate on audit_checkpoints
      for each statement execute function audit_checkpoints_append_only()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table audit_checkpoints');
  await knex.raw('drop function audit_checkpoints_append_only()');
}
