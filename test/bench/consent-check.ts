import crypto from 'node:crypto';
import { loadDevStaffKey, signDevStaffToken } from '../../services/auth';
import { DEFAULT_STAFF_AUDIENCE, DEV_STAFF_ISSUER } from '../../services/config';
import { createDatabase, type Db } from '../../services/db';
import { pseudonymize } from '../../services/shared/pseudonym';
import { BENCH_ADMIN, startService, type BenchContext, type BenchRow, type Scenario, type ServiceProcess } from './lib';

// GET /v1/consents/check with 1,000,000 consent events bulk-seeded in SQL (not through the API) on
// PostgreSQL, a random customer per request (and, for comparison, one customer every time), against
// the bare Koa JSON route measured in the same run. Target (PRODUCT.md §6): ≥ 0.5 × the bare route,
// p99 ≤ 10 ms at 32 connections.

export const CONSENT_PURPOSE = 'bench_marketing';
const CHUNK = 50_000;
const PRIMING_SECONDS = 10;

/** Who is in the seeded log: customers 1..given consented; customers 1..withdrawn then withdrew. */
export interface ConsentSeedShape {
  readonly given: number;
  readonly withdrawn: number;
}
export const MILLION_EVENTS: ConsentSeedShape = { given: 900_000, withdrawn: 100_000 };

const customer = (i: number) => `C${String(i).padStart(9, '0')}`;
const uid = (labelSql: string) => `(overlay(overlay(md5(${labelSql}) placing '4' from 13) placing '8' from 17))::uuid`;

/** By default 900,000 customers consented to the purpose's notice and the first 100,000 of them withdrew: 1,000,000 events. */
export async function seedConsents(db: Db, subjectKey: Buffer, shape: ConsentSeedShape = MILLION_EVENTS): Promise<number> {
  const { given: GIVEN, withdrawn: WITHDRAWN } = shape;
  const at = new Date(Date.now() - 86_400_000).toISOString();
  const notice = crypto.randomUUID();
  await db.raw(
    `insert into purposes (id, key, description, legal_basis, retention_days, status, created_at, updated_at)
     values (?, ?, 'Card offers (benchmark)', 'consent', 365, 'active', ?, ?)`,
    [crypto.randomUUID(), CONSENT_PURPOSE, at, at],
  );
  const content = {
    title: 'Card offers',
    body: 'Benchmark notice',
    controller: { name: 'Bench Bank', contact: 'Privacy office' },
    purposeDescription: 'Card offers (benchmark)',
    piCategories: ['name', 'mobile phone number'],
    sensitivePiCategories: [],
    retentionDays: 365,
    thirdParties: [],
    rights: { access: 'app', copy: 'app', correct: 'app', delete: 'app', withdraw: 'app' },
    complaintChannel: { phone: '95555' },
    language: 'zh-CN',
  };
  await db.raw(
    `insert into notices (id, purpose_key, status, content, version, material, changes, created_by, created_at, updated_by, updated_at, published_by, published_at)
     values (?, ?, 'published', ?::jsonb, 1, true, '{"againstVersion":null,"material":true,"changes":[]}'::jsonb, 'bench', ?, 'bench', ?, 'bench', ?)`,
    [notice, CONSENT_PURPOSE, JSON.stringify(content), at, at, at],
  );
  // In pseudonym order, so the index grows at its right edge instead of at random pages.
  const refs = (count: number) => Array.from({ length: count }, (_, i) => pseudonymize(subjectKey, customer(i + 1))).sort();
  const chunks = (all: string[]) =>
    Array.from({ length: Math.ceil(all.length / CHUNK) }, (_, c) => `{${all.slice(c * CHUNK, (c + 1) * CHUNK).join(',')}}`);
  for (const chunk of chunks(refs(GIVEN))) {
    await db.raw(
      `insert into consent_events (id, kind, subject_ref, purpose_key, notice_id, notice_version, separate, channel, client_id, recorded_at)
       select ${uid("'given-' || r")}, 'given', r, ?, ?, 1, false, 'bench-app', 'bench-seed', ? from unnest(?::text[]) r`,
      [CONSENT_PURPOSE, notice, at, chunk],
    );
  }
  for (const chunk of chunks(refs(WITHDRAWN))) {
    await db.raw(
      `insert into consent_events (id, kind, subject_ref, purpose_key, notice_version, separate, withdraws, client_id, recorded_at)
       select ${uid("'withdrawn-' || r")}, 'withdrawn', r, ?, 1, false, ${uid("'given-' || r")}, 'bench-seed', ? from unnest(?::text[]) r`,
      [CONSENT_PURPOSE, at, chunk],
    );
  }
  // What autovacuum would have done by the time such a log exists: hint bits and visibility map set, statistics current.
  await db.raw('vacuum analyze consent_events');
  // Flush the pages the bulk load dirtied now, not during the measurement (needs superuser or pg_checkpoint).
  await db
    .raw('checkpoint')
    .catch((err: unknown) => console.error(`bench: consent-check: no checkpoint after seeding (${(err as Error).message})`));
  return GIVEN + WITHDRAWN;
}

