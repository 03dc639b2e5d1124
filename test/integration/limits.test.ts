import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { MAX_JSON_DEPTH } from '../../services/http/router';
import { createTestApp, expectProblem, type TestApp } from '../helpers/app';
import { auditEvents, basic, registerSecretClient, type SecretClient } from '../helpers/oauth';
import { operationsOf } from '../fuzz/contract';
import { pathPools } from '../fuzz/requests';
import { nest } from '../fuzz/schema-arbitrary';
import { seedWorld, type World } from '../fuzz/world';

// The limits that keep one caller from exhausting the service: tokens per client, public requests
// per address, body size, header size, JSON nesting depth and page size.

const TOKENS_PER_CLIENT = 3;
const PUBLIC_SUBMISSIONS = 2;
const PUBLIC_LOOKUPS = 3;
let t: TestApp;
let admin: Record<string, string>;

const tokenRequest = (client: SecretClient, form: Record<string, string> = {}) =>
  t.http
    .post('/oauth/token')
    .set('Authorization', basic(client.clientId, client.clientSecret))
    .type('form')
    .send({ grant_type: 'client_credentials', ...form });

/** Sends raw bytes and reads the whole answer (the server closes the connection after refusing a request head). */
function rawRequest(server: TestApp['server'], bytes: string): Promise<string> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.end(bytes));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', reject);
  });
}

beforeAll(async () => {
  t = await createTestApp({
    env: {
      OAUTH_TOKEN_RATE_LIMIT: String(TOKENS_PER_CLIENT),
      OAUTH_TOKEN_RATE_WINDOW_S: '60',
      PUBLIC_COMPLAINT_SUBMISSIONS: String(PUBLIC_SUBMISSIONS),
      PUBLIC_COMPLAINT_LOOKUPS: String(PUBLIC_LOOKUPS),
      MAX_HEADER_KB: '8',
    },
  });
  admin = { Authorization: `Bearer ${await t.staffToken('root-admin')}` };
});
afterAll(() => t?.close());

