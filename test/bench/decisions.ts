import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory from 'knex';
import { loadDevStaffKey, signDevStaffToken } from '../../services/auth';
import { DEV_STAFF_ISSUER, DEFAULT_STAFF_AUDIENCE } from '../../services/config';
import { createDatabase, migrateLatest } from '../../services/db';
import { adminUrl } from '../helpers/database';
import { freePort, rssMiB, type LoadOptions, type LoadResult as SharedLoadResult } from './lib';
import { BENCH_PURPOSE, assetKey, fieldName, seedGrants, vendorId, type GrantSeedShape } from './seed-grants';

// POST /v1/decisions with 1,000 and 1,000,000 active grant-field entries, every decision durably
// audited, and AuthZEN boxcarred evaluations (POST /access/v1/evaluations, EVALUATIONS_PER_BATCH
// per request, each evaluation audited) on the same service, against a bare Koa route parsing the
// same JSON body, measured in the same run with the same load generator (test/bench/lib.ts: warm-up,
// then the measured run).

const ROOT = path.resolve(__dirname, '..', '..');
// One node process (tsx as a loader, not a wrapper), so its pid is the server's for RSS.
const NODE_ARGS = ['--import', 'tsx'];

export interface LoadResult {
  label: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  serverCpuMicros?: number;
  machineCpuMicros?: number;
}

export interface DecisionBenchResult {
  baseline: LoadResult;
  runs: Array<LoadResult & { entries: number; startupSeconds: number; rssMiB: number; ratio: number; commits: string }>;
  /** AuthZEN boxcarred evaluations: requestsPerSecond and CPU are per evaluation, p50/p99 per request. */
  batches: Array<LoadResult & { entries: number; rssMiB: number; ratio: number; commits: string }>;
}

