import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

// The service as an operator runs it: `tsx services/server.ts` in its own process. A first start on
// PGlite creates and migrates a database, which takes seconds on a busy machine: generous limits.
jest.setTimeout(120_000);

const ROOT = path.resolve(__dirname, '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

interface Started {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

function startServer(env: Record<string, string>): Started {
  const base = { ...process.env };
  for (const name of ['DATABASE_URL', 'NODE_ENV', 'TEST_DB_TEMPLATE', 'STAFF_JWKS_URL', 'BOOTSTRAP_ADMIN_SUBJECTS']) delete base[name];
  const child = spawn(TSX, ['services/server.ts'], { cwd: ROOT, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => text, exited };
}

async function listeningPort(started: Started, timeoutMs = 100_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const line of started.output().split('\n')) {
      if (!line.startsWith('{')) continue;
      const entry = JSON.parse(line) as { msg?: string; port?: number };
      if (entry.msg === 'listening' && entry.port) return entry.port;
    }
    if (started.child.exitCode !== null) throw new Error(`the service exited early:\n${started.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the service did not start in time:\n${started.output()}`);
}

function get(port: number, pathName: string, agent: http.Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: pathName, agent }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

describe('the service process', () => {
  let dataDir: string;
  let database: TestDatabase | undefined;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-process-'));
    if (process.env.DATABASE_URL) database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts, serves, and on SIGTERM stops cleanly with exit code 0, even with a keep-alive connection open', async () => {
    const started = startServer({
      PORT: '0',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      ...(database?.url ? { DATABASE_URL: database.url } : {}),
    });
    try {
      const port = await listeningPort(started);
      const agent = new http.Agent({ keepAlive: true });
      expect(await get(port, '/healthz', agent)).toEqual({ status: 200, body: '{"status":"ok"}' });
      expect((await get(port, '/readyz', agent)).status).toBe(200);
      started.child.kill('SIGTERM');
      expect(await started.exited).toBe(0);
      agent.destroy();
      expect(started.output()).toContain('"msg":"shutting down"');
      expect(started.output()).not.toMatch(/"level":50/);
      await expect(get(port, '/healthz', new http.Agent())).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    } finally {
      if (started.child.exitCode === null) started.child.kill('SIGKILL');
    }
  });

  it('refuses to start in production without its required settings, naming them (exit code 2)', async () => {
    const started = startServer({ NODE_ENV: 'production', DATA_DIR: dataDir });
    expect(await started.exited).toBe(2);
    expect(started.output()).toContain(
      'NODE_ENV=production requires STAFF_JWKS_URL, STAFF_ISSUER, DATABASE_URL, SUBJECT_ID_KEY, KEY_ENCRYPTION_KEY, AUDIT_CHECKPOINT_KEY, PUBLIC_URL to be set',
    );
  });

  it('refuses to start with a malformed variable, naming it (exit code 2)', async () => {
    const started = startServer({ PORT: 'eighty', DATA_DIR: dataDir });
    expect(await started.exited).toBe(2);
    expect(started.output()).toMatch(/Invalid configuration:\s+PORT: must be a whole number/);
  });
});