describe('rate limits', () => {
  it('gives each client at most OAUTH_TOKEN_RATE_LIMIT token requests per window, refused ones included, then 429 with Retry-After', async () => {
    const client = await registerSecretClient(t, { roles: ['pep'], scopes: [] });
    const other = await registerSecretClient(t, { roles: ['pep'], scopes: [] });
    // A refused request costs the server as much as an issued token, so it counts (the report's finding:
    // refusals were free, so a client could loop on expensive refused requests without limit).
    expect((await tokenRequest(client, { scope: 'not-allowed' })).body.error).toBe('invalid_scope');
    // A request that did not authenticate as the client uses up nothing of its allowance.
    expect(
      (
        await t.http
          .post('/oauth/token')
          .set('Authorization', basic(client.clientId, 'wrong'))
          .type('form')
          .send({ grant_type: 'client_credentials' })
      ).status,
    ).toBe(401);
    for (let i = 1; i < TOKENS_PER_CLIENT; i += 1) expect((await tokenRequest(client)).status).toBe(200);

    const limited = await tokenRequest(client);
    expect(limited.status).toBe(429);
    expect(limited.headers['content-type']).toMatch(/^application\/json/);
    expect(limited.body).toEqual({ error: 'temporarily_unavailable', error_description: expect.stringMatching(/Too many token requests/) });
    const retryAfter = Number(limited.headers['retry-after']);
    expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
    expect(limited.headers['cache-control']).toBe('no-store');

    // Per client: another client is not affected; and nothing was issued (or audited) past the limit.
    expect((await tokenRequest(other)).status).toBe(200);
    const issued = await auditEvents(t, { action: 'oauth.token_issued', actor: client.clientId });
    expect(issued).toHaveLength(TOKENS_PER_CLIENT - 1);
    // A refusal of another kind counts as well: invalid_authorization_details, over and over.
    const looping = await registerSecretClient(t, { roles: ['pep'], scopes: [] });
    const details = JSON.stringify([
      { type: 'data_access', locations: ['x'], actions: ['read'], datatypes: ['name'], purpose: 'collections' },
    ]);
    const refusals = [];
    for (let i = 0; i <= TOKENS_PER_CLIENT; i += 1) refusals.push((await tokenRequest(looping, { authorization_details: details })).status);
    expect(refusals).toEqual([...Array<number>(TOKENS_PER_CLIENT).fill(400), 429]);
  });

  it('counts public requests per address: 429 with Retry-After, and X-Forwarded-For (untrusted here) buys no fresh allowance', async () => {
    const complaint = { category: 'other', description: 'Calls I did not agree to' };
    const receipts = [];
    for (let i = 0; i < PUBLIC_SUBMISSIONS; i += 1) receipts.push(await t.http.post('/v1/public/complaints').send(complaint));
    expect(receipts.map((r) => r.status)).toEqual(Array<number>(PUBLIC_SUBMISSIONS).fill(201));
    const limited = await t.http.post('/v1/public/complaints').set('X-Forwarded-For', '203.0.113.7').send(complaint);
    expectProblem(limited, 429, 'rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);

    // Look-ups, each claiming another address: were X-Forwarded-For believed, none would be limited.
    const lookups = [];
    for (let i = 0; i <= PUBLIC_LOOKUPS; i += 1) {
      lookups.push(await t.http.get(`/v1/public/complaints/${receipts[0].body.reference}`).set('X-Forwarded-For', `198.51.100.${i}`));
    }
    expect(lookups.map((r) => r.status)).toEqual([...Array<number>(PUBLIC_LOOKUPS).fill(200), 429]);
    const last = lookups[PUBLIC_LOOKUPS];
    expectProblem(last, 429, 'rate_limited');
    expect(Number(last.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });
});

describe('request size', () => {
  it('answers 413 problem+json for a JSON body over BODY_LIMIT_KB, and the OAuth error shape on the token endpoint', async () => {
    const big = { code: 'BIG', name: 'x'.repeat(t.config.bodyLimitBytes), kind: 'business' };
    expectProblem(await t.http.post('/v1/departments').set(admin).send(big), 413, 'payload_too_large');
    const form = await t.http
      .post('/oauth/token')
      .type('form')
      .send({ grant_type: 'client_credentials', scope: 'x'.repeat(t.config.bodyLimitBytes) });
    expect(form.status).toBe(413);
    expect(form.body.error).toBe('invalid_request');
  });

  it('answers 431 problem+json for a request head over MAX_HEADER_KB, closes that connection, and keeps serving', async () => {
    const answer = await rawRequest(t.server, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Filler: ${'a'.repeat(9 * 1024)}\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 431 /);
    expect(answer).toMatch(/Content-Type: application\/problem\+json/i);
    expect(JSON.parse(answer.split('\r\n\r\n')[1])).toMatchObject({ status: 431, code: 'header_too_large' });
    // Under the limit it is served, and the server is still up after the refusal.
    expect((await t.http.get('/healthz').set('X-Filler', 'a'.repeat(6 * 1024))).status).toBe(200);
  });

  it('answers 400 problem+json to a request Node cannot parse', async () => {
    const answer = await rawRequest(t.server, 'NOT AN HTTP REQUEST\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(answer.split('\r\n\r\n')[1])).toMatchObject({ status: 400, code: 'bad_request' });
    expect((await t.http.get('/healthz')).status).toBe(200);
  });
});

describe('what a body, path or query may hold', () => {
  it(`refuses JSON nested more than ${MAX_JSON_DEPTH} levels with 400 problem+json, on every JSON route (own body parsers included)`, async () => {
    const deep = nest(MAX_JSON_DEPTH + 1, 'object');
    const refused = await t.http.post('/v1/departments').set(admin).send({ code: 'DEEP', name: 'Deep', kind: 'business', parent: deep });
    expectProblem(refused, 400, 'validation_failed');
    expect(refused.body.detail).toMatch(/nests more than 32 levels/);
    // Exactly at the limit the depth check passes (the schema then refuses the value for what it is).
    const atLimit = await t.http
      .post('/v1/departments')
      .set(admin)
      .send(nest(MAX_JSON_DEPTH, 'object') as object);
    expectProblem(atLimit, 400, 'validation_failed');
    expect(atLimit.body.detail).not.toMatch(/nests more than/);
    // Far deeper than any recursion could take, as raw text: still a 400, and the service still answers.
    const raw = `{"a":${'['.repeat(20_000)}${']'.repeat(20_000)}}`;
    expectProblem(
      await t.http.post('/v1/departments').set(admin).set('Content-Type', 'application/json').send(raw),
      400,
      'validation_failed',
    );
    expect((await t.http.get('/healthz')).status).toBe(200);
  });

  it('refuses NUL characters and unpaired surrogates (which PostgreSQL cannot store) in bodies, paths and queries with 400', async () => {
    const body = (name: string) =>
      t.http
        .post('/v1/departments')
        .set(admin)
        .set('Content-Type', 'application/json')
        .send(`{"code":"ODD","name":"${name}","kind":"business"}`);
    expectProblem(await body('a\\u0000b'), 400, 'validation_failed');
    expectProblem(await body('a\\ud800b'), 400, 'validation_failed');
    expectProblem(await t.http.get('/v1/audit?actor=a%00b').set(admin), 400, 'validation_failed');
    expectProblem(await t.http.get('/v1/departments/A%00B').set(admin), 400, 'validation_failed');
    const form = await t.http.post('/oauth/token').type('form').send('grant_type=client_credentials&client_id=a%00b&client_secret=x');
    expect(form.status).toBe(400);
    expect(form.body.error).toBe('invalid_request');
    // A well-formed pair (an emoji) is text like any other.
    expect((await body('Team 🦊')).status).toBe(201);
  });

  it('refuses a value that starts with a byte order mark (PGlite would read it back without it, and the audit chain would break)', async () => {
    const before = (await t.container.audit.verify()).checked;
    const body = (name: string) =>
      t.http
        .post('/v1/departments')
        .set(admin)
        .set('Content-Type', 'application/json')
        .send(`{"code":"BOMMY","name":"${name}","kind":"business"}`);
    expectProblem(await body('\ufeffRetail'), 400, 'validation_failed');
    expectProblem(await t.http.get('/v1/audit?actor=%EF%BB%BFada').set(admin), 400, 'validation_failed');
    const form = await t.http.post('/oauth/revoke').type('form').send('token=x&client_id=%EF%BB%BFBOM&client_secret=x');
    expect(form.status).toBe(400);
    // A client id with a mark in a Basic header is a failed authentication, recorded without the id it cannot keep.
    const basic = `Basic ${Buffer.from(`${encodeURIComponent('\ufeffBOM')}:x`).toString('base64')}`;
    expect((await t.http.post('/oauth/token').set('Authorization', basic).type('form').send('grant_type=client_credentials')).status).toBe(
      401,
    );
    // Inside a value the mark is text like any other.
    expect((await body('Retail\ufeff')).status).toBe(201);
    expect(await t.container.audit.verify()).toMatchObject({ valid: true, checked: before + 2 });
  });
});

describe('page size', () => {
  let seeded: TestApp;
  let world: World;
  beforeAll(async () => {
    seeded = await createTestApp();
    world = await seedWorld(seeded);
  }, 120_000);
  afterAll(() => seeded?.close());

  it('documents a limit of at most 200 on every list, and answers 400 problem+json to limit=201 on each', async () => {
    const document = (await seeded.http.get('/openapi.json').expect(200)).body as Record<string, unknown>;
    const pools = pathPools(world);
    const lists = operationsOf(document).filter((op) => {
      const ok = op.responses['200']?.['application/json'] as { $ref?: string } | undefined;
      const schema = ok?.$ref
        ? (document.components as { schemas: Record<string, { properties?: Record<string, unknown> }> }).schemas[
            ok.$ref.split('/').pop() ?? ''
          ]
        : undefined;
      return op.method === 'get' && schema?.properties?.items !== undefined && schema.properties.nextCursor !== undefined;
    });
    expect(lists.length).toBeGreaterThanOrEqual(20);
    const staffTokens = new Map<string, string>();
    const as = async (sub: string) => {
      if (!staffTokens.has(sub)) staffTokens.set(sub, `Bearer ${await seeded.staffToken(sub)}`);
      return staffTokens.get(sub) as string;
    };
    const callers = ['root-admin', 'privacy_officer@all', 'auditor@all', 'vendor_manager@all', 'app_manager@all', 'data_owner@all'];
    const wrong: string[] = [];
    for (const op of lists) {
      const limit = op.parameters.find((p) => p.in === 'query' && p.name === 'limit');
      if (!limit || (limit.schema as { maximum?: number }).maximum !== 200) {
        wrong.push(`${op.operationId}: no limit parameter with maximum 200`);
        continue;
      }
      const segments = op.path.split('/');
      const path = segments
        .map((s, i) => (/^\{(\w+)\}$/.test(s) ? encodeURIComponent(pools[`${segments[i - 1]}.${s.slice(1, -1)}`]?.[0] ?? 'x') : s))
        .join('/');
      const client = Object.keys(op.security[0] ?? {})[0] === 'client';
      // The first caller allowed to list answers the question; 401/403 come before query validation.
      let answered = false;
      for (const caller of client ? ['machine'] : callers) {
        const authorization = client ? `Bearer ${world.machine.token}` : await as(caller);
        const query =
          op.operationId === 'listOwnConsentHistory' || op.operationId === 'listConsentHistory' ? `&subject=${world.consentSubject}` : '';
        const over = await seeded.http.get(`${path}?limit=201${query}`).set('Authorization', authorization);
        if (over.status === 403) continue;
        answered = true;
        if (over.status !== 400 || !/limit/.test(over.body?.detail ?? '') || !/problem\+json/.test(over.headers['content-type'] ?? '')) {
          wrong.push(`${op.operationId}: limit=201 → ${over.status} ${over.body?.detail ?? ''}`);
        }
        const at = await seeded.http.get(`${path}?limit=200${query}`).set('Authorization', authorization);
        if (at.status === 400 && /limit/.test(at.body?.detail ?? '')) wrong.push(`${op.operationId}: limit=200 refused`);
        break;
      }
      if (!answered) wrong.push(`${op.operationId}: no seeded caller may list it`);
    }
    expect(wrong).toEqual([]);
  }, 300_000);
});
