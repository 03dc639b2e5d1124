import type { Db } from '../../services/db';
import type { TestDatabase } from './database';

/**
 * The same database for one more user that must not drop it: `createTestApp({ database: shared(d) })`
 * lets several apps (different settings, one database) close without dropping it; the file drops it once.
 */
export function shared(database: TestDatabase): TestDatabase {
  return { db: database.db, url: database.url, drop: () => Promise.resolve() };
}

/**
 * The schema as a test can change it: every relation of the public schema (tables, partitions,
 * indexes) and every trigger with whether it is enabled. Tests that share a database and empty
 * tables between them compare it with the one taken at the start, so a test that changed the
 * schema (a detached partition, a trigger left disabled) cannot pass its change on unnoticed.
 */
export async function schemaFingerprint(db: Db): Promise<string[]> {
  const result = (await db.raw(`
    select c.relname || ' ' || c.relkind::text || coalesce(' ' || t.tgname || '=' || t.tgenabled::text, '') as line
      from pg_class c
      left join pg_trigger t on t.tgrelid = c.oid and not t.tgisinternal
     where c.relnamespace = 'public'::regnamespace
     order by 1`)) as { rows: Array<{ line: string }> };
  return result.rows.map((r) => r.line);
}

/**
 * Empties the audit log and its checkpoints as the table owner (their append-only triggers off for
 * this transaction only), so the next test starts from the empty chain of a fresh database.
 */
export async function emptyAuditLog(db: Db): Promise<void> {
  await db.transaction(async (trx) => {
    await trx.raw('alter table audit_events disable trigger audit_events_no_update_delete');
    await trx.raw('alter table audit_checkpoints disable trigger audit_checkpoints_no_update_delete');
    await trx.raw('delete from audit_events');
    await trx.raw('delete from audit_checkpoints');
    await trx.raw('alter table audit_events enable trigger audit_events_no_update_delete');
    await trx.raw('alter table audit_checkpoints enable trigger audit_checkpoints_no_update_delete');
  });
}
