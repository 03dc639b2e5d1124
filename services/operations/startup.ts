import pg from 'pg';
import { ConfigError } from '../config';
import { DataDirLockedError } from '../data-dir-lock';
import { isDatabaseUnavailable } from '../shared/errors';

/** A start-up refusal whose message is the whole story (no stack trace needed). */
export class StartupError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'StartupError';
  }
}

/** host:port/database of a DATABASE_URL, never its user or password. */
export function describeDatabaseUrl(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    return `${url.hostname}:${url.port || '5432'}${url.pathname}`;
  } catch {
    return 'DATABASE_URL';
  }
}

/**
 * One connection attempt before anything else: the pool would only say "timeout acquiring a
 * connection", while this names the cause (refused, unknown host, password, missing database).
 */
export async function probePostgres(databaseUrl: string, timeoutMs = 5000): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: timeoutMs });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (err) {
    const e = err as { code?: string; message?: string };
    throw new StartupError(
      `the database at ${describeDatabaseUrl(databaseUrl)} cannot be used: ${e.message ?? String(err)}${e.code ? ` (${e.code})` : ''}`,
      'database_unavailable',
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The message and stable code of a start-up failure, for its one JSON log line. */
export function describeStartupFailure(err: unknown): { message: string; code: string } {
  if (err instanceof StartupError) return { message: err.message, code: err.code };
  if (err instanceof ConfigError) return { message: err.message, code: 'invalid_configuration' };
  if (err instanceof DataDirLockedError) return { message: err.message, code: 'data_dir_locked' };
  const e = err as { code?: unknown; message?: unknown };
  if (e?.code === 'EADDRINUSE' || e?.code === 'EACCES' || e?.code === 'EADDRNOTAVAIL') {
    return { message: `cannot listen: ${String(e.message)}`, code: 'listen_failed' };
  }
  if (isDatabaseUnavailable(err))
    return { message: `the database cannot be reached: ${String(e?.message ?? err)}`, code: 'database_unavailable' };
  return { message: String(e?.message ?? err), code: 'startup_failed' };
}
