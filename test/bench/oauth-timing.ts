import crypto from 'node:crypto';
import { MAX_DATA_ACCESS_COMBINATIONS } from '../../services/decisions/token-details';
import { startBaseline } from './baseline';
import { BENCH_ADMIN, type BenchContext, type BenchRow, type LoadResult, type Scenario, type ServiceProcess } from './lib';

// The timing that tests do not assert (no wall-clock limits in tests: docs/testing.md), measured:
//   authorization_details: the largest token one grant allows (FIELDS × ACTIONS, just under
//   MAX_DATA_ACCESS_COMBINATIONS) requested over the run's connections, while GET /healthz is asked
//   one request at a time, as a monitor does: /healthz p50/p99 against the bare Koa JSON route asked
//   the same way in the same run, and the service's event-loop delay (perf_hooks
//   monitorEventLoopDelay, sampled every 10 ms by prom-client and read from the service's /metrics,
//   which starts a new window at each scrape: a stall of s ms reads as s to s + 10 ms).
//   replicas (PostgreSQL only): a second service process on the first one's database; the time from
//   sending a token revocation, or a client disable, to the first until the second refuses the token.

const NAME = 'oauth-timing';
const ACTIONS = ['read', 'write', 'export'];
const FIELDS = Array.from({ length: Math.floor(MAX_DATA_ACCESS_COMBINATIONS / ACTIONS.length) }, (_, i) => `field_${i}`);
const PURPOSE = 'bench_collections';
const ASSET = 'bench.wide_profile';
const VENDOR_MANAGER = 'bench-vendor-manager';
const DATA_OWNER = 'bench-data-owner';
const PRIVACY_OFFICER = 'bench-privacy-officer';
/** /healthz (and the bare route) asked one request at a time, so a latency is what one request waited. */
const PROBE_CONNECTIONS = 1;
/** Changes made on the first replica, per kind, each timed until the second refuses the token. */
const ROUNDS = 10;
const PROPAGATION_DEADLINE_MS = 30_000;
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

interface SecretClient {
  readonly clientId: string;
  readonly clientSecret: string;
}

const basic = (c: SecretClient) => `Basic ${Buffer.from(`${c.clientId}:${c.clientSecret}`).toString('base64')}`;
const tenths = (ms: number) => Math.round(ms * 10) / 10;

/** What two processes on one database share, so that a token one issues is valid on the other (the same for a single process). */
function replicaSecrets(): Record<string, string> {
  const key = () => crypto.randomBytes(32).toString('base64');
  return { PUBLIC_URL: 'http://governance.bench', KEY_ENCRYPTION_KEY: key(), SUBJECT_ID_KEY: key(), AUDIT_CHECKPOINT_KEY: key() };
}

/** Through the API: one asset of FIELDS, a vendor holding an approved grant on all of it for every action, and its client. */
async function seedWidestGrant(service: ServiceProcess): Promise<SecretClient> {
  const day = 86_400_000;
  await service.call(BENCH_ADMIN, 'POST', '/v1/departments', { code: 'BENCH', name: 'Benchmark department', kind: 'business' });
  for (const [subject, role, department] of [
    [PRIVACY_OFFICER, 'privacy_officer', '*'],
    [VENDOR_MANAGER, 'vendor_manager', '*'],
    [DATA_OWNER, 'data_owner', 'BENCH'],
  ]) {
    await service.call(BENCH_ADMIN, 'POST', '/v1/role-assignments', { subject, role, department });
  }
  await service.call(PRIVACY_OFFICER, 'POST', '/v1/purposes', {
    key: PURPOSE,
    description: 'Collections (benchmark)',
    legalBasis: 'contract',
    retentionDays: 365,
  });
  const vendor = await service.call<{ id: string }>(VENDOR_MANAGER, 'POST', '/v1/vendors', {
    name: 'Benchmark bulk reader',
    contacts: [{ name: 'Account manager', email: 'am@vendor.example' }],
    contract: {
      reference: 'BENCH-WIDE',
      startsAt: new Date(Date.now() - day).toISOString(),
      endsAt: new Date(Date.now() + 400 * day).toISOString(),
      purposes: [PURPOSE],
    },
    securityAssessment: { assessedAt: new Date(Date.now() - 30 * day).toISOString().slice(0, 10), result: 'pass' },
  });
  await service.call(DATA_OWNER, 'POST', '/v1/data-assets', {
    key: ASSET,
    name: 'Wide customer profile (benchmark)',
    owningDepartment: 'BENCH',
    classification: 3,
    fields: FIELDS.map((name) => ({ name, piCategory: 'none' })),
  });
  const grant = await service.call<{ id: string }>(VENDOR_MANAGER, 'POST', '/v1/access-grants', {
    vendor: vendor.id,
    asset: ASSET,
    fields: FIELDS,
    actions: ACTIONS,
    purpose: PURPOSE,
    validUntil: new Date(Date.now() + 30 * day).toISOString(),
    justification: 'Every field, every action: the largest token a grant allows',
  });
  await service.call(DATA_OWNER, 'POST', `/v1/access-grants/${grant.id}/approve`, {});
  return service.call<SecretClient>(VENDOR_MANAGER, 'POST', `/v1/vendors/${vendor.id}/clients`, {
    name: 'Benchmark bulk reader',
    scopes: [],
    tokenEndpointAuthMethod: 'client_secret_basic',
  });
}

