import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { loadConfig } from '../../services/config';
import { createMetricsServer } from '../../services/operations/metrics-server';
import { createHttpServer } from '../../services/server';
import { createTestApp, expectProblem, type TestApp } from '../helpers/app';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { Factories } from '../helpers/factories';
import { basic, registerSecretClient, tokenFor } from '../helpers/oauth';
import { shared } from '../helpers/shared-database';

jest.setTimeout(120_000);

const DAY = 86_400_000;
const ROOT = path.resolve(__dirname, '..', '..');

// One database for the file. The app with the default settings (`t`) serves every test that needs no
// other setting; the /metrics exposures (METRICS_TOKEN, METRICS_PORT) are set when the app is built,
// so each has an app of its own, on the same database with the same key-encryption key.
let database: TestDatabase;
let t: TestApp;
const keys = { KEY_ENCRYPTION_KEY: crypto.randomBytes(32).toString('base64'), SUBJECT_ID_KEY: crypto.randomBytes(32).toString('base64') };
const appWith = (env: Record<string, string> = {}) => createTestApp({ database: shared(database), env: { ...keys, ...env } });

beforeAll(async () => {
  database = await createTestDatabase();
  t = await appWith();
});
afterAll(async () => {
  await t?.close();
  await database?.drop();
});

