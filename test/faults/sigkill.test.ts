import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import {
  CONSENT_PURPOSE,
  PROCESS_ADMIN,
  STAFF,
  approvedGrant,
  setUpBank,
  sharedSecrets,
  startServiceProcess,
  type Bank,
  type CallOptions,
  type HttpAnswer,
  type ServiceProcess,
  type SharedSecrets,
} from '../helpers/service-process';
import { PrivateCluster } from './cluster';
import { recordFault } from './report';

// The service killed with SIGKILL in the middle of a load, ten times. Clients retry every request
// with its Idempotency-Key until they get an answer. Afterwards: nothing half-written, no change
// without its audit event, nothing created twice, and the chain verifies.

const KILLS = 10;
const WORKERS = 4;
const MARKER = 'Kill-suite grant request';
// Fixed once: a retry must send exactly the same request as the first attempt.
const VALID_UNTIL = new Date(Date.now() + 30 * 86_400_000).toISOString();

let cluster: PrivateCluster;
let service: ServiceProcess;
let bank: Bank;
let url: string;
let dataDir: string;
let secrets: SharedSecrets;
let restarting: Promise<void> | undefined;

interface Logical {
  readonly kind: 'department' | 'grant' | 'consent' | 'decision';
  readonly key: string;
  attempts: number;
  outcome?: 'created' | 'replayed' | 'completed';
}

const logical: Logical[] = [];

function send(l: Logical, n: number): Promise<HttpAnswer> {
  const headers = { 'Idempotency-Key': l.key };
  const options: Record<Logical['kind'], [string, CallOptions]> = {
    department: [
      '/v1/departments',
      { as: { staff: PROCESS_ADMIN }, body: { code: `KILL_${n}`, name: `Department ${n}`, kind: 'business' } },
    ],
    grant: [
      '/v1/access-grants',
      {
        as: { staff: STAFF.vendorManager },
        body: {
          vendor: bank.vendorId,
          asset: bank.assetKey,
          fields: ['name'],
          actions: ['read'],
          purpose: 'collections',
          validUntil: VALID_UNTIL,
          justification: `${MARKER} ${n}`,
        },
      },
    ],
    consent: [
      '/v1/consents',
      {
        as: { bearer: bank.collectorToken as string },
        body: { subject: `CUST-KILL-${n}`, purpose: CONSENT_PURPOSE, noticeVersion: bank.noticeVersion, channel: 'mobile-bank' },
      },
    ],
    decision: ['/v1/decisions', { as: { bearer: bank.pepToken }, body: { ...bank.decision, records: 1 } }],
  };
  const [pathName, o] = options[l.kind];
  return service.call('POST', pathName, { ...o, headers, timeoutMs: 10_000 });
}

/** Sends one logical request until it has an answer: every retry carries the same key. */
async function complete(l: Logical, n: number): Promise<void> {
  for (;;) {
    l.attempts += 1;
    let res: HttpAnswer | undefined;
    try {
      res = await send(l, n);
    } catch {
      res = undefined; // the process was killed under us: retry
    }
    if (res && res.status >= 200 && res.status < 300) {
      l.outcome = res.headers.get('idempotent-replayed') === 'true' ? 'replayed' : 'created';
      return;
    }
    if (res && res.status === 409 && res.body.code === 'idempotent_request_completed') {
      l.outcome = 'completed';
      return;
    }
    if (res && res.status !== 503) throw new Error(`${l.kind} ${l.key}: ${res.status} ${JSON.stringify(res.body)}`);
    await (restarting ?? new Promise((resolve) => setTimeout(resolve, 50)));
  }
}

beforeAll(async () => {
  cluster = await PrivateCluster.create();
  url = await cluster.createDatabase('governance');
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fault-kill-'));
  secrets = sharedSecrets();
  service = await startServiceProcess({ databaseUrl: url, dataDir, secrets, env: { LOG_LEVEL: 'warn' } });
  bank = await setUpBank(service, { consents: true });
  await approvedGrant(service, bank);
}, 300_000);