function startProcess(args: string[], env: Record<string, string>, nodeArgs: readonly string[] = []): ChildProcess {
  return spawn(process.execPath, [...nodeArgs, ...NODE_ARGS, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function waitFor(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not become ready in ${timeoutMs} ms`);
}

/** What the service's GET /metrics says about its group commit and heap (development mode serves it on the main port). */
interface ServiceGauges {
  readonly batches: number;
  readonly events: number;
  readonly heapUsedMiB: number;
}

async function gauges(base: string): Promise<ServiceGauges> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? NaN);
  return {
    batches: value('governance_group_commit_batch_size_count'),
    events: value('governance_group_commit_batch_size_sum'),
    heapUsedMiB: Math.round(value('nodejs_heap_size_used_bytes') / 2 ** 20),
  };
}

/** Audit events per group-commit batch between two readings, and the heap at the second. */
function commitNotes(before: ServiceGauges, after: ServiceGauges): string {
  const perBatch = (after.events - before.events) / (after.batches - before.batches);
  return `${Number.isFinite(perBatch) ? perBatch.toFixed(1) : '?'} events per commit, heap used ${after.heapUsedMiB} MiB`;
}

/** Evaluations per AuthZEN boxcarred request in the batch runs. */
export const EVALUATIONS_PER_BATCH = 20;

/** The shared load generator (warm-up, then the measured run; CPU per request from /proc). */
export type LoadFn = (label: string, options: LoadOptions) => Promise<SharedLoadResult>;

function fromShared(r: SharedLoadResult, per = 1): LoadResult {
  return {
    label: r.label,
    requestsPerSecond: r.requestsPerSecond * per,
    p50: r.p50Ms,
    p99: r.p99Ms,
    errors: r.errors,
    non2xx: r.non2xx,
    serverCpuMicros: r.serverCpuMicros === undefined ? undefined : Math.round(r.serverCpuMicros / per),
    machineCpuMicros: r.machineCpuMicros === undefined ? undefined : Math.round(r.machineCpuMicros / per),
  };
}

const BASELINE_SOURCE = `
const Koa = require('koa'); const { bodyParser } = require('@koa/bodyparser'); const Router = require('@koa/router');
const app = new Koa(); const router = new Router();
router.post('/decide', (ctx) => { ctx.body = { decision: 'allow', fields: ctx.request.body.fields }; });
app.use(bodyParser()); app.use(router.routes()); app.listen(Number(process.env.PORT));`;

async function pepToken(base: string, dataDir: string): Promise<string> {
  const admin = await signDevStaffToken(loadDevStaffKey(dataDir), {
    sub: 'bench-admin',
    issuer: DEV_STAFF_ISSUER,
    audience: DEFAULT_STAFF_AUDIENCE,
  });
  const reg = await fetch(`${base}/v1/clients`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench-pep', roles: ['pep'], scopes: [], tokenEndpointAuthMethod: 'client_secret_basic' }),
  });
  const client = (await reg.json()) as { clientId: string; clientSecret: string };
  if (!reg.ok) throw new Error(`client registration failed: ${JSON.stringify(client)}`);
  const tok = await fetch(`${base}/oauth/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  const token = (await tok.json()) as { access_token: string };
  if (!tok.ok) throw new Error(`token request failed: ${JSON.stringify(token)}`);
  return token.access_token;
}

export async function decisionsBench(options: {
  databaseUrl: string;
  load: LoadFn;
  sizes?: GrantSeedShape[];
  seconds?: number;
  connections?: number;
  /** Each service process writes a V8 CPU profile here. */
  profileDir?: string;
}): Promise<DecisionBenchResult> {
  const seconds = options.seconds ?? 10;
  const connections = options.connections ?? 32;
  const sizes = options.sizes ?? [
    { vendors: 2, assets: 25, fieldsPerAsset: 20 },
    { vendors: 2000, assets: 25, fieldsPerAsset: 20 },
  ];
  const basePort = await freePort();
  const baselineProc = startProcess(['-e', BASELINE_SOURCE], { PORT: String(basePort) });
  const runs: DecisionBenchResult['runs'] = [];
  const batches: DecisionBenchResult['batches'] = [];
  let baseline: LoadResult | undefined;
  try {
    await waitFor(`http://127.0.0.1:${basePort}/`, 20_000).catch(() => undefined);
    const body = (shape: GrantSeedShape) => () => {
      const v = 1 + Math.floor(Math.random() * shape.vendors);
      const a = 1 + Math.floor(Math.random() * shape.assets);
      const f = 1 + Math.floor(Math.random() * shape.fieldsPerAsset);
      const g = 1 + ((f + 3) % shape.fieldsPerAsset);
      return JSON.stringify({
        vendor: vendorId(v),
        asset: assetKey(a),
        fields: [fieldName(f), fieldName(g)],
        action: 'read',
        purpose: BENCH_PURPOSE,
        records: 1,
      });
    };
    // Boxcarred AuthZEN evaluations: one vendor, EVALUATIONS_PER_BATCH resources (an asset and two fields each).
    const batchBody = (shape: GrantSeedShape) => () => {
      const v = 1 + Math.floor(Math.random() * shape.vendors);
      const evaluations = Array.from({ length: EVALUATIONS_PER_BATCH }, () => {
        const a = 1 + Math.floor(Math.random() * shape.assets);
        const f = 1 + Math.floor(Math.random() * shape.fieldsPerAsset);
        const g = 1 + ((f + 3) % shape.fieldsPerAsset);
        return { resource: { type: 'data_asset', id: assetKey(a), properties: { fields: [fieldName(f), fieldName(g)] } } };
      });
      return JSON.stringify({
        subject: { type: 'vendor', id: vendorId(v) },
        action: { name: 'read' },
        context: { purpose: BENCH_PURPOSE, records: 1 },
        evaluations,
      });
    };
    const post = (url: string, bodies: () => string, pid: number | undefined, token?: string): LoadOptions => ({
      url,
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: bodies,
      connections,
      durationSeconds: seconds,
      pid,
    });
    baseline = fromShared(
      await options.load('bare Koa route', post(`http://127.0.0.1:${basePort}/decide`, body(sizes[0]), baselineProc.pid)),
    );
    for (const shape of sizes) {
      const entries = shape.vendors * shape.assets * shape.fieldsPerAsset;
      const dbName = `bench_decisions_${entries}_${process.pid}`;
      const admin = knexFactory({ client: 'pg', connection: adminUrl(options.databaseUrl), pool: { min: 0, max: 1 } });
      await admin.raw(`drop database if exists ${dbName} with (force)`);
      await admin.raw(`create database ${dbName}`);
      const url = adminUrl(options.databaseUrl, dbName);
      const db = createDatabase({ databaseUrl: url, poolMax: 2 });
      await migrateLatest(db);
      await seedGrants(db, shape);
      await db.destroy();
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'));
      const port = await freePort();
      const started = Date.now();
      const service = startProcess(
        ['services/server.ts'],
        {
          DATABASE_URL: url,
          DATA_DIR: dataDir,
          PORT: String(port),
          LOG_LEVEL: 'warn',
          BOOTSTRAP_ADMIN_SUBJECTS: 'bench-admin',
          DATABASE_POOL_MAX: '10',
        },
        options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] : [],
      );
      try {
        const base = `http://127.0.0.1:${port}`;
        await waitFor(`${base}/readyz`, 120_000);
        const startupSeconds = (Date.now() - started) / 1000;
        const token = await pepToken(base, dataDir);
        const probe = await fetch(`${base}/v1/decisions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: body(shape)(),
        });
        const answer = (await probe.json()) as { decision?: string };
        if (!probe.ok || answer.decision !== 'allow') throw new Error(`probe decision failed: ${probe.status} ${JSON.stringify(answer)}`);
        const beforeSingle = await gauges(base);
        const result = fromShared(
          await options.load(
            `decisions, ${entries.toLocaleString('en')} entries`,
            post(`${base}/v1/decisions`, body(shape), service.pid, token),
          ),
        );
        runs.push({
          ...result,
          entries,
          startupSeconds,
          rssMiB: rssMiB(service.pid ?? 0),
          ratio: result.requestsPerSecond / baseline.requestsPerSecond,
          commits: commitNotes(beforeSingle, await gauges(base)),
        });
        const batchProbe = await fetch(`${base}/access/v1/evaluations`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: batchBody(shape)(),
        });
        const batchAnswer = (await batchProbe.json()) as { evaluations?: Array<{ decision: boolean }> };
        if (
          !batchProbe.ok ||
          batchAnswer.evaluations?.length !== EVALUATIONS_PER_BATCH ||
          !batchAnswer.evaluations.every((e) => e.decision)
        )
          throw new Error(`probe evaluations failed: ${batchProbe.status} ${JSON.stringify(batchAnswer).slice(0, 500)}`);
        const beforeBatch = await gauges(base);
        const batch = fromShared(
          await options.load(
            `AuthZEN evaluations, batches of ${EVALUATIONS_PER_BATCH}, ${entries.toLocaleString('en')} entries`,
            post(`${base}/access/v1/evaluations`, batchBody(shape), service.pid, token),
          ),
          EVALUATIONS_PER_BATCH,
        );
        batches.push({
          ...batch,
          entries,
          rssMiB: rssMiB(service.pid ?? 0),
          ratio: batch.requestsPerSecond / baseline.requestsPerSecond,
          commits: commitNotes(beforeBatch, await gauges(base)),
        });
      } finally {
        service.kill('SIGTERM');
        await new Promise((r) => service.once('exit', r));
        await admin.raw(`drop database if exists ${dbName} with (force)`);
        await admin.destroy();
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    }
  } finally {
    baselineProc.kill('SIGTERM');
  }
  return { baseline, runs, batches };
}