/** The value of one sample in Prometheus text, 0 when absent. */
function sample(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('domain metrics and request logs (development: /metrics open on the public port)', () => {
  let f: Factories;
  let pep: string;
  let vendorId: string;
  let assetKey: string;
  const metrics = async () => (await t.http.get('/metrics').expect(200)).text;

  beforeAll(async () => {
    f = new Factories(t);
    await f.department('RETAIL');
    await f.purpose('collections');
    await t.grantRole('vic', 'vendor_manager', '*');
    await t.grantRole('olivia', 'data_owner', 'RETAIL');
    vendorId = await f.vendor({ purposes: ['collections'], manager: 'vic' });
    assetKey = (
      await f.asset(
        'RETAIL',
        [
          ['name', 'personal'],
          ['phone', 'personal'],
        ],
        'olivia',
      )
    ).key;
    const req = await t.http
      .post('/v1/access-grants')
      .set('Authorization', `Bearer ${await t.staffToken('vic')}`)
      .send({
        vendor: vendorId,
        asset: assetKey,
        fields: ['phone'],
        actions: ['read'],
        purpose: 'collections',
        validUntil: new Date(Date.now() + 30 * DAY).toISOString(),
        justification: 'Collections calls',
      })
      .expect(201);
    await t.http
      .post(`/v1/access-grants/${req.body.id}/approve`)
      .set('Authorization', `Bearer ${await t.staffToken('olivia')}`)
      .send({})
      .expect(200);
    pep = await tokenFor(t, await registerSecretClient(t, { roles: ['pep'] }));
  });

  const decide = (fields: string[]) =>
    t.http
      .post('/v1/decisions')
      .set('Authorization', `Bearer ${pep}`)
      .send({ vendor: vendorId, asset: assetKey, fields, action: 'read', purpose: 'collections' })
      .expect(200);

  it('counts recorded decisions by outcome and denied fields by reason, and the group-commit batches that carried them', async () => {
    const before = await metrics();
    await decide(['phone']);
    await decide(['phone', 'name']);
    await decide(['name']);
    await decide(['name']);
    const after = await metrics();
    const delta = (name: string, labels = '') => sample(after, name, labels) - sample(before, name, labels);
    expect(delta('governance_decisions_total', 'outcome="allow"')).toBe(1);
    expect(delta('governance_decisions_total', 'outcome="partial"')).toBe(1);
    expect(delta('governance_decisions_total', 'outcome="deny"')).toBe(2);
    expect(delta('governance_decision_denied_fields_total', 'reason="field_not_granted"')).toBe(3);
    expect(delta('governance_group_commit_batch_size_sum')).toBe(4);
    expect(delta('governance_group_commit_duration_seconds_count', 'result="committed"')).toBeGreaterThanOrEqual(1);
  });

  it('counts access tokens issued and refused, by OAuth error code', async () => {
    const client = await registerSecretClient(t, { roles: ['pep'] });
    const before = await metrics();
    await tokenFor(t, client);
    await t.http
      .post('/oauth/token')
      .set('Authorization', basic(client.clientId, 'wrong-secret'))
      .type('form')
      .send({ grant_type: 'client_credentials' })
      .expect(401);
    await t.http
      .post('/oauth/token')
      .set('Authorization', basic(client.clientId, client.clientSecret))
      .type('form')
      .send({ grant_type: 'password' })
      .expect(400);
    const after = await metrics();
    const delta = (labels: string) =>
      sample(after, 'governance_oauth_tokens_total', labels) - sample(before, 'governance_oauth_tokens_total', labels);
    expect(delta('outcome="issued",reason=""')).toBe(1);
    expect(delta('outcome="refused",reason="invalid_client"')).toBe(1);
    expect(delta('outcome="refused",reason="unsupported_grant_type"')).toBe(1);
  });

  it('reports the last audit chain verification and the change feed', async () => {
    expect(await metrics()).toMatch(/^governance_audit_chain_valid Nan$/m);
    await t.grantRole('audrey', 'auditor', '*');
    const verified = await t.http
      .get('/v1/audit/verify')
      .set('Authorization', `Bearer ${await t.staffToken('audrey')}`)
      .expect(200);
    expect(verified.body.valid).toBe(true);
    const text = await metrics();
    expect(sample(text, 'governance_audit_chain_valid')).toBe(1);
    expect(sample(text, 'governance_audit_chain_verified_timestamp_seconds')).toBeGreaterThan(Date.now() / 1000 - 600);
    expect(sample(text, 'governance_change_feed_connected')).toBe(1);
    expect(text).toMatch(/^governance_change_feed_staleness_seconds \d/m);
  });

  it('request logs carry the caller (staff subject or client id) and the client address, never a token', async () => {
    const staffToken = await t.staffToken('olivia');
    await t.http.get('/v1/departments').set('Authorization', `Bearer ${staffToken}`).set('X-Request-Id', 'log-staff-1').expect(200);
    await decide(['phone']).set('X-Request-Id', 'log-client-1');
    await t.http.get('/healthz').set('X-Request-Id', 'log-public-1').expect(200);
    const entry = (id: string) =>
      t.logLines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.requestId === id && l.msg === 'request') as Record<
        string,
        unknown
      >;
    expect(entry('log-staff-1')).toMatchObject({ caller: 'staff:olivia', address: expect.stringMatching(/127\.0\.0\.1/) });
    expect(String(entry('log-client-1').caller)).toMatch(/^client:/);
    expect(entry('log-public-1').caller).toBeUndefined();
    const log = t.logLines.join('\n');
    expect(log).not.toContain(staffToken.split('.')[2]);
    expect(log).not.toContain(pep.split('.')[2]);
  });
});

describe('where /metrics is served', () => {
  it('behind METRICS_TOKEN: 401 without or with a wrong bearer token, 200 with it', async () => {
    const t = await appWith({ METRICS_TOKEN: 'scrape-token-0123456789' });
    try {
      expectProblem(await t.http.get('/metrics'), 401, 'unauthorized');
      expectProblem(await t.http.get('/metrics').set('Authorization', 'Bearer scrape-token-012345678'), 401, 'unauthorized');
      expectProblem(await t.http.get('/metrics').set('Authorization', `Bearer ${await t.staffToken('root-admin')}`), 401, 'unauthorized');
      const ok = await t.http.get('/metrics').set('Authorization', 'Bearer scrape-token-0123456789').expect(200);
      expect(ok.text).toContain('governance_decisions_total');
    } finally {
      await t.close();
    }
  });

  it('with METRICS_PORT: not on the public port (404), on its own listener only; /healthz and /readyz stay public', async () => {
    const t = await appWith({ METRICS_PORT: '0' });
    const server = createMetricsServer(t.container.metrics.registry);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    try {
      expectProblem(await t.http.get('/metrics'), 404, 'not_found');
      await t.http.get('/healthz').expect(200);
      await t.http.get('/readyz').expect(200);
      const port = (server.address() as { port: number }).port;
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('governance_group_commit_batch_size');
      const other = await fetch(`http://127.0.0.1:${port}/v1/departments`);
      expect(other.status).toBe(404);
      expect(other.headers.get('content-type')).toBe('application/problem+json');
    } finally {
      server.close();
      await t.close();
    }
  });
});

