import fs from 'node:fs'; import os from 'node:os'; import path from 'node:path';
import { createDatabase, createPglite, migrateLatest } from '../services/db';
async function main() {
  for (const dir of ['memory://', fs.mkdtempSync(path.join(os.tmpdir(), 'pgt-'))]) {
    const db = createDatabase({ pglite: createPglite(dir) });
    await migrateLatest(db);
    let t = Date.now();
    for (let i = 0; i < 100; i++) await db.transaction(async (trx) => { await trx.raw('select pg_advisory_xact_lock(1)'); await trx('audit_events').orderBy('seq', 'desc').first('seq'); });
    console.log(dir, 'tx ms', (Date.now() - t) / 100);
    t = Date.now();
    for (let i = 0; i < 100; i++) await db.raw('select 1');
    console.log(dir, 'select ms', (Date.now() - t) / 100);
    t = Date.now();
    for (let i = 0; i < 50; i++) await db.transaction(async (trx) => { await trx('oauth_revoked_tokens').insert({ jti: 'j' + i + Math.random(), client_id: 'c', expires_at: new Date().toISOString(), revoked_at: new Date().toISOString() }); });
    console.log(dir, 'insert tx ms', (Date.now() - t) / 50);
    await db.destroy();
  }
}
main();
