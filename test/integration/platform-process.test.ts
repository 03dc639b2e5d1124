import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import knexFactory from 'knex';
import { LOCK_FILE_NAME } from '../../services/data-dir-lock';
import { adminUrl, createTestDatabase, type TestDatabase } from '../helpers/database';
import { embeddedDataDir } from '../helpers/data-dir';
import { builtScript } from '../helpers/service-build';

// The service and its command-line tools as an operator runs them: separate processes, running the
// compiled sources (test/helpers/service-build.ts) as the container runs dist/. One server process
// serves every test that needs a running one, in order: its start-up log, the DATA_DIR lock it holds,
// and last its shutdown on SIGTERM.
jest.setTimeout(180_000);

const ROOT = path.resolve(__dirname, '..', '..');
const onPostgres = process.env.DATABASE_URL !== undefined;

function cleanEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base = { ...process.env };
  for (const name of [
    'DATABASE_URL',
    'NODE_ENV',
    'TEST_DB_TEMPLATE',
    'STAFF_JWKS_URL',
    'PUBLIC_URL',
    'BOOTSTRAP_ADMIN_SUBJECTS',
    'METRICS_PORT',
    'HOST',
  ])
    delete base[name];
  // A smaller embedded database than PGlite's default starts in less time (no effect on PostgreSQL).
  return { ...base, LOG_LEVEL: 'info', PGLITE_SHARED_BUFFERS: '16MB', ...env };
}

interface Proc {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
}