describe('the HTTP server behind the shipped nginx', () => {
  const nginx = fs.readFileSync(path.join(ROOT, 'deploy', 'nginx.conf'), 'utf8');
  const seconds = (directive: string) => Number(new RegExp(`^\\s*${directive}\\s+(\\d+)s;`, 'm').exec(nginx)?.[1]);

  it('keeps idle connections open longer than nginx keeps its upstream ones, and its timeouts above the proxy’s', () => {
    // `t` runs with the default settings.
    const upstreamKeepAlive = seconds('keepalive_timeout');
    expect(upstreamKeepAlive).toBeGreaterThan(0);
    expect(t.server.keepAliveTimeout).toBeGreaterThan(upstreamKeepAlive * 1000);
    expect(t.server.headersTimeout).toBeGreaterThan(t.server.keepAliveTimeout);
    expect(t.server.requestTimeout).toBeGreaterThan(seconds('proxy_read_timeout') * 1000);
    expect(t.server.requestTimeout).toBeGreaterThanOrEqual(t.server.headersTimeout);
  });

  it('honours HTTP_KEEP_ALIVE_TIMEOUT_S: an idle keep-alive connection stays open between requests', async () => {
    // The timeouts are the HTTP server's alone (createHttpServer, as createTestApp and the service build it): a
    // server with these settings in front of `t`'s app.
    const config = loadConfig({
      DATA_DIR: t.config.dataDir,
      HTTP_KEEP_ALIVE_TIMEOUT_S: '120',
      HTTP_HEADERS_TIMEOUT_S: '121',
      HTTP_REQUEST_TIMEOUT_S: '180',
    });
    const server = createHttpServer(t.app, config).listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      expect(server.keepAliveTimeout).toBe(120_000);
      expect([server.headersTimeout, server.requestTimeout]).toEqual([121_000, 180_000]);
      const port = (server.address() as { port: number }).port;
      const get = () =>
        new Promise<{ socket: unknown; status: number; keepAlive: string }>((resolve, reject) => {
          const req = http.get({ host: '127.0.0.1', port, path: '/healthz', agent }, (res) => {
            res.resume();
            res.on('end', () => resolve({ socket: req.socket, status: res.statusCode ?? 0, keepAlive: String(res.headers['keep-alive']) }));
          });
          req.on('error', reject);
        });
      const first = await get();
      expect(first.keepAlive).toBe('timeout=120');
      const second = await get();
      expect(second.status).toBe(200);
      expect(second.socket).toBe(first.socket);
    } finally {
      agent.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('nginx publishes neither /metrics nor /docs; compose and the image listen on all interfaces with a metrics port', () => {
    expect(nginx).toMatch(/location = \/metrics \{\s*default_type application\/problem\+json;\s*return 404/);
    expect(nginx).toMatch(/location \^~ \/docs \{\s*default_type application\/problem\+json;\s*return 404/);
    const compose = fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');
    expect(compose).toMatch(/^\s+HOST: 0\.0\.0\.0/m);
    expect(compose).toMatch(/^\s+METRICS_PORT: "\d+"/m);
    expect(compose).not.toMatch(/"\d+:9464"/);
    const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^ENV .*HOST=0\.0\.0\.0/m);
    expect(dockerfile).toMatch(/^ENV .*METRICS_PORT=\d+/m);
  });
});
