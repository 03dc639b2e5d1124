import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../../services/config';
import { migrateLatest, pendingMigrations, type Db } from '../../services/db';
import { createLogger } from '../../services/logger';
import { BareNameMigrationSource, MIGRATIONS_DIR, normalizeMigrationNames } from '../../services/migrations';
import { StartupError } from '../../services/operations/startup';
import { startService } from '../../services/server';
import { TEST_SHARED_BUFFERS, createTestDatabase, type TestDatabase } from '../helpers/database';
import { embeddedDataDir } from '../helpers/data-dir';

jest.setTimeout(120_000);

const onDisk = fs
  .readdirSync(MIGRATIONS_DIR)
  .filter((f) => /\.(ts|js)$/.test(f))
  .map((f) => f.replace(/\.(ts|js)$/, ''))
  .sort();

async function recorded(db: Db): Promise<string[]> {
  return ((await db('knex_migrations').select('name').orderBy('id')) as { name: string }[]).map((r) => r.name);
}

describe('one migration identity for the sources (tsx, .ts) and the compiled build (node, .js)', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });

  it('names every migration without its extension, in order', async () => {
    const names = (await new BareNameMigrationSource().getMigrations()).map((m) => m.name);
    expect(names).toEqual(onDisk);
    expect(await recorded(database.db)).toEqual(onDisk);
    expect(await pendingMigrations(database.db)).toEqual([]);
  });

  it.each([
    ['the development run (.ts)', () => "name || '.ts'"],
    ['the compiled build (.js)', () => "name || '.js'"],
    ['both, mixed', () => "name || case when id % 2 = 0 then '.js' else '.ts' end"],
  ])('opens a database migrated by %s: nothing pending, nothing re-run, names made bare', async (_label, rename) => {
    const { db } = database;
    await db.raw(`update knex_migrations set name = ${rename()}`);
    expect((await recorded(db)).every((n) => /\.(ts|js)$/.test(n))).toBe(true);
    // Read-only check first (what MIGRATE_ON_START=false and /readyz use): the old names count as applied.
    expect(await pendingMigrations(db)).toEqual([]);
    expect(await migrateLatest(db)).toEqual([]);
    expect(await recorded(db)).toEqual(onDisk);
    expect(await normalizeMigrationNames(db)).toBe(0);
  });

  it('names the migrations a database has not applied, under either historical name', async () => {
    const { db } = database;
    const last = onDisk[onDisk.length - 1];
    const row = (await db('knex_migrations').where({ name: last }).first()) as Record<string, unknown>;
    await db('knex_migrations').where({ name: last }).delete();
    await db.raw("update knex_migrations set name = name || '.js'");
    try {
      expect(await pendingMigrations(db)).toEqual([last]);
    } finally {
      await db('knex_migrations').insert(row);
      await normalizeMigrationNames(db);
    }
    expect(await pendingMigrations(db)).toEqual([]);
  });
});

describe('MIGRATE_ON_START=false', () => {
  let database: TestDatabase | undefined;
  let dataDir: string;
  const lines: string[] = [];
  const logger = createLogger(
    'info',
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        cb();
      },
    }),
  );

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-migrate-'));
    if (process.env.DATABASE_URL) database = await createTestDatabase();
    else await embeddedDataDir(dataDir);
  });
  afterAll(async () => {
    await database?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const config = () =>
    loadConfig({
      DATA_DIR: dataDir,
      PORT: '0',
      MIGRATE_ON_START: 'false',
      PGLITE_SHARED_BUFFERS: TEST_SHARED_BUFFERS,
      LOG_LEVEL: 'info',
      PUBLIC_URL: 'http://governance.test',
      SUBJECT_ID_KEY: crypto.randomBytes(32).toString('base64'),
      KEY_ENCRYPTION_KEY: crypto.randomBytes(32).toString('base64'),
      ...(database?.url ? { DATABASE_URL: database.url } : {}),
    });

  /** Runs fn against the service's database while no service holds it. */
  async function withDb<T>(fn: (db: Db) => Promise<T>): Promise<T> {
    if (database) return fn(database.db);
    const { openDatabase } = await import('../../services/db');
    const opened = await openDatabase(
      { databaseUrl: undefined, dataDir, pgliteSharedBuffers: TEST_SHARED_BUFFERS },
      { command: 'test', poolMax: 1 },
    );
    try {
      return await fn(opened.db);
    } finally {
      await opened.close();
    }
  }

  it('refuses to start while the schema is behind, naming the pending migrations, and changes nothing', async () => {
    const last = onDisk[onDisk.length - 1];
    const row = await withDb(async (db) => {
      const found = (await db('knex_migrations').where({ name: last }).first()) as Record<string, unknown>;
      await db('knex_migrations').where({ name: last }).delete();
      return found;
    });
    const failure = await startService(config(), logger).then(
      (service) => service.close(),
      (err: unknown) => err,
    );
    // What the refusal left behind, read as the row goes back (one more open of the embedded database, not two).
    const pending = await withDb(async (db) => {
      try {
        return await pendingMigrations(db);
      } finally {
        await db('knex_migrations').insert(row);
      }
    });
    expect(failure).toBeInstanceOf(StartupError);
    expect((failure as StartupError).code).toBe('migrations_pending');
    expect((failure as Error).message).toContain(`MIGRATE_ON_START=false and the database schema is behind by 1 migration(s): ${last}`);
    expect((failure as Error).message).toContain('npm run migrate');
    expect(pending).toEqual([last]);
  });

  it('starts without migrating when the schema is current, and says so', async () => {
    const service = await startService(config(), logger);
    try {
      const phases = lines.map((l) => JSON.parse(l) as { phase?: string; msg: string; ms?: number });
      expect(phases.find((p) => p.phase === 'migrations')?.msg).toBe(
        'migrations: schema is current (MIGRATE_ON_START=false, not migrating)',
      );
      const res = await fetch(`http://127.0.0.1:${service.port}/readyz`);
      expect(res.status).toBe(200);
    } finally {
      await service.close();
    }
  });
});
