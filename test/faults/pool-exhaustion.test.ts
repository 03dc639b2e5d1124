import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { AUDIT_CHAIN_LOCK } from '../../services/audit/store';
import {
  PROCESS_ADMIN,
  approvedGrant,
  decide,
  percentile,
  setUpBank,
  sharedSecrets,
  startServiceProcess,
  type Bank,
  type HttpAnswer,
  type ServiceProcess,
} from '../helpers/service-process';
import { PrivateCluster } from './cluster';
import { recordFault } from './report';

// Every pooled connection is held by slow work (writes waiting on a lock another session holds):
// requests beyond capacity are refused fast with 503 instead of queueing without end, and once the
// slow work finishes the service is whole again: every connection back in the pool, none leaked.

const POOL_MAX = 3;

let cluster: PrivateCluster;
let service: ServiceProcess;
let bank: Bank;
let url: string;
let dataDir: string;

async function withSession<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** The service's own connections to its database, and how many wait on a lock. */
async function serviceConnections(): Promise<{ total: number; waitingOnLock: number }> {
  return withSession(async (c) => {
    const { rows } = await c.query<{ total: string; waiting: string }>(
      `select count(*) as total, count(*) filter (where wait_event_type = 'Lock') as waiting
         from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend'`,
    );
    return { total: Number(rows[0].total), waitingOnLock: Number(rows[0].waiting) };
  });
}

const department = (code: string) =>
  service.call('POST', '/v1/departments', { as: { staff: PROCESS_ADMIN }, body: { code, name: code, kind: 'business' } });

beforeAll(async () => {
  cluster = await PrivateCluster.create();
  url = await cluster.createDatabase('governance');
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fault-pool-'));
  service = await startServiceProcess({
    databaseUrl: url,
    dataDir,
    secrets: sharedSecrets(),
    env: { DATABASE_POOL_MAX: String(POOL_MAX), LOG_LEVEL: 'warn', OAUTH_TOKEN_RATE_LIMIT: '1000000' },
  });
  bank = await setUpBank(service);
  await approvedGrant(service, bank);
}, 300_000);

afterAll(async () => {
  await service?.stop();
  await cluster?.destroy();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

it.each([[1], [2]])(
  'refuses requests beyond the pool fast (503) and leaks nothing afterwards (round %i)',
  async (round) => {
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    // Another session holds the audit chain's lock: every write the service starts waits, holding its connection.
    await holder.query('select pg_advisory_lock($1)', [AUDIT_CHAIN_LOCK]);
    const slow = Array.from({ length: POOL_MAX }, (_, i) => department(`SLOW_${round}_${i}`));
    const started = Date.now();
    while ((await serviceConnections()).waitingOnLock < POOL_MAX) {
      if (Date.now() - started > 30_000) throw new Error('the slow writes did not take the pool');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    const beyond: Array<() => Promise<HttpAnswer>> = [
      () => service.call('GET', '/v1/departments', { as: { staff: PROCESS_ADMIN } }),
      () => decide(service, bank),
      () =>
        service.call('POST', '/oauth/token', {
          as: { basic: [bank.pep.clientId, bank.pep.clientSecret] },
          form: { grant_type: 'client_credentials' },
        }),
      () => department(`BEYOND_${round}_${Math.random().toString(36).slice(2, 8).toUpperCase()}`),
      () => service.call('GET', '/readyz'),
    ];
    const timed = await Promise.all(
      Array.from({ length: 15 }, async (_, i) => {
        const sent = Date.now();
        const res = await beyond[i % beyond.length]();
        return { res, ms: Date.now() - sent };
      }),
    );

    await holder.query('select pg_advisory_unlock($1)', [AUDIT_CHAIN_LOCK]);
    await holder.end();
    const slowAnswers = await Promise.all(slow);

    // Normal service again, at full capacity, and no connection kept beyond the pool.
    const after = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? decide(service, bank) : department(`AFTER_${round}_${i}`))),
    );
    const connections = await serviceConnections();
    const verify = await service.call('GET', '/v1/audit/verify', { as: { staff: PROCESS_ADMIN } });
    const latencies = timed.map((t) => t.ms);

    await recordFault(
      {
        fault: 'pool exhaustion',
        scenario: `round ${round}: DATABASE_POOL_MAX=${POOL_MAX}, ${POOL_MAX} writes blocked on a lock, 15 more requests`,
        requests: POOL_MAX + timed.length + after.length,
        observed: `${timed.filter((t) => t.res.status === 503).length}/15 × 503, p50 ${percentile(latencies, 50)} ms, max ${Math.max(...latencies)} ms; blocked writes then ${slowAnswers.map((r) => r.status).join('/')}; after: ${after.filter((r) => r.status < 300).length}/20 × 2xx, ${connections.total} connections (pool ${POOL_MAX} + listener)`,
      },
      () => {
        for (const { res } of timed) {
          expect(res.status).toBe(503);
          expect(['application/problem+json', 'application/json']).toContain(res.type);
          if (res.type === 'application/json') expect(res.body.error).toBe('temporarily_unavailable');
        }
        // Fail fast: the pool gives up after 2 s (knex acquireConnectionTimeout); allow for a loaded machine.
        expect(Math.max(...latencies)).toBeLessThan(4000);
        expect(slowAnswers.map((r) => r.status)).toEqual(Array(POOL_MAX).fill(201));
        expect(after.map((r) => r.status)).toEqual(after.map((_, i) => (i % 2 === 0 ? 200 : 201)));
        expect(connections.total).toBeLessThanOrEqual(POOL_MAX + 1);
        expect(connections.waitingOnLock).toBe(0);
        expect(verify.body).toMatchObject({ valid: true });
      },
    );
  },
  180_000,
);
