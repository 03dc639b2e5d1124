import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import knexFactory from 'knex';
import { loadDevStaffKey, signDevStaffToken } from '../../services/auth';
import { DEFAULT_STAFF_AUDIENCE, DEV_STAFF_ISSUER } from '../../services/config';
import { adminUrl } from '../helpers/database';

// The benchmark toolkit: a bounded load generator (autocannon, loopback only), servers in their
// own processes, and the table that `npm run bench` prints. Scenarios use only what is exported here.

export const ROOT = path.resolve(__dirname, '..', '..');
/** One node process per server (tsx as a loader, not a wrapper), so its pid is the server's for RSS. */
const NODE_ARGS = ['--import', 'tsx'];

export interface LoadOptions {
  /** http://127.0.0.1:port/… — anything but loopback is refused. */
  readonly url: string;
  readonly method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly headers?: Readonly<Record<string, string>>;
  /** A fixed body, or a function called for every request (e.g. to vary the subject). */
  readonly body?: string | (() => string);
  /** A function called for every request for its path and query (otherwise the url's). */
  readonly path?: () => string;
  readonly connections?: number;
  readonly durationSeconds?: number;
  /** Stops earlier once this many requests have been sent. */
  readonly maxRequests?: number;
  /** Unmeasured load before the measurement, so the JIT and the pools are warm. */
  readonly warmupSeconds?: number;
  /** The server's process: its CPU time over the measured run is reported per request. */
  readonly pid?: number;
}

export interface LoadResult {
  readonly label: string;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Connection errors and timeouts. */
  readonly errors: number;
  readonly non2xx: number;
  readonly requests: number;
  readonly durationSeconds: number;
  /** CPU time (user + system) the server's process spent per request over the measured run, in µs. */
  readonly serverCpuMicros?: number;
  /** CPU time the whole machine was busy per request (server, database, load generator, kernel), in µs. */
  readonly machineCpuMicros?: number;
}

export interface BenchSettings {
  readonly durationSeconds: number;
  readonly connections: number;
  readonly maxRequests: number;
  readonly warmupSeconds: number;
  readonly logLevel: string;
  /** Set when the run uses PostgreSQL: each service gets a fresh database created from it. */
  readonly databaseUrl: string | undefined;
  /** When set, every service process writes a V8 CPU profile here (node --cpu-prof). */
  readonly profileDir?: string;
}

export const DEFAULT_SETTINGS: BenchSettings = {
  durationSeconds: 10,
  connections: 32,
  maxRequests: 2_000_000,
  warmupSeconds: 2,
  logLevel: 'info',
  databaseUrl: process.env.DATABASE_URL || undefined,
};

