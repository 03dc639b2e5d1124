import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { loadConfig } from '../services/config';
import { startService } from '../services/server';

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tokprof-'));
  const config = loadConfig({ ...(process.env.PGURL ? { DATABASE_URL: process.env.PGURL } : {}), DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn', BOOTSTRAP_ADMIN_SUBJECTS: 'a', KEY_ENCRYPTION_KEY: crypto.randomBytes(32).toString('base64'), SUBJECT_ID_KEY: crypto.randomBytes(32).toString('base64') });
  const svc = await startService(config);
  const reg = await svc.container.clients.register({ actor: { kind: 'system', name: 'x' }, requestId: null }, { kind: 'internal', name: 'b', roles: ['pep'], scopes: ['decisions'], tokenEndpointAuthMethod: 'client_secret_basic' });
  const url = `http://127.0.0.1:${svc.port}/oauth/token`;
  const auth = `Basic ${Buffer.from(`${reg.clientId}:${reg.clientSecret}`).toString('base64')}`;
  let batches = 0; let items = 0;
  const j = svc.container.oauth.journal as unknown as { commit: (b: unknown[]) => Promise<unknown> };
  const orig = j.commit.bind(j);
  j.commit = async (b: unknown[]) => { batches++; items += b.length; return process.env.STUB ? new Set() : orig(b); };
  const sqls = new Map<string, number>();
  svc.container.db.on('query', (q: { sql: string }) => sqls.set(q.sql.slice(0, 80), (sqls.get(q.sql.slice(0, 80)) ?? 0) + 1));
  const r = await autocannon({ url, method: 'POST', connections: 32, duration: Number(process.env.SECS ?? 5), headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });
  console.log('rps', r.requests.average, 'non2xx', r.non2xx, 'p50', r.latency.p50, 'batches', batches, 'avg batch', items / batches);
  console.log([...sqls.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12));
  await svc.close();
}
main();
