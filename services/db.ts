import fs from 'node:fs';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import ClientPGLite from 'knex-pglite';
import { acquireDataDirLock } from './data-dir-lock';
import type { Logger } from './logger';

export type Db = Knex;
export type Trx = Knex.Transaction;

// The same value types on both engines: int8 as number (ids and counts stay far below 2^53),
// timestamps as ISO-8601 strings in UTC, dates as 'YYYY-MM-DD'.
const INT8 = 20;
const NUMERIC = 1700;
const TIMESTAMP = 1114;
const TIMESTAMPTZ = 1184;
const DATE = 1082;

const toIso = (v: string): string => new Date(/[zZ]|[+-]\d\d(:?\d\d)?$/.test(v) ? v : `${v}Z`).toISOString();
const parsers: Record<number, (v: string) => unknown> = {
  [INT8]: (v) => Number(v),
  [NUMERIC]: (v) => Number(v),
  [TIMESTAMP]: toIso,
  [TIMESTAMPTZ]: toIso,
  [DATE]: (v) => v,
};
for (const [oid, fn] of Object.entries(parsers)) pg.types.setTypeParser(Number(oid), fn);

export interface DatabaseOptions {
  /** postgres:// URL; when absent an embedded PGlite is used. */
  databaseUrl?: string;
  /** PGlite data directory, or 'memory://' for an in-memory database. */
  pgliteDir?: string;
  /** A ready PGlite instance (tests load a migrated template into one). */
  pglite?: PGlite;
  poolMax?: number;
  /** Where knex's own warnings go (one JSON line each); without it, knex writes to the console. */
  logger?: Logger;
}

/** knex's warnings (e.g. "Acquire connection error" while the database is down) as JSON log lines, first line only. */
function driverLog(logger: Logger): Knex.Config['log'] {
  const text = (m: unknown) => String(m instanceof Error ? m.message : m).split('\n')[0];
  return {
    warn: (m: unknown) => logger.warn({ driver: text(m) }, 'database driver warning'),
    error: (m: unknown) => logger.error({ driver: text(m) }, 'database driver error'),
    deprecate: (m: unknown) => logger.debug({ driver: text(m) }, 'database driver deprecation'),
    debug: (m: unknown) => logger.debug({ driver: text(m) }, 'database driver debug'),
  };
}

export function pgliteParsers(): Record<number, (v: string) => unknown> {
  return parsers;
}

export interface PgliteOptions {
  /** A dump (`dumpDataDir`) to start from instead of an empty cluster. */
  readonly loadDataDir?: Blob;
  /**
   * PostgreSQL's `shared_buffers`, e.g. `16MB`. PGlite's default (128MB) is set up on every start, which
   * costs about 0.7 s: the test suite, which starts hundreds of small databases, asks for less.
   */
  readonly sharedBuffers?: string;
}

export function createPglite(dir: string, options: PgliteOptions = {}): PGlite {
  if (dir !== 'memory://') fs.mkdirSync(path.resolve(dir), { recursive: true });
  const startParams = options.sharedBuffers ? [...PGlite.defaultStartParams, '-c', `shared_buffers=${options.sharedBuffers}`] : undefined;
  return new PGlite(dir, { parsers: pgliteParsers(), loadDataDir: options.loadDataDir, ...(startParams ? { startParams } : {}) });
}

/** knex on PostgreSQL when a URL is given, otherwise on embedded PGlite (one connection). */
export function createDatabase(options: DatabaseOptions): Db {
  if (options.databaseUrl !== undefined) {
    return knexFactory({
      client: 'pg',
      connection: { connectionString: options.databaseUrl, connectionTimeoutMillis: 2000 },
      pool: { min: 0, max: options.poolMax ?? 10 },
      acquireConnectionTimeout: 2000,
      ...(options.logger ? { log: driverLog(options.logger) } : {}),
    });
  }
  const pglite = options.pglite ?? createPglite(options.pgliteDir ?? 'memory://');
  return knexFactory({
    client: ClientPGLite as unknown as typeof knexFactory.Client,
    connection: { pglite } as unknown as Knex.StaticConnectionConfig,
    acquireConnectionTimeout: 10000,
    ...(options.logger ? { log: driverLog(options.logger) } : {}),
  });
}

// Migrations: one identity whether the sources or the compiled build run them (services/migrations.ts).
export { MIGRATIONS_DIR, migrateLatest, migrationConfig, migrationsCurrent, pendingMigrations } from './migrations';

/**
 * What services need of the database to make a change: run work in one transaction. knex is one;
 * fast tests of a service's rules pass a fake that just runs the callback (test/fakes).
 */
export interface Transactor {
  transaction<T>(fn: (trx: Trx) => Promise<T>): Promise<T>;
}

/** Runs fn in a transaction; the audit event and the change it records commit together or not at all. */
export function withTransaction<T>(db: Transactor, fn: (trx: Trx) => Promise<T>): Promise<T> {
  return db.transaction(fn);
}

export interface OpenedDatabase {
  readonly db: Db;
  /** Destroys the pool, then gives DATA_DIR back (embedded database). */
  close(): Promise<void>;
}

/**
 * The configured database of one process: DATABASE_URL, or the embedded PGlite under DATA_DIR,
 * which one process holds at a time (a lock file with its pid; a second opener is refused with
 * DataDirLockedError naming the holder). Resolves once the database accepts statements: a first
 * start creates the embedded cluster, which can take long on a busy machine.
 */
export async function openDatabase(
  config: { readonly databaseUrl: string | undefined; readonly dataDir: string; readonly pgliteSharedBuffers?: string },
  options: { readonly command: string; readonly poolMax: number; readonly logger?: Logger },
): Promise<OpenedDatabase> {
  if (config.databaseUrl !== undefined) {
    const db = createDatabase({ databaseUrl: config.databaseUrl, poolMax: options.poolMax, logger: options.logger });
    return { db, close: () => db.destroy() };
  }
  const lock = acquireDataDirLock(config.dataDir, options.command);
  let pglite: PGlite | undefined;
  try {
    pglite = createPglite(path.join(config.dataDir, 'pglite'), { sharedBuffers: config.pgliteSharedBuffers });
    await pglite.waitReady;
  } catch (err) {
    await pglite?.close().catch(() => undefined);
    lock.release();
    throw err;
  }
  const db = createDatabase({ pglite, logger: options.logger });
  return {
    db,
    async close() {
      try {
        await db.destroy();
        if (!pglite.closed) await pglite.close();
      } finally {
        lock.release();
      }
    },
  };
}
