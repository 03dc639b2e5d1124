import { parseArgs } from 'node:util';
import { startBaseline, type Baseline, type BaselineKind } from './baseline';
import { blastRadiusScenario } from './blast-radius';
import { consentCheckScenario } from './consent-check';
import { EVALUATIONS_PER_BATCH, decisionsBench, type LoadResult as DecisionLoadResult } from './decisions';
import { departmentsScenario } from './departments';
import { floorsScenario } from './floors';
import { oauthTimingScenario } from './oauth-timing';
import { requestPathScenario } from './request-path';
import { tokenScenario } from './token';
import {
  DEFAULT_SETTINGS,
  formatTable,
  load,
  machineSummary,
  startService,
  type BenchContext,
  type BenchRow,
  type BenchSettings,
  type LoadResult,
  type Scenario,
} from './lib';

// npm run bench [-- <scenario>…] [--seconds N] [--connections N] [--warmup N] [--max-requests N] [--log-level L] [--profile DIR] [--list]
// --profile DIR writes a V8 CPU profile of each service process started (node --cpu-prof) into DIR.
// Runs the registered scenarios (all, or those named) and prints one table with ratios against a
// bare Koa baseline measured in the same run. Set DATABASE_URL to run the services on PostgreSQL.

/** Every scenario, in the order they run. To add one: export a Scenario from test/bench/<name>.ts and list it here. */
const SCENARIOS: readonly Scenario[] = [
  requestPathScenario,
  departmentsScenario,
  tokenScenario,
  oauthTimingScenario,
  consentCheckScenario,
  blastRadiusScenario,
  floorsScenario,
  {
    name: 'decisions',
    description: `POST /v1/decisions and AuthZEN evaluations in batches of ${EVALUATIONS_PER_BATCH}, with 1,000 and 1,000,000 active grant-field entries (PostgreSQL), vs a bare Koa route parsing the same body`,
    async run(bench) {
      const r = await decisionsBench({
        databaseUrl: bench.settings.databaseUrl ?? 'postgres://root@127.0.0.1:5432/postgres',
        load: bench.load,
        seconds: bench.settings.durationSeconds,
        connections: bench.settings.connections,
        profileDir: bench.settings.profileDir,
      });
      const baseline = asResult(r.baseline);
      return [
        { scenario: 'decisions', result: baseline, notes: 'bare Koa, JSON body parsed' },
        ...r.runs.map((run) => ({
          scenario: 'decisions',
          result: asResult(run),
          baseline,
          notes: `${run.entries.toLocaleString('en')} entries, RSS ${run.rssMiB} MiB, start-up ${run.startupSeconds} s; ${run.commits}`,
        })),
        ...r.batches.map((run) => ({
          scenario: 'decisions',
          result: asResult(run),
          baseline,
          notes: `req/s and CPU columns: per evaluation (${EVALUATIONS_PER_BATCH} per request, each audited); p50/p99 per request; RSS ${run.rssMiB} MiB; ${run.commits}`,
        })),
      ];
    },
  },
];

/** decisions.ts keeps its own result shape; this maps it onto the table's. */
function asResult(r: DecisionLoadResult): LoadResult {
  const { label, requestsPerSecond, p50, p99, errors, non2xx, serverCpuMicros, machineCpuMicros } = r;
  return {
    label,
    requestsPerSecond,
    p50Ms: p50,
    p99Ms: p99,
    errors,
    non2xx,
    requests: 0,
    durationSeconds: 0,
    serverCpuMicros,
    machineCpuMicros,
  };
}

function positive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a number ≥ 0`);
  return n;
}

function createContext(settings: BenchSettings): BenchContext & { close(): Promise<void> } {
  const baselines = new Map<BaselineKind, { server: Promise<Baseline>; result?: Promise<LoadResult> }>();
  const serverFor = (kind: BaselineKind) => {
    let entry = baselines.get(kind);
    if (!entry) {
      entry = { server: startBaseline(kind) };
      baselines.set(kind, entry);
    }
    return entry;
  };
  return {
    settings,
    load: (label, options) => load(label, options, settings),
    baseline(kind) {
      const entry = serverFor(kind);
      entry.result ??= entry.server.then((b) =>
        load(
          kind === 'json' ? 'bare Koa: JSON route' : `bare Koa: sign an access token (${process.env.BASELINE_JWT_ALG ?? 'ES256'})`,
          { url: b.url, pid: b.process.pid },
          settings,
        ),
      );
      return entry.result;
    },
    startService: (env, nodeArgs) => startService(settings, env, nodeArgs),
    log: (message) => console.error(`bench: ${message}`),
    async close() {
      for (const entry of baselines.values()) await (await entry.server.catch(() => undefined))?.process.stop();
    },
  };
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      seconds: { type: 'string' },
      connections: { type: 'string' },
      warmup: { type: 'string' },
      'max-requests': { type: 'string' },
      'log-level': { type: 'string' },
      profile: { type: 'string' },
      list: { type: 'boolean', default: false },
    },
  });
  if (values.list) {
    for (const s of SCENARIOS) console.log(`${s.name.padEnd(14)} ${s.description}`);
    return 0;
  }
  const unknown = positionals.filter((name) => !SCENARIOS.some((s) => s.name === name));
  if (unknown.length > 0) {
    console.error(`unknown scenario: ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
    return 2;
  }
  const selected = positionals.length > 0 ? SCENARIOS.filter((s) => positionals.includes(s.name)) : SCENARIOS;
  const settings: BenchSettings = {
    ...DEFAULT_SETTINGS,
    durationSeconds: positive('seconds', values.seconds, DEFAULT_SETTINGS.durationSeconds),
    connections: Math.max(1, positive('connections', values.connections, DEFAULT_SETTINGS.connections)),
    warmupSeconds: positive('warmup', values.warmup, DEFAULT_SETTINGS.warmupSeconds),
    maxRequests: positive('max-requests', values['max-requests'], DEFAULT_SETTINGS.maxRequests),
    logLevel: values['log-level'] ?? DEFAULT_SETTINGS.logLevel,
    profileDir: values.profile,
  };

  const bench = createContext(settings);
  const rows: BenchRow[] = [];
  const failed: string[] = [];
  try {
    for (const scenario of selected) {
      bench.log(`running ${scenario.name}: ${scenario.description}`);
      try {
        rows.push(...(await scenario.run(bench)));
      } catch (err) {
        failed.push(scenario.name);
        console.error(`bench: ${scenario.name} failed:`, err);
      }
    }
  } finally {
    await bench.close();
  }
  console.log(machineSummary(settings));
  console.log('');
  console.log(formatTable(rows));
  if (failed.length > 0) console.log(`\nfailed scenarios: ${failed.join(', ')}`);
  return failed.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
process.once('SIGINT', () => process.exit(130));