interface LoopDelay {
  readonly maxMs: number;
  readonly p99Ms: number;
}

/** The service's event-loop delay since the previous reading (prom-client resets its histogram at each scrape). */
async function loopDelay(service: ServiceProcess): Promise<LoopDelay> {
  const text = await (await fetch(`${service.url}/metrics`)).text();
  const ms = (name: string) => tenths(Number(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? NaN) * 1000);
  return { maxMs: ms('nodejs_eventloop_lag_max_seconds'), p99Ms: ms('nodejs_eventloop_lag_p99_seconds') };
}

const loopNotes = (d: LoopDelay) => `service event-loop delay: max ${d.maxMs} ms, p99 ${d.p99Ms} ms (10 ms samples)`;

/** Two loads that shared the service and the machine: CPU per request would count the other's too (the token row keeps the server's, nearly all its own). */
const withoutCpu = (r: LoadResult): LoadResult => ({
  label: r.label,
  requestsPerSecond: r.requestsPerSecond,
  p50Ms: r.p50Ms,
  p99Ms: r.p99Ms,
  errors: r.errors,
  non2xx: r.non2xx,
  requests: r.requests,
  durationSeconds: r.durationSeconds,
});

async function detailsRows(bench: BenchContext, service: ServiceProcess): Promise<BenchRow[]> {
  const bare = await startBaseline('json');
  try {
    const healthz = `${service.url}/healthz`;
    const probe = { connections: PROBE_CONNECTIONS };
    const baseline = await bench.load('bare Koa: JSON route, one request at a time', { ...probe, url: bare.url, pid: bare.process.pid });
    await loopDelay(service);
    const idle = await bench.load('GET /healthz, one at a time, nothing else asked', { ...probe, url: healthz, pid: service.pid });
    const idleLoop = await loopDelay(service);

    const client = await seedWidestGrant(service);
    const details = [{ type: 'data_access', locations: [ASSET], actions: ACTIONS, datatypes: FIELDS, purpose: PURPOSE }];
    const tokens = {
      url: `${service.url}/oauth/token`,
      method: 'POST' as const,
      headers: { ...FORM, authorization: basic(client) },
      body: new URLSearchParams({ grant_type: 'client_credentials', authorization_details: JSON.stringify(details) }).toString(),
    };
    const first = await fetch(tokens.url, { method: tokens.method, headers: tokens.headers, body: tokens.body });
    if (first.status !== 200) throw new Error(`POST /oauth/token answered ${first.status}: ${await first.text()}`);
    const tokenChars = ((await first.json()) as { access_token: string }).access_token.length;

    // Warmed up together, unmeasured; then measured together, the event-loop reading around the measurement alone.
    const { warmupSeconds, connections } = bench.settings;
    if (warmupSeconds > 0) {
      const warm = { durationSeconds: warmupSeconds, warmupSeconds: 0 };
      await Promise.all([bench.load('warm-up', { ...tokens, ...warm }), bench.load('warm-up', { ...probe, ...warm, url: healthz })]);
    }
    await loopDelay(service);
    const combinations = FIELDS.length * ACTIONS.length;
    const [issued, busy] = await Promise.all([
      bench.load(`POST /oauth/token, ${combinations} combinations each, ${connections} connections`, {
        ...tokens,
        warmupSeconds: 0,
        pid: service.pid,
      }),
      bench.load('GET /healthz, one at a time, while those tokens are asked for', { ...probe, url: healthz, warmupSeconds: 0 }),
    ]);
    const busyLoop = await loopDelay(service);
    return [
      { scenario: NAME, result: baseline, notes: 'bare Koa, one JSON route' },
      { scenario: NAME, result: idle, baseline, notes: loopNotes(idleLoop) },
      { scenario: NAME, result: withoutCpu(busy), baseline, notes: `${loopNotes(busyLoop)}; at the same time as the next row` },
      {
        scenario: NAME,
        result: { ...withoutCpu(issued), serverCpuMicros: issued.serverCpuMicros },
        notes: `authorization_details: ${FIELDS.length} fields × ${ACTIONS.length} actions of one asset, all granted; tokens of ${tokenChars.toLocaleString('en')} characters, each audited; server CPU counts the /healthz answers too; RSS ${service.rssMiB()} MiB`,
      },
    ];
  } finally {
    await bare.process.stop();
  }
}

/** Whether `service` refuses `token`: introspection with the token as its own bearer answers 200 while it is accepted, 401 once refused. */
async function refuses(service: ServiceProcess, token: string): Promise<boolean> {
  const res = await fetch(`${service.url}/oauth/introspect`, {
    method: 'POST',
    headers: { ...FORM, authorization: `Bearer ${token}` },
    body: new URLSearchParams({ token }).toString(),
  });
  const text = await res.text();
  if (res.status === 401) return true;
  if (res.status === 200) return false;
  throw new Error(`POST /oauth/introspect answered ${res.status}: ${text}`);
}

