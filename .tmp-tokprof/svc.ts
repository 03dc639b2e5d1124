import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../services/config';
import { startService } from '../services/server';

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tokprof-'));
  const config = loadConfig({ ...(process.env.PGURL ? { DATABASE_URL: process.env.PGURL } : {}), DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'info', BOOTSTRAP_ADMIN_SUBJECTS: 'a', KEY_ENCRYPTION_KEY: crypto.randomBytes(32).toString('base64'), SUBJECT_ID_KEY: crypto.randomBytes(32).toString('base64') });
  const svc = await startService(config);
  const reg = await svc.container.clients.register({ actor: { kind: 'system', name: 'x' }, requestId: null }, { kind: 'internal', name: 'b', roles: ['pep'], scopes: ['decisions'], tokenEndpointAuthMethod: 'client_secret_basic' });
  const url = `http://127.0.0.1:${svc.port}/oauth/token`;
  const auth = `Basic ${Buffer.from(`${reg.clientId}:${reg.clientSecret}`).toString('base64')}`;
  let batches = 0; let items = 0;
  const j = svc.container.oauth.journal as unknown as { commit: (b: unknown[]) => Promise<unknown> };
  const orig = j.commit.bind(j);
  j.commit = async (b: unknown[]) => { batches++; items += b.length; return process.env.STUB ? new Set() : orig(b); };
  const inspector = await import('node:inspector');
  const session = new inspector.Session();
  session.connect();
  const post = (m: string, p?: object) => new Promise<any>((res, rej) => session.post(m, p ?? {}, (e, r) => (e ? rej(e) : res(r))));
  if (process.env.PROF) { await post('Profiler.enable'); await post('Profiler.start'); }
  const { spawn } = await import('node:child_process');
  const child = spawn('node_modules/.bin/autocannon', ['-c', '32', '-d', process.env.SECS ?? '8', '-m', 'POST', '-H', `authorization=${auth}`, '-H', 'content-type=application/x-www-form-urlencoded', '-b', 'grant_type=client_credentials', '-j', url], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  await new Promise((r) => child.on('exit', r));
  if (process.env.PROF) { const { profile } = await post('Profiler.stop'); fs.mkdirSync('/tmp/prof', { recursive: true }); fs.writeFileSync('/tmp/prof/p.cpuprofile', JSON.stringify(profile)); }
  const r = JSON.parse(out);
  console.log('rps', r.requests.average, 'non2xx', r.non2xx, 'p50', r.latency.p50, 'batches', batches, 'avg batch', items / batches);
  await svc.close();
  void execFileSync;
}
main();