afterAll(async () => {
  await service?.stop();
  await cluster?.destroy();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

it(`keeps every change whole and creates nothing twice when the service is killed ${KILLS} times mid-load`, async () => {
  const kinds: Logical['kind'][] = ['department', 'grant', 'consent', 'decision'];
  let running = true;
  const workers = Array.from({ length: WORKERS }, async (_, w) => {
    for (let i = 0; running; i++) {
      const n = logical.length + 1;
      const l: Logical = { kind: kinds[(w + i) % kinds.length], key: `kill-${w}-${i}-${n}`, attempts: 0 };
      logical.push(l);
      await complete(l, n);
    }
  });
  const port = service.port;
  for (let kill = 0; kill < KILLS; kill++) {
    await new Promise((resolve) => setTimeout(resolve, 400 + Math.floor(Math.random() * 1200)));
    let done: () => void = () => undefined;
    restarting = new Promise<void>((resolve) => (done = resolve));
    await service.kill();
    service = await startServiceProcess({ databaseUrl: url, dataDir, secrets, port, env: { LOG_LEVEL: 'warn' } });
    restarting = undefined;
    done();
  }
  await new Promise((resolve) => setTimeout(resolve, 1000));
  running = false;
  await Promise.all(workers);

  const db: Knex = knexFactory({ client: 'pg', connection: url, pool: { min: 0, max: 2 } });
  try {
    const count = async (table: string, where: (q: Knex.QueryBuilder) => Knex.QueryBuilder) =>
      Number(((await where(db(table)).count({ n: '*' })) as Array<{ n: number }>)[0].n);
    const wanted = (kind: Logical['kind']) => logical.filter((l) => l.kind === kind).length;
    const departments = await count('departments', (q) => q.where('code', 'like', 'KILL\\_%'));
    const departmentEvents = await count('audit_events', (q) =>
      q.where({ action: 'department.created' }).andWhere('object_id', 'like', 'KILL\\_%'),
    );
    const grants = (await db('access_grants').where('justification', 'like', `${MARKER} %`).select('id', 'justification')) as Array<{
      id: string;
      justification: string;
    }>;
    const grantEvents = new Set(
      ((await db('audit_events').where({ action: 'access_grant.requested' }).select('object_id')) as Array<{ object_id: string }>).map(
        (r) => r.object_id,
      ),
    );
    const consents = (await db('consent_events').select('id', 'subject_ref')) as Array<{ id: string; subject_ref: string }>;
    const consentEvents = new Set(
      ((await db('audit_events').where({ action: 'consent.given' }).select('object_id')) as Array<{ object_id: string }>).map(
        (r) => r.object_id,
      ),
    );
    // A decision retried after its answer was lost is decided again (never replayed) and audited as a retry
    // of the first: each logical decision has one first event, and every retry names an event that exists.
    const decisionEvents = await count('audit_events', (q) =>
      q.where({ action: 'access.decided' }).whereRaw("details->>'retryOf' is null"),
    );
    const danglingRetries = (await db.raw(
      `select count(*) as n from audit_events r where r.action = 'access.decided' and r.details->>'retryOf' is not null
         and not exists (select 1 from audit_events e where e.id::text = r.details->>'retryOf')`,
    )) as { rows: Array<{ n: number }> };
    const usage = Number(((await db('access_grant_usage').sum({ n: 'records' })) as Array<{ n: number }>)[0].n ?? 0);
    const keys = await count('idempotency_keys', (q) => q);
    const orphanKeys = (await db.raw(
      'select count(*) as n from idempotency_keys k where not exists (select 1 from audit_events e where e.id = k.audit_event_id)',
    )) as { rows: Array<{ n: number }> };
    const verify = await service.call('GET', '/v1/audit/verify', { as: { staff: PROCESS_ADMIN } });
    const attempts = logical.reduce((sum, l) => sum + l.attempts, 0);
    const outcome = (o: Logical['outcome']) => logical.filter((l) => l.outcome === o).length;

    await recordFault(
      {
        fault: 'service killed (SIGKILL) mid-load',
        scenario: `${KILLS} kills, ${WORKERS} clients retrying with Idempotency-Key`,
        requests: attempts,
        observed: `${logical.length} logical requests (${attempts - logical.length} retries): ${outcome('created')} answered, ${outcome('replayed')} replayed, ${outcome('completed')} × 409 completed; 0 duplicates; chain ${verify.body.valid ? 'valid' : 'INVALID'} (${String(verify.body.checked)} events)`,
      },
      () => {
        expect(logical.every((l) => l.outcome !== undefined)).toBe(true);
        expect(attempts).toBeGreaterThan(logical.length); // kills did hit requests in flight
        // Exactly one of each: a retry never creates a second department, grant, consent or decision.
        expect(departments).toBe(wanted('department'));
        expect(grants.length).toBe(wanted('grant'));
        expect(new Set(grants.map((g) => g.justification)).size).toBe(grants.length);
        expect(consents.length).toBe(wanted('consent'));
        expect(new Set(consents.map((c) => c.subject_ref)).size).toBe(consents.length);
        expect(decisionEvents).toBe(wanted('decision'));
        expect(Number(danglingRetries.rows[0].n)).toBe(0);
        expect(usage).toBe(wanted('decision'));
        // No change without its audit event, no event without its change.
        expect(departmentEvents).toBe(departments);
        expect(grants.filter((g) => !grantEvents.has(g.id))).toEqual([]);
        expect(consents.filter((c) => !consentEvents.has(c.id))).toEqual([]);
        expect(consentEvents.size).toBe(consents.length);
        // Every key was taken once, in the transaction of its change.
        expect(keys).toBe(logical.length);
        expect(Number(orphanKeys.rows[0].n)).toBe(0);
        expect(verify.body).toMatchObject({ valid: true });
      },
    );
  } finally {
    await db.destroy();
  }
}, 1_200_000);
