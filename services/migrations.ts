import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';

type Db = Knex;

/** db/migrations beside services/ in the sources, and beside dist/services/ in the compiled build. */
export const MIGRATIONS_DIR = path.join(__dirname, '..', 'db', 'migrations');
export const MIGRATIONS_TABLE = 'knex_migrations';

const MIGRATION_FILE = /^(\d+_[\w-]+)\.(ts|js)$/;

interface MigrationFile {
  readonly name: string;
  readonly file: string;
}

/**
 * Migrations named without their extension: the same identity whether tsx runs the `.ts` sources
 * (npm start, npm run seed) or node runs the compiled `.js` (the container), so both can share a
 * database. knex's own source records `x.ts` or `x.js` and calls the database corrupt when the
 * other build opens it.
 */
export class BareNameMigrationSource implements Knex.MigrationSource<MigrationFile> {
  constructor(private readonly directory: string = MIGRATIONS_DIR) {}

  async getMigrations(): Promise<MigrationFile[]> {
    const byName = new Map<string, MigrationFile>();
    for (const entry of fs.readdirSync(this.directory).sort()) {
      const match = MIGRATION_FILE.exec(entry);
      if (match && !byName.has(match[1])) byName.set(match[1], { name: match[1], file: path.join(this.directory, entry) });
    }
    return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  getMigrationName(migration: MigrationFile): string {
    return migration.name;
  }

  async getMigration(migration: MigrationFile): Promise<Knex.Migration> {
    return (await import(migration.file)) as Knex.Migration;
  }
}

export function migrationConfig(): Knex.MigratorConfig {
  return { migrationSource: new BareNameMigrationSource(), tableName: MIGRATIONS_TABLE };
}

/** The bare name of a recorded migration, whichever build recorded it. */
export function bareMigrationName(recorded: string): string {
  return recorded.replace(/\.(ts|js)$/, '');
}

/**
 * Renames rows recorded by knex's default source (`x.ts` by tsx, `x.js` by the compiled build) to
 * their bare names. Idempotent, one statement; runs before knex reads the table.
 */
export async function normalizeMigrationNames(db: Db): Promise<number> {
  if (!(await db.schema.hasTable(MIGRATIONS_TABLE))) return 0;
  const result = (await db.raw(
    `update ${MIGRATIONS_TABLE} set name = regexp_replace(name, '\\.(ts|js)$', '') where name ~ '\\.(ts|js)$'`,
  )) as {
    rowCount?: number;
    affectedRows?: number;
  };
  return result.rowCount ?? result.affectedRows ?? 0;
}

/** Applies every pending migration; the names applied, in order (empty when already up to date). */
export async function migrateLatest(db: Db): Promise<string[]> {
  await normalizeMigrationNames(db);
  const [, applied] = (await db.migrate.latest(migrationConfig())) as [number, string[]];
  return applied.map(bareMigrationName);
}

/**
 * The migrations on disk the database has not applied, read-only (a runtime role without DDL
 * rights can ask): rows under either historical name count as applied.
 */
export async function pendingMigrations(db: Db): Promise<string[]> {
  const onDisk = (await new BareNameMigrationSource().getMigrations()).map((m) => m.name);
  if (!(await db.schema.hasTable(MIGRATIONS_TABLE))) return onDisk;
  const rows = (await db(MIGRATIONS_TABLE).select('name')) as { name: string }[];
  const applied = new Set(rows.map((r) => bareMigrationName(r.name)));
  return onDisk.filter((name) => !applied.has(name));
}

/** True when every migration on disk has been applied. */
export async function migrationsCurrent(db: Db): Promise<boolean> {
  return (await pendingMigrations(db)).length === 0;
}