export function assertLoopback(url: string): void {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  if (!(host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host))) {
    throw new Error(`benchmarks send load to loopback addresses only, not ${host}`);
  }
}

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds (user + system) a process has used so far, from /proc; undefined where there is no /proc. */
function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces: utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** CPU seconds the whole machine has been busy so far (every core, everything but idle and I/O wait). */
function machineBusySeconds(): number | undefined {
  try {
    const [, ...ticks] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = ticks;
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/**
 * Starts counting CPU time; the function it returns gives the µs per request since then, of the
 * server's process (when its pid is known) and of the machine. Where the throughput ratio is below
 * target, these say whose CPU time per request it is.
 */
export function cpuMeter(pid: number | undefined): (requests: number) => { serverCpuMicros?: number; machineCpuMicros?: number } {
  const server = pid === undefined ? undefined : processCpuSeconds(pid);
  const machine = machineBusySeconds();
  return (requests) => {
    const perRequest = (start: number | undefined, end: number | undefined) =>
      start === undefined || end === undefined || requests === 0 ? undefined : Math.round(((end - start) * 1e6) / requests);
    return {
      serverCpuMicros: perRequest(server, pid === undefined ? undefined : processCpuSeconds(pid)),
      machineCpuMicros: perRequest(machine, machineBusySeconds()),
    };
  };
}

/** Runs a bounded load (time and count) against one URL and summarises it. */
export async function load(label: string, options: LoadOptions, settings: BenchSettings = DEFAULT_SETTINGS): Promise<LoadResult> {
  assertLoopback(options.url);
  const connections = options.connections ?? settings.connections;
  const run = (durationSeconds: number, maxRequests: number) => {
    const body = options.body;
    return autocannon({
      url: options.url,
      method: options.method ?? 'GET',
      headers: { ...options.headers },
      connections,
      duration: durationSeconds,
      maxOverallRequests: Math.max(maxRequests, connections),
      timeout: 10,
      ...(typeof body === 'function' || options.path
        ? {
            requests: [
              {
                setupRequest: (req) => ({
                  ...req,
                  ...(typeof body === 'function' ? { body: body() } : {}),
                  ...(options.path ? { path: options.path() } : {}),
                }),
              },
            ],
          }
        : {}),
      ...(typeof body === 'string' ? { body } : {}),
    });
  };
  const warmup = options.warmupSeconds ?? settings.warmupSeconds;
  if (warmup > 0) await run(warmup, options.maxRequests ?? settings.maxRequests);
  const cpu = cpuMeter(options.pid);
  const result = await run(options.durationSeconds ?? settings.durationSeconds, options.maxRequests ?? settings.maxRequests);
  const used = cpu(result.requests.total);
  const durationSeconds = result.duration > 0 ? result.duration : 1;
  return {
    label,
    requestsPerSecond: Math.round(result.requests.total / durationSeconds),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    requests: result.requests.total,
    durationSeconds: Math.round(durationSeconds * 10) / 10,
    ...used,
  };
}

/** A free TCP port on loopback (asked of the kernel, then released for the child to take). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function waitFor(url: string, timeoutMs: number, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`the process serving ${url} exited with code ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not become ready in ${timeoutMs} ms`);
}

export function rssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
}

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

export interface NodeProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  stop(): Promise<void>;
}

/** Starts `node [nodeArgs] --import tsx <args>` from the project root; stderr is shown, stdout dropped. */
export function startNodeProcess(
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  nodeArgs: readonly string[] = [],
): NodeProcess {
  const child = spawn(process.execPath, [...nodeArgs, ...NODE_ARGS, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    pid: child.pid ?? 0,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
      children.delete(child);
    },
  };
}

export interface ServiceProcess {
  readonly url: string;
  readonly pid: number;
  readonly dataDir: string;
  /** The fresh database this service runs on (PostgreSQL runs only). */
  readonly databaseUrl: string | undefined;
  /** Seconds from spawn to a 200 from /readyz. */
  readonly startupSeconds: number;
  /** A development-mode staff token for `sub`, signed by the service's local key. */
  staffToken(sub: string): Promise<string>;
  /** fetch() against the service with a staff token; throws with the problem body on a non-2xx. */
  call<T = unknown>(sub: string, method: string, pathName: string, body?: unknown): Promise<T>;
  rssMiB(): number;
  stop(): Promise<void>;
}

export const BENCH_ADMIN = 'bench-admin';

/**
 * Starts the service as `npm start` would, in development mode (local staff key), on a temporary
 * DATA_DIR with PGlite, or on a fresh PostgreSQL database when the run has DATABASE_URL.
 */
export async function startService(
  settings: BenchSettings,
  env: Readonly<Record<string, string>> = {},
  /** Extra node flags, e.g. ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] to profile a scenario. */
  nodeArgs: readonly string[] = [],
): Promise<ServiceProcess> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'));
  let databaseUrl: string | undefined;
  let dropDatabase = async () => {};
  if (settings.databaseUrl) {
    const name = `bench_${process.pid}_${crypto.randomBytes(3).toString('hex')}`;
    const admin = knexFactory({ client: 'pg', connection: adminUrl(settings.databaseUrl), pool: { min: 0, max: 1 } });
    await admin.raw(`create database ${name}`);
    databaseUrl = adminUrl(settings.databaseUrl, name);
    dropDatabase = async () => {
      await admin.raw(`drop database if exists ${name} with (force)`);
      await admin.destroy();
    };
  }
  const port = await freePort();
  const started = Date.now();
  const proc = startNodeProcess(
    ['services/server.ts'],
    {
      PORT: String(port),
      DATA_DIR: dataDir,
      LOG_LEVEL: settings.logLevel,
      BOOTSTRAP_ADMIN_SUBJECTS: BENCH_ADMIN,
      NODE_ENV: 'development',
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      ...env,
    },
    settings.profileDir ? [...nodeArgs, '--cpu-prof', `--cpu-prof-dir=${settings.profileDir}`] : nodeArgs,
  );
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await proc.stop();
    await dropDatabase();
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await waitFor(`${url}/readyz`, 180_000, proc.child);
  } catch (err) {
    await stop();
    throw err;
  }
  const startupSeconds = Math.round((Date.now() - started) / 100) / 10;
  const staffToken = (sub: string) =>
    signDevStaffToken(loadDevStaffKey(dataDir), { sub, issuer: DEV_STAFF_ISSUER, audience: DEFAULT_STAFF_AUDIENCE, ttlSeconds: 3600 });
  return {
    url,
    pid: proc.pid,
    dataDir,
    databaseUrl,
    startupSeconds,
    staffToken,
    async call<T>(sub: string, method: string, pathName: string, body?: unknown): Promise<T> {
      const res = await fetch(`${url}${pathName}`, {
        method,
        headers: {
          authorization: `Bearer ${await staffToken(sub)}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${pathName} answered ${res.status}: ${text}`);
      return (text ? JSON.parse(text) : undefined) as T;
    },
    rssMiB: () => rssMiB(proc.pid),
    stop,
  };
}

/** One line of the printed table: a measurement and, when it has one, the baseline it is compared with. */
export interface BenchRow {
  readonly scenario: string;
  readonly result: LoadResult;
  readonly baseline?: LoadResult;
  /** Anything else worth printing: data size, RSS, start-up time. */
  readonly notes?: string;
}

export interface BenchContext {
  readonly settings: BenchSettings;
  load(label: string, options: LoadOptions): Promise<LoadResult>;
  /** The bare Koa baseline, measured once per run and per kind with the run's settings. */
  baseline(kind: 'json' | 'jwt'): Promise<LoadResult>;
  startService(env?: Readonly<Record<string, string>>, nodeArgs?: readonly string[]): Promise<ServiceProcess>;
  log(message: string): void;
}

/** A benchmark scenario: registered in test/bench/run.ts, selected by name on the command line. */
export interface Scenario {
  readonly name: string;
  readonly description: string;
  run(bench: BenchContext): Promise<BenchRow[]>;
}

export function ratio(result: LoadResult, baseline: LoadResult | undefined): string {
  if (!baseline || baseline.requestsPerSecond === 0) return '';
  return `${(result.requestsPerSecond / baseline.requestsPerSecond).toFixed(2)} ×`;
}

/** A plain-text table: one row per measurement, baselines shown with their own numbers. */
export function formatTable(rows: readonly BenchRow[]): string {
  const header = [
    'scenario',
    'measurement',
    'req/s',
    'p50 ms',
    'p99 ms',
    'errors',
    'non-2xx',
    'vs baseline',
    'server CPU µs/req',
    'machine CPU µs/req',
    'notes',
  ];
  const lines = rows.map((r) => [
    r.scenario,
    r.result.label,
    r.result.requestsPerSecond.toLocaleString('en'),
    String(r.result.p50Ms),
    String(r.result.p99Ms),
    String(r.result.errors),
    String(r.result.non2xx),
    ratio(r.result, r.baseline),
    r.result.serverCpuMicros === undefined ? '' : r.result.serverCpuMicros.toLocaleString('en'),
    r.result.machineCpuMicros === undefined ? '' : r.result.machineCpuMicros.toLocaleString('en'),
    r.notes ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const numeric = new Set([2, 3, 4, 5, 6, 7, 8, 9]);
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => (numeric.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join(' | ')
      .trimEnd();
  return [fmt(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...lines.map(fmt)].join('\n');
}

export function machineSummary(settings: BenchSettings): string {
  const cpus = os.cpus();
  return [
    `machine: ${cpus[0]?.model ?? 'unknown CPU'} × ${cpus.length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}, node ${process.version}`,
    `load: autocannon, ${settings.connections} connections, ${settings.durationSeconds} s after ${settings.warmupSeconds} s warm-up (at most ${settings.maxRequests.toLocaleString('en')} requests), loopback; servers in their own processes; service LOG_LEVEL=${settings.logLevel}; database: ${settings.databaseUrl ? 'PostgreSQL (fresh database per service)' : 'PGlite'}`,
    'CPU µs/req: CPU time per request over the measured run, of the server process alone (its JavaScript runs on one thread, so ~1,000,000 µs per second is its ceiling) and of the whole machine (server, database, load generator, kernel)',
  ].join('\n');
}