/** `node <build>/<script>.js` from the project root (the script named by its source path). */
function run(script: string, env: Record<string, string>): Proc {
  const child = spawn(process.execPath, [builtScript(script)], { cwd: ROOT, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr?.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

type LogLine = {
  level: number;
  msg: string;
  phase?: string;
  ms?: number;
  code?: string;
  port?: number;
  host?: string;
  startupMs?: number;
} & Record<string, unknown>;

function jsonLines(text: string): LogLine[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as LogLine);
}

/** The port from the process's `listening` line, read as its output arrives; refused if it exits first. */
function listening(p: Proc): Promise<number> {
  const port = () =>
    p
      .stdout()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as LogLine)
      .find((l) => l.msg === 'listening')?.port;
  return new Promise<number>((resolve, reject) => {
    const check = () => {
      const found = port();
      if (found === undefined) return;
      p.child.stdout?.off('data', check);
      resolve(found);
    };
    p.child.stdout?.on('data', check);
    check();
    void p.exited.then(() => {
      check();
      reject(new Error(`exited before listening:\n${p.stdout()}\n${p.stderr()}`));
    });
  });
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

/** The pid of a process that has exited (a stale lock's holder). */
function deadPid(): number {
  const done = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(done.stdout.toString('utf8'));
}

let dataDir: string;
let database: TestDatabase | undefined;
beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-process-'));
  if (onPostgres) database = await createTestDatabase();
  else await embeddedDataDir(dataDir);
});
afterAll(async () => {
  await database?.drop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('the service process', () => {
  let server: Proc;
  let port: number;
  beforeAll(async () => {
    server = run('services/server.ts', { DATA_DIR: dataDir, PORT: '0', ...(database?.url ? { DATABASE_URL: database.url } : {}) });
    port = await listening(server);
  });
  afterAll(() => {
    if (server.child.exitCode === null) server.child.kill('SIGKILL');
  });

  it('logs each start-up phase as JSON with timings', () => {
    const engine = onPostgres ? 'postgresql' : 'pglite';
    const lines = jsonLines(server.stdout());
    const phase = (name: string) => lines.filter((l) => l.phase === name);
    expect(phase('database').at(-1)).toMatchObject({ msg: 'database open', database: engine });
    expect(typeof phase('database').at(-1)?.ms).toBe('number');
    expect(phase('migrations')[0]).toMatchObject({ msg: 'migrations: already up to date', applied: 0 });
    expect(phase('keys')[0]).toMatchObject({ msg: 'secrets and staff keys ready' });
    expect(phase('policies')[0]).toMatchObject({ msg: 'policies and signing keys loaded', vendorGrantEntries: 0, signingKeys: 1 });
    expect(phase('policies')[0].staffPermissions).toBeGreaterThan(0);
    expect(lines.find((l) => l.msg === 'listening')).toMatchObject({ host: '127.0.0.1', port, database: engine });
    expect(typeof lines.find((l) => l.msg === 'listening')?.startupMs).toBe('number');
  });

  // The embedded database belongs to one process.
  (onPostgres ? it.skip : it)('holds DATA_DIR: refuses a CLI and a second server, naming its pid, and keeps serving', async () => {
    const lock = JSON.parse(fs.readFileSync(path.join(dataDir, LOCK_FILE_NAME), 'utf8')) as { pid: number; command: string };
    expect(lock).toMatchObject({ pid: server.child.pid, command: 'server' });

    // npm run seed while the server runs: refused, nothing written.
    const seed = run('services/cli/seed.ts', { DATA_DIR: dataDir });
    expect(await seed.exited).toBe(1);
    expect(seed.stderr()).toContain(`is in use by process ${server.child.pid}`);
    expect(seed.stdout()).not.toContain('seeded');

    // A second server: what it logged on the way, in order, then one line with a clear code, and a non-zero exit. Its
    // lines are written asynchronously and the failure's synchronously: the buffered ones are written out first.
    const second = run('services/server.ts', { DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'info' });
    expect(await second.exited).toBe(1);
    const secondLines = jsonLines(second.stdout());
    expect(secondLines.map((l) => l.level)).toEqual([...secondLines.slice(0, -1).map(() => expect.any(Number)), 60]);
    expect(secondLines.slice(0, -1).map((l) => l.msg)).toContainEqual(expect.stringContaining('opening the embedded database'));
    const failure = secondLines.at(-1);
    expect(failure).toMatchObject({ level: 60, code: 'data_dir_locked' });
    expect(failure?.msg).toContain(`start-up failed: DATA_DIR ${dataDir} is in use by process ${server.child.pid}`);
    expect(second.stderr()).toBe('');

    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
  });

  it('serves, and on SIGTERM stops cleanly with exit code 0, even with a keep-alive connection open, saying when shutdown is done', async () => {
    const agent = new http.Agent({ keepAlive: true });
    expect(await get(port, '/healthz', agent)).toEqual({ status: 200, body: '{"status":"ok"}' });
    expect((await get(port, '/readyz', agent)).status).toBe(200);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    agent.destroy();
    const output = server.stdout() + server.stderr();
    expect(output).toContain('"msg":"shutting down"');
    expect(output).not.toMatch(/"level":50/);
    expect(jsonLines(server.stdout()).at(-1)?.msg).toBe('shutdown complete');
    if (!onPostgres) expect(fs.existsSync(path.join(dataDir, LOCK_FILE_NAME))).toBe(false);
    await expect(get(port, '/healthz', new http.Agent())).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});

(onPostgres ? describe.skip : describe)('the DATA_DIR lock of a process that is not running', () => {
  it('is taken over when its process died without releasing it', async () => {
    const file = path.join(dataDir, LOCK_FILE_NAME);
    const pid = deadPid();
    fs.writeFileSync(file, `${JSON.stringify({ pid, host: os.hostname(), command: 'server', since: new Date().toISOString() })}\n`);
    const migrate = run('services/cli/migrate.ts', { DATA_DIR: dataDir });
    expect(await migrate.exited).toBe(0);
    expect(migrate.stdout()).toContain('migrations: already up to date');
    expect(fs.existsSync(file)).toBe(false);
  });

  it('is refused while its process lives, even an unrelated one, naming it', async () => {
    const file = path.join(dataDir, LOCK_FILE_NAME);
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      fs.writeFileSync(
        file,
        `${JSON.stringify({ pid: holder.pid, host: os.hostname(), command: 'seed', since: new Date().toISOString() })}\n`,
      );
      const migrate = run('services/cli/migrate.ts', { DATA_DIR: dataDir });
      expect(await migrate.exited).toBe(1);
      expect(migrate.stderr()).toContain(`is in use by process ${holder.pid} on ${os.hostname()} (seed`);
      expect(fs.readFileSync(file, 'utf8')).toContain(`"pid":${holder.pid}`);
    } finally {
      holder.kill('SIGKILL');
      fs.rmSync(file, { force: true });
    }
  });
});

describe('start-up failures', () => {
  it('an unreachable database: the issuer warning, then one JSON line naming the cause (no password), exit code 1', async () => {
    const server = run('services/server.ts', { DATABASE_URL: 'postgres://governance:s3cret-pw@127.0.0.1:1/governance', PORT: '0' });
    expect(await server.exited).toBe(1);
    expect(server.stderr()).toBe('');
    const lines = jsonLines(server.stdout());
    expect(lines.find((l) => l.level === 40)?.msg).toContain('PUBLIC_URL is not set, so access tokens are issued by http://localhost:0');
    const failure = lines.at(-1);
    expect(failure).toMatchObject({ level: 60, code: 'database_unavailable' });
    expect(failure?.msg).toMatch(/^start-up failed: the database at 127\.0\.0\.1:1\/governance cannot be used: .*ECONNREFUSED/);
    expect(server.stdout()).not.toContain('s3cret-pw');
  });

  it('malformed settings: one JSON line naming each variable, exit code 2', async () => {
    const server = run('services/server.ts', { PORT: 'eighty', MIGRATE_ON_START: 'sometimes', DATA_DIR: os.tmpdir() });
    expect(await server.exited).toBe(2);
    const lines = jsonLines(server.stdout());
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 60, code: 'invalid_configuration' });
    expect(lines[0].msg).toMatch(/Invalid configuration:\s+PORT: must be a whole number/);
    expect(lines[0].msg).toContain('MIGRATE_ON_START: must be true or false');
    expect(server.stderr()).toBe('');
  });

  it('refuses to start in production without its required settings, naming them (exit code 2)', async () => {
    const server = run('services/server.ts', { NODE_ENV: 'production', DATA_DIR: dataDir });
    expect(await server.exited).toBe(2);
    expect(server.stdout() + server.stderr()).toContain(
      'NODE_ENV=production requires STAFF_JWKS_URL, STAFF_ISSUER, DATABASE_URL, SUBJECT_ID_KEY, KEY_ENCRYPTION_KEY, AUDIT_CHECKPOINT_KEY, PUBLIC_URL to be set',
    );
  });
});

(onPostgres ? describe : describe.skip)('npm run migrate on PostgreSQL', () => {
  const name = `migrate_${process.pid}_${crypto.randomBytes(3).toString('hex')}`;
  const admin = () => knexFactory({ client: 'pg', connection: adminUrl(process.env.DATABASE_URL as string), pool: { min: 0, max: 1 } });
  beforeAll(async () => {
    const db = admin();
    await db.raw(`create database ${name}`);
    await db.destroy();
  });
  afterAll(async () => {
    const db = admin();
    await db.raw(`drop database if exists ${name} with (force)`);
    await db.destroy();
  });

  it('says what it applied, then that the database is already up to date', async () => {
    const url = adminUrl(process.env.DATABASE_URL as string, name);
    const first = run('services/cli/migrate.ts', { DATABASE_URL: url });
    expect(await first.exited).toBe(0);
    const count = fs.readdirSync(path.join(ROOT, 'db', 'migrations')).filter((f) => f.endsWith('.ts')).length;
    expect(first.stdout()).toContain(`migrations: applied ${count}`);
    expect(first.stdout()).toContain('  20261127000100_audit_events\n');
    const second = run('services/cli/migrate.ts', { DATABASE_URL: url });
    expect(await second.exited).toBe(0);
    expect(second.stdout().trim()).toBe('migrations: already up to date');
  });
});
