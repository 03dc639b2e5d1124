import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Raised when another live process holds DATA_DIR's embedded database; names that process. */
export class DataDirLockedError extends Error {
  constructor(
    readonly lockFile: string,
    readonly holder: LockHolder,
  ) {
    super(
      `DATA_DIR ${path.dirname(lockFile)} is in use by process ${holder.pid} on ${holder.host} (${holder.command}, since ${holder.since}): ` +
        'the embedded database belongs to one process at a time. Stop that process first, or share a PostgreSQL database (DATABASE_URL) between processes.' +
        (holder.host === os.hostname() ? '' : ` If that host's process is gone, remove ${lockFile}.`),
    );
    this.name = 'DataDirLockedError';
  }
}

export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  readonly command: string;
  readonly since: string;
}

export interface DataDirLock {
  readonly file: string;
  release(): void;
}

export const LOCK_FILE_NAME = 'pglite.lock';

/** Lock files this process holds now (a second open in the same process is refused like any other). */
const heldHere = new Set<string>();

function readHolder(file: string): LockHolder | undefined {
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LockHolder>;
    if (typeof parsed.pid !== 'number' || typeof parsed.host !== 'string') return undefined;
    return { pid: parsed.pid, host: parsed.host, command: String(parsed.command ?? 'unknown'), since: String(parsed.since ?? 'unknown') };
  } catch {
    return undefined;
  }
}

/**
 * A holder on this host whose pid is gone left a stale lock; so did one with our pid that this
 * process does not hold (a restarted container runs as pid 1 again).
 */
function isStale(file: string, holder: LockHolder | undefined): boolean {
  if (holder === undefined) return true; // unreadable: not a lock this code wrote
  if (holder.host !== os.hostname()) return false; // cannot probe another host's processes
  if (holder.pid === process.pid) return !heldHere.has(file);
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Takes DATA_DIR for this process: an exclusively created lock file holding our pid. A lock whose
 * process is dead is taken over; a live one is refused with DataDirLockedError. Released on
 * `release()` and, as a last resort, when the process exits.
 */
export function acquireDataDirLock(dataDir: string, command: string): DataDirLock {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, LOCK_FILE_NAME);
  const mine: LockHolder = { pid: process.pid, host: os.hostname(), command, since: new Date().toISOString() };
  const content = `${JSON.stringify(mine)}\n`;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    // Written whole, then linked into place: the lock file never exists half-written.
    const draft = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(draft, content, { mode: 0o600 });
    try {
      fs.linkSync(draft, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      fs.rmSync(draft, { force: true });
    }
    if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === content) {
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        heldHere.delete(file);
        process.removeListener('exit', release);
        // Only our own lock: never remove one a successor took over.
        if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === content) fs.rmSync(file, { force: true });
      };
      heldHere.add(file);
      process.once('exit', release);
      return { file, release };
    }
    const before = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
    const holder = readHolder(file);
    if (!isStale(file, holder)) throw new DataDirLockedError(file, holder as LockHolder);
    // Take over a stale lock only if nobody replaced it since we read it.
    if (before !== undefined && fs.existsSync(file) && fs.readFileSync(file, 'utf8') === before) fs.rmSync(file, { force: true });
  }
  const holder = readHolder(file);
  throw new DataDirLockedError(file, holder ?? { pid: 0, host: 'unknown', command: 'unknown', since: 'unknown' });
}
