import crypto from 'node:crypto';
import { createDatabase, createPglite, migrateLatest } from './services/db';
import { pseudonymize } from './services/shared/pseudonym';
async function main() {
  const db = createDatabase({ pglite: createPglite('memory://') });
  await migrateLatest(db);
  const { seedConsents } = await import('./test/bench/consent-check');
  const key = Buffer.from('k'.repeat(44));
  const t0 = Date.now();
  // smaller seed: monkeypatch not possible; run full? use 1M
  await seedConsents(db, key);
  console.log('seed ms', Date.now() - t0);
  const ref = pseudonymize(key, 'C000500000');
  const r = await db.raw(`explain analyze select id, kind from consent_events where subject_ref = ? and purpose_key = ? order by seq desc limit 1`, [ref, 'bench_marketing']);
  console.log(r.rows.map((x: any) => x['QUERY PLAN']).join('\n'));
  let t = process.hrtime.bigint();
  for (let i = 0; i < 1000; i++) await db.raw(`select id, kind from consent_events where subject_ref = ? and purpose_key = ? order by seq desc limit 1`, [pseudonymize(key, 'C' + String(1 + Math.floor(Math.random() * 900000)).padStart(9, '0')), 'bench_marketing']);
  console.log('per query us', Number(process.hrtime.bigint() - t) / 1e6);
  await db.destroy();
}
main();
