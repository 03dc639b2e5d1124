import crypto from 'node:crypto';
import Koa from 'koa';
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import knexFactory from 'knex';
import pg from 'pg';
import { adminUrl } from '../helpers/database';
import { freePort, startNodeProcess, waitFor, type BenchContext, type BenchRow, type NodeProcess, type Scenario } from './lib';

// What the database alone costs on this machine, with the same load generator: bare Koa routes
// that do only the database work of the targets, with the plain pg client and nothing of ours.
//   post:         no database: a JSON body parsed and answered (the decisions bench's baseline);
//   write:        the same, and group-commits one row per request (durable before the answer, as decisions are);
//   read:         reads one row by primary key per request;
//   read-batched: the same read, concurrent requests sharing one statement (as consent checks do).
// If a floor is far below 0.5 × bare Koa, the database rules a target out; if not, our own path does.

export type FloorKind = 'post' | 'write' | 'read' | 'read-batched';
const ROWS = 200_000;

interface Waiting<T> {
  readonly value: T;
  readonly resolve: (answer: unknown) => void;
  readonly reject: (err: unknown) => void;
}

/** Up to two batches in flight; whatever arrives meanwhile waits for the next. */
function batching<T>(run: (values: T[]) => Promise<unknown[]>): (value: T) => Promise<unknown> {
  let queue: Waiting<T>[] = [];
  let running = 0;
  const lane = async () => {
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      try {
        const answers = await run(batch.map((w) => w.value));
        batch.forEach((w, i) => w.resolve(answers[i]));
      } catch (err) {
        for (const w of batch) w.reject(err);
      }
    }
    running -= 1;
  };
  return (value) =>
    new Promise((resolve, reject) => {
      queue.push({ value, resolve, reject });
      if (running < 2) {
        running += 1;
        setImmediate(() => void lane());
      }
    });
}

export function createFloorApp(kind: FloorKind, databaseUrl: string): Koa {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  const app = new Koa();
  const router = new Router();
  if (kind === 'post' || kind === 'write') {
    const write = batching<string>(async (rows) => {
      await pool.query(`insert into floor_events (details) values ${rows.map((_, i) => `($${i + 1}::jsonb)`).join(',')}`, rows);
      return rows.map(() => true);
    });
    router.get('/', (ctx) => {
      ctx.body = { ready: true };
    });
    router.post('/', async (ctx) => {
      const body = ctx.request.body as { fields?: unknown };
      const answer = { decision: 'allow', fields: body.fields };
      if (kind === 'write') await write(JSON.stringify({ ...body, ...answer }));
      ctx.body = answer;
    });
  } else {
    const readOne = (key: number) =>
      pool
        .query({ name: 'floor_one', text: 'select seq from floor_events where seq = $1', values: [key] })
        .then((r) => r.rows[0]?.seq as unknown);
    const readMany = batching<number>(async (keys) => {
      const { rows } = await pool.query({
        name: 'floor_many',
        text: 'select q.i, e.seq from unnest($1::int[]) with ordinality q (k, i) left join lateral (select seq from floor_events e where e.seq = q.k) e on true',
        values: [keys],
      });
      const byIndex = new Map(rows.map((r: { i: string | number; seq: unknown }) => [Number(r.i), r.seq]));
      return keys.map((_, i) => byIndex.get(i + 1));
    });
    router.get('/', async (ctx) => {
      const key = Number(ctx.query.k);
      const seq = kind === 'read' ? await readOne(key) : await readMany(key);
      ctx.body = { consented: seq !== undefined && seq !== null, seq };
    });
  }
  app.use(bodyParser());
  app.use(router.routes());
  return app;
}

async function startFloor(kind: FloorKind, databaseUrl: string): Promise<{ url: string; process: NodeProcess }> {
  const port = await freePort();
  const proc = startNodeProcess(['test/bench/floors.ts'], { FLOOR_KIND: kind, FLOOR_DATABASE_URL: databaseUrl, PORT: String(port) });
  const url = `http://127.0.0.1:${port}/`;
  try {
    await waitFor(`${url}?k=1`, 60_000, proc.child);
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return { url, process: proc };
}

export async function floorsBench(bench: BenchContext): Promise<BenchRow[]> {
  const serverUrl = bench.settings.databaseUrl ?? 'postgres://root@127.0.0.1:5432/postgres';
  const name = `bench_floors_${process.pid}_${crypto.randomBytes(3).toString('hex')}`;
  const admin = knexFactory({ client: 'pg', connection: adminUrl(serverUrl), pool: { min: 0, max: 1 } });
  await admin.raw(`create database ${name}`);
  const databaseUrl = adminUrl(serverUrl, name);
  const db = knexFactory({ client: 'pg', connection: databaseUrl, pool: { min: 0, max: 1 } });
  const rows: BenchRow[] = [];
  try {
    await db.raw('create table floor_events (seq bigserial primary key, details jsonb not null)');
    await db.raw(`insert into floor_events (details) select jsonb_build_object('n', n) from generate_series(1, ${ROWS}) n`);
    await db.raw('vacuum analyze floor_events');
    const json = await bench.baseline('json');
    const decideBody = () =>
      JSON.stringify({
        vendor: crypto.randomUUID(),
        asset: 'bench.asset_1',
        fields: ['field_1', 'field_2'],
        action: 'read',
        purpose: 'bench_servicing',
        records: 1,
      });
    const post = { method: 'POST' as const, headers: { 'content-type': 'application/json' }, body: decideBody };
    const measure = async (kind: FloorKind, label: string) => {
      const floor = await startFloor(kind, databaseUrl);
      try {
        return kind === 'post' || kind === 'write'
          ? await bench.load(label, { ...post, url: floor.url, pid: floor.process.pid })
          : await bench.load(label, { url: floor.url, pid: floor.process.pid, path: () => `/?k=${1 + Math.floor(Math.random() * ROWS)}` });
      } finally {
        await floor.process.stop();
      }
    };
    const notes = `PostgreSQL, plain pg client; ${ROWS.toLocaleString('en')} rows`;
    const bareBody = await measure('post', 'bare Koa: JSON body parsed and answered');
    rows.push({ scenario: 'floors', result: bareBody, notes: 'bare Koa, no database (the decisions baseline)' });
    rows.push({
      scenario: 'floors',
      result: await measure('write', 'the same + one row group-committed per request'),
      baseline: bareBody,
      notes,
    });
    rows.push({ scenario: 'floors', result: await measure('read', 'bare Koa + one row read per request'), baseline: json, notes });
    rows.push({
      scenario: 'floors',
      result: await measure('read-batched', 'bare Koa + one row read, concurrent reads in one statement'),
      baseline: json,
      notes,
    });
    return [{ scenario: 'floors', result: json, notes: 'bare Koa, one JSON route' }, ...rows];
  } finally {
    await db.destroy();
    await admin.raw(`drop database if exists ${name} with (force)`);
    await admin.destroy();
  }
}

export const floorsScenario: Scenario = {
  name: 'floors',
  description: 'bare Koa routes doing only the database work of the targets (PostgreSQL): what the database alone allows',
  run: floorsBench,
};

if (require.main === module) {
  const app = createFloorApp((process.env.FLOOR_KIND ?? 'read') as FloorKind, process.env.FLOOR_DATABASE_URL ?? '');
  const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
  process.once('SIGTERM', () => server.close(() => process.exit(0)));
}
