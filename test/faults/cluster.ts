import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import knexFactory from 'knex';
import { freePort } from '../bench/lib';

const run = promisify(execFile);
const SERVER_ROOTS = ['/usr/lib/postgresql'];

/** The newest PostgreSQL server binaries on this machine (PG_BIN overrides). */
export function findServerBinaries(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const candidates = SERVER_ROOTS.flatMap((root) =>
    fs.existsSync(root)
      ? fs
          .readdirSync(root)
          .map((version) => path.join(root, version, 'bin'))
          .filter((bin) => fs.existsSync(path.join(bin, 'initdb')) && fs.existsSync(path.join(bin, 'pg_ctl')))
      : [],
  );
  candidates.sort((a, b) => Number(path.basename(path.dirname(b))) - Number(path.basename(path.dirname(a))));
  if (candidates.length === 0) {
    throw new Error(
      'The fault suite starts its own PostgreSQL cluster but found no server binaries (initdb, pg_ctl) under /usr/lib/postgresql/*/bin; set PG_BIN',
    );
  }
  return candidates[0];
}

/**
 * A PostgreSQL cluster of the fault suite's own (initdb into a temporary directory, trust auth on
 * 127.0.0.1 and a free port), so stopping and crashing it never disturbs anything else using the
 * machine's cluster. Run as the postgres OS user when the tests run as root (initdb refuses root).
 */
export class PrivateCluster {
  readonly port: number;
  private readonly dataDir: string;
  private readonly logFile: string;

  private constructor(
    private readonly bin: string,
    private readonly root: string,
    port: number,
  ) {
    this.port = port;
    this.dataDir = path.join(root, 'data');
    this.logFile = path.join(root, 'postgres.log');
  }

  static async create(): Promise<PrivateCluster> {
    const bin = findServerBinaries();
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-faults-'));
    const cluster = new PrivateCluster(bin, root, await freePort());
    if (asRoot()) await run('chown', ['postgres:postgres', root]);
    await cluster.pg('initdb', ['-D', cluster.dataDir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync']);
    await cluster.start();
    return cluster;
  }

  /** postgres://postgres@127.0.0.1:<port>/<database> */
  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  async createDatabase(name: string): Promise<string> {
    const admin = knexFactory({ client: 'pg', connection: this.url(), pool: { min: 0, max: 1 } });
    try {
      await admin.raw(`create database ${name}`);
    } finally {
      await admin.destroy();
    }
    return this.url(name);
  }

  async start(): Promise<void> {
    const options = `-p ${this.port} -k ${this.root} -c listen_addresses=127.0.0.1 -c max_connections=200`;
    await this.pg('pg_ctl', ['-D', this.dataDir, '-l', this.logFile, '-o', options, '-w', '-t', '120', 'start']);
  }

  /** fast: sessions are ended and transactions rolled back; immediate: a crash, recovered from the WAL at the next start. */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await this.pg('pg_ctl', ['-D', this.dataDir, '-m', mode, '-w', '-t', '120', 'stop']);
  }

  async destroy(): Promise<void> {
    await this.stop('immediate').catch(() => undefined);
    fs.rmSync(this.root, { recursive: true, force: true });
  }

  /** The server's log, for a failing test's message. */
  log(): string {
    return fs.existsSync(this.logFile) ? fs.readFileSync(this.logFile, 'utf8').slice(-4000) : '';
  }

  private async pg(tool: string, args: string[]): Promise<void> {
    const exe = path.join(this.bin, tool);
    const [cmd, argv] = asRoot() ? ['runuser', ['-u', 'postgres', '--', exe, ...args]] : [exe, args];
    try {
      await run(cmd, argv, { cwd: this.root, timeout: 180_000 });
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`${tool} ${args.join(' ')} failed: ${e.stderr || e.message}\n${this.log()}`, { cause: err });
    }
  }
}

const asRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;