async function clientToken(service: ServiceProcess, client: SecretClient): Promise<string> {
  const res = await fetch(`${service.url}/oauth/token`, {
    method: 'POST',
    headers: { ...FORM, authorization: basic(client) },
    body: 'grant_type=client_credentials&scope=decisions',
  });
  if (res.status !== 200) throw new Error(`POST /oauth/token answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

const registerPep = (a: ServiceProcess) =>
  a.call<SecretClient>(BENCH_ADMIN, 'POST', '/v1/clients', {
    name: 'Benchmark replica reader',
    roles: ['pep'],
    scopes: ['decisions'],
    tokenEndpointAuthMethod: 'client_secret_basic',
  });

interface Round {
  readonly token: string;
  /** Sends the change to the first replica; its answer. */
  readonly change: () => Promise<Response>;
}

/**
 * ROUNDS times: `prepare` a token the second replica accepts, send the change to the first, and ask
 * the second back to back until it refuses the token; the ms from sending the change to that refusal.
 */
async function propagation(what: string, b: ServiceProcess, prepare: () => Promise<Round>): Promise<BenchRow> {
  const times: number[] = [];
  let polls = 0;
  for (let i = 0; i < ROUNDS; i += 1) {
    const { token, change } = await prepare();
    if (await refuses(b, token)) throw new Error(`${what}: the second replica refused the token before the change`);
    const sent = performance.now();
    const answered = change();
    do {
      polls += 1;
      if (performance.now() - sent > PROPAGATION_DEADLINE_MS)
        throw new Error(`${what}: still accepted ${PROPAGATION_DEADLINE_MS} ms after the change`);
    } while (!(await refuses(b, token)));
    times.push(performance.now() - sent);
    const res = await answered;
    const text = await res.text();
    if (!res.ok) throw new Error(`${what}: the change answered ${res.status}: ${text}`);
  }
  const sorted = [...times].sort((x, y) => x - y);
  const seconds = times.reduce((sum, ms) => sum + ms, 0) / 1000;
  return {
    scenario: NAME,
    result: {
      label: `${what} on replica A → B refuses the token (${ROUNDS} rounds)`,
      requestsPerSecond: Math.round(polls / seconds),
      p50Ms: tenths(sorted[Math.ceil(sorted.length / 2) - 1]),
      p99Ms: tenths(sorted[sorted.length - 1]),
      errors: 0,
      non2xx: 0,
      requests: polls,
      durationSeconds: tenths(seconds),
    },
    notes:
      'p50 and p99 columns: median and longest round, ms from sending the change to A until B answers 401; req/s: B asked back to back',
  };
}

/** A second process on `a`'s database; token revocations and client disables made on `a`, timed until the second refuses. */
async function replicaRows(bench: BenchContext, a: ServiceProcess, secrets: Record<string, string>): Promise<BenchRow[]> {
  // startService gives every process a fresh database of its own: this one is pointed at a's instead (its own stays empty).
  const b = await bench.startService({ ...secrets, DATABASE_URL: a.databaseUrl as string });
  try {
    const reader = await registerPep(a);
    const revoked = await propagation('token revoked', b, async () => {
      const token = await clientToken(a, reader);
      const body = new URLSearchParams({ token }).toString();
      return {
        token,
        change: () => fetch(`${a.url}/oauth/revoke`, { method: 'POST', headers: { ...FORM, authorization: basic(reader) }, body }),
      };
    });
    const disabled = await propagation('client disabled', b, async () => {
      const client = await registerPep(a);
      const token = await clientToken(a, client);
      const headers = { authorization: `Bearer ${await a.staffToken(BENCH_ADMIN)}` };
      return { token, change: () => fetch(`${a.url}/v1/clients/${client.clientId}/disable`, { method: 'POST', headers }) };
    });
    return [revoked, disabled];
  } finally {
    await b.stop();
  }
}

export async function oauthTimingBench(bench: BenchContext): Promise<BenchRow[]> {
  const secrets = replicaSecrets();
  // The per-client token limit (OAUTH_TOKEN_RATE_LIMIT) would cap the load, not the endpoint.
  const service = await bench.startService({ ...secrets, OAUTH_TOKEN_RATE_LIMIT: '1000000000' });
  try {
    const rows = await detailsRows(bench, service);
    if (!service.databaseUrl) {
      bench.log(`${NAME}: replicas skipped: two processes need one PostgreSQL database (set DATABASE_URL); PGlite is one process`);
      return rows;
    }
    return [...rows, ...(await replicaRows(bench, service, secrets))];
  } finally {
    await service.stop();
  }
}

export const oauthTimingScenario: Scenario = {
  name: NAME,
  description:
    "the largest allowed authorization_details tokens asked for in parallel: the service event loop's longest delay and /healthz p50/p99 vs a bare Koa JSON route; with DATABASE_URL, how soon a second process refuses a token revoked, or a client disabled, on the first",
  run: oauthTimingBench,
};
