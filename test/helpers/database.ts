import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import knexFactory from 'knex';
import { MIGRATIONS_DIR, createDatabase, createPglite, migrateLatest, type Db } from '../../services/db';

/** Where global setup leaves the migrated template: a PGlite dump file or a PostgreSQL database name. */
export const TEMPLATE_ENV = 'TEST_DB_TEMPLATE';

export function adminUrl(databaseUrl: string, database = 'postgres'): string {
  const url = new URL(databaseUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function withAdmin<T>(databaseUrl: string, fn: (admin: Db) => Promise<T>): Promise<T> {
  const admin = knexFactory({ client: 'pg', connection: adminUrl(databaseUrl), pool: { min: 0, max: 1 } });
  try {
    return await fn(admin);
  } finally {
    await admin.destroy();
  }
}

const ROOT = path.join(__dirname, '..', '..');
/** Under node_modules, as the service build (service-build.ts): ignored by git and the tools; `npm ci` starts it afresh. */
const TEMPLATE_CACHE = path.join(ROOT, 'node_modules', '.cache', 'test-template');

/**
 * What the embedded template is made of: the migrations, the PGlite release and the start parameters. A dump
 * made from the same is the same database, so a run reuses the last run's (initdb and 48 migrations are
 * five seconds during which jest has not started a worker yet).
 */
function embeddedTemplateKey(): string {
  const hash = crypto.createHash('sha256');
  hash.update(fs.readFileSync(path.join(ROOT, 'node_modules', '@electric-sql', 'pglite', 'package.json')));
  hash.update(`shared_buffers=${TEST_SHARED_BUFFERS}\n`);
  for (const file of fs.readdirSync(MIGRATIONS_DIR).sort())
    hash.update(`${file}\n`).update(fs.readFileSync(path.join(MIGRATIONS_DIR, file)));
  return hash.digest('hex').slice(0, 16);
}

/** Creates the migrated template once per test run (jest global setup); on PGlite, once per change of what makes it. */
export async function createTemplate(): Promise<string> {
  const databaseUrl = process.env.DATABASE_URL;
  if (databaseUrl) {
    const name = `tmpl_${process.pid}_${crypto.randomBytes(3).toString('hex')}`;
    await withAdmin(databaseUrl, (admin) => admin.raw(`create database ${name}`));
    const db = createDatabase({ databaseUrl: adminUrl(databaseUrl, name), poolMax: 1 });
    await migrateLatest(db);
    await db.destroy();
    return name;
  }
  const file = path.join(TEMPLATE_CACHE, `${embeddedTemplateKey()}.tar`);
  if (fs.existsSync(file)) return file;
  const pglite = createPglite('memory://', { sharedBuffers: TEST_SHARED_BUFFERS });
  // The WebAssembly start-up happens here, not inside knex's connection timeout (slow on a busy machine).
  await pglite.waitReady;
  const db = createDatabase({ pglite });
  await migrateLatest(db);
  const dump = await pglite.dumpDataDir('none');
  await db.destroy();
  // Written aside, then renamed into place (another run may be making the same one); older templates go.
  fs.mkdirSync(TEMPLATE_CACHE, { recursive: true });
  const draft = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`;
  fs.writeFileSync(draft, Buffer.from(await dump.arrayBuffer()));
  fs.renameSync(draft, file);
  for (const other of fs.readdirSync(TEMPLATE_CACHE)) {
    if (other.endsWith('.tar') && path.join(TEMPLATE_CACHE, other) !== file) fs.rmSync(path.join(TEMPLATE_CACHE, other), { force: true });
  }
  return file;
}

export async function dropTemplate(template: string): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL;
  if (databaseUrl) {
    await withAdmin(databaseUrl, (admin) => admin.raw(`drop database if exists ${template} with (force)`));
  }
  // The embedded template stays in its cache for the next run.
}

/** Enough for a test's few thousand rows; PGlite's default (128MB) takes most of a second to set up on each start. */
export const TEST_SHARED_BUFFERS = '16MB';

let dumps: { file: string; bytes: ArrayBuffer } | undefined;
/**
 * The template dump as PGlite reads it (`arrayBuffer()`), read from disk once per test file. A Blob of the
 * 44 MB file would be copied again on every read, through Node's chunked Blob reader (a quarter of a second).
 */
export function templateDump(file: string): Blob {
  if (dumps?.file !== file) {
    const buffer = fs.readFileSync(file);
    const whole = buffer.byteOffset === 0 && buffer.byteLength === buffer.buffer.byteLength;
    dumps = { file, bytes: whole ? buffer.buffer : buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength) };
  }
  const bytes = dumps.bytes;
  // PGlite copies what arrayBuffer() returns into its in-memory file system and never writes to it.
  return { type: 'application/x-tar', size: bytes.byteLength, arrayBuffer: () => Promise.resolve(bytes) } as unknown as Blob;
}

export interface TestDatabase {
  readonly db: Db;
  /** The database URL when running on PostgreSQL (for tests that start service processes). */
  readonly url: string | undefined;
  drop(): Promise<void>;
}

/** A fresh, migrated database for one test file: a copy of the template. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const template = process.env[TEMPLATE_ENV];
  if (!template)
    throw new Error(
      'The jest global setup made no template database (a run of test/unit/ files only makes none: tests that need a database belong in test/integration/)',
    );
  const databaseUrl = process.env.DATABASE_URL;
  if (databaseUrl) {
    const name = `test_${process.pid}_${crypto.randomBytes(4).toString('hex')}`;
    await withAdmin(databaseUrl, (admin) => admin.raw(`create database ${name} template ${template}`));
    const url = adminUrl(databaseUrl, name);
    const db = createDatabase({ databaseUrl: url, poolMax: 10 });
    return {
      db,
      url,
      async drop() {
        await db.destroy();
        await withAdmin(databaseUrl, (admin) => admin.raw(`drop database if exists ${name} with (force)`));
      },
    };
  }
  const pglite = createPglite('memory://', { loadDataDir: templateDump(template), sharedBuffers: TEST_SHARED_BUFFERS });
  await pglite.waitReady;
  const db = createDatabase({ pglite });
  return {
    db,
    url: undefined,
    async drop() {
      await db.destroy();
    },
  };
}