/** An access token of a consent_collector client, registered as the bench administrator. */
async function collectorToken(service: ServiceProcess, dataDir: string): Promise<string> {
  const admin = await signDevStaffToken(loadDevStaffKey(dataDir), {
    sub: BENCH_ADMIN,
    issuer: DEV_STAFF_ISSUER,
    audience: DEFAULT_STAFF_AUDIENCE,
  });
  const registered = await fetch(`${service.url}/v1/clients`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'bench app back end',
      roles: ['consent_collector'],
      scopes: [],
      tokenEndpointAuthMethod: 'client_secret_basic',
    }),
  });
  if (registered.status !== 201) throw new Error(`POST /v1/clients answered ${registered.status}: ${await registered.text()}`);
  const { clientId, clientSecret } = (await registered.json()) as { clientId: string; clientSecret: string };
  const token = await fetch(`${service.url}/oauth/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  if (token.status !== 200) throw new Error(`POST /oauth/token answered ${token.status}: ${await token.text()}`);
  return ((await token.json()) as { access_token: string }).access_token;
}

async function expectState(service: ServiceProcess, headers: Record<string, string>, subject: string, state: string): Promise<void> {
  const res = await fetch(`${service.url}/v1/consents/check?subject=${subject}&purpose=${CONSENT_PURPOSE}`, { headers });
  const body = (await res.json()) as { state?: string };
  if (res.status !== 200 || body.state !== state)
    throw new Error(`check of ${subject}: ${res.status} ${JSON.stringify(body)}, expected state ${state}`);
}

/** The run's PostgreSQL, or the local one: seeding 1,000,000 events into PGlite takes minutes and its small buffer cache makes each random look-up cost milliseconds. */
const DEFAULT_DATABASE_URL = 'postgres://root@127.0.0.1:5432/postgres';

export async function consentCheckBench(bench: BenchContext, shape: ConsentSeedShape = MILLION_EVENTS): Promise<BenchRow[]> {
  const { given: GIVEN, withdrawn: WITHDRAWN } = shape;
  const baseline = await bench.baseline('json');
  const subjectKey = crypto.randomBytes(32).toString('base64');
  const settings = { ...bench.settings, databaseUrl: bench.settings.databaseUrl ?? DEFAULT_DATABASE_URL };
  const service = await startService(settings, { SUBJECT_ID_KEY: subjectKey });
  try {
    const db = createDatabase({ databaseUrl: service.databaseUrl, poolMax: 2 });
    const started = Date.now();
    const seeded = await seedConsents(db, Buffer.from(subjectKey, 'utf8'), shape).finally(() => db.destroy());
    const seedSeconds = Math.round((Date.now() - started) / 100) / 10;
    bench.log(`consent-check: seeded ${seeded.toLocaleString('en')} consent events on PostgreSQL in ${seedSeconds} s`);

    const headers = { authorization: `Bearer ${await collectorToken(service, service.dataDir)}` };
    await expectState(service, headers, customer(WITHDRAWN + 1), 'current');
    await expectState(service, headers, customer(1), 'withdrawn');
    await expectState(service, headers, customer(GIVEN + 1), 'none');

    const nextPath = () => `/v1/consents/check?subject=${customer(1 + Math.floor(Math.random() * GIVEN))}&purpose=${CONSENT_PURPOSE}`;
    // Unmeasured: the first seconds after a bulk load are slower (cold caches, background writes), and a
    // running service is past them. Then the usual warm-up and measurement.
    await bench.load('priming', { url: service.url, path: nextPath, headers, warmupSeconds: 0, durationSeconds: PRIMING_SECONDS });
    const random = await bench.load('GET /v1/consents/check, random customer', {
      url: service.url,
      path: nextPath,
      headers,
      pid: service.pid,
    });
    const same = await bench.load('GET /v1/consents/check, one customer', {
      url: `${service.url}${nextPath()}`,
      headers,
      pid: service.pid,
    });
    const notes = `${seeded.toLocaleString('en')} consent events on PostgreSQL (seeded in ${seedSeconds} s); RSS ${service.rssMiB()} MiB`;
    return [
      { scenario: 'consent-check', result: baseline, notes: 'bare Koa, one JSON route' },
      { scenario: 'consent-check', result: random, baseline, notes },
      { scenario: 'consent-check', result: same, baseline, notes: 'the same index pages every time' },
    ];
  } finally {
    await service.stop();
  }
}

export const consentCheckScenario: Scenario = {
  name: 'consent-check',
  description: 'GET /v1/consents/check with 1,000,000 bulk-seeded consent events (PostgreSQL) vs a bare Koa JSON route',
  run: (bench) => consentCheckBench(bench),
};
