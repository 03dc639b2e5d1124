import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestApp, expectProblem, type TestApp } from '../helpers/app';
import { adminHeaders, assertionForm, auditEvents, clientAssertion, newClientKey, type KeyClient } from '../helpers/oauth';

// The attack report's SSRF: a vendor manager registered a jwksUri pointing at an internal address,
// and an anonymous assertion naming that client made the service fetch it. Internal addresses are
// refused at registration and again at fetch time; OAUTH_JWKS_ALLOWED_HOSTS exempts the bank's own
// hosts (here: the loopback test key server); redirects are not followed; size and time are bounded.

let keyServer: http.Server;
let base: string;
const hits: Record<string, number> = {};
let key: Awaited<ReturnType<typeof newClientKey>>;

beforeAll(async () => {
  key = await newClientKey();
  keyServer = http.createServer((req, res) => {
    const path = req.url ?? '';
    hits[path] = (hits[path] ?? 0) + 1;
    if (path === '/jwks') {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ keys: [key.publicJwk] }));
    } else if (path === '/redirect') {
      res.writeHead(302, { Location: `${base}/jwks` });
      res.end();
    } else if (path === '/big') {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ keys: [key.publicJwk], padding: 'x'.repeat(100 * 1024) }));
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((resolve) => keyServer.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(keyServer.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => keyServer.close(() => resolve()));
});

const register = async (t: TestApp, jwksUri: string) =>
  t.http
    .post('/v1/clients')
    .set(await adminHeaders(t))
    .send({ name: 'Key set at a URL', roles: ['pep'], scopes: [], tokenEndpointAuthMethod: 'private_key_jwt', jwksUri });

const asKeyClient = (clientId: string): KeyClient => ({ clientId, ...key });

describe('without an allowlist (the default)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it.each([
    ['the loopback key server', () => `${base}/jwks`],
    ['localhost (a name that resolves to loopback)', () => `${base.replace('127.0.0.1', 'localhost')}/jwks`],
    ['an IPv6 loopback literal', () => 'http://[::1]/jwks'],
    ['an IPv4-mapped loopback literal', () => 'http://[::ffff:127.0.0.1]/jwks'],
    ['a decimal loopback address', () => 'http://2130706433/jwks'],
    ['the cloud metadata address', () => 'http://169.254.169.254/latest/meta-data/iam'],
    ['a private address', () => 'https://10.0.0.5/jwks'],
    ['a CGNAT address', () => 'https://100.64.1.1/jwks'],
    ['a unique-local IPv6 address', () => 'https://[fd00::1]/jwks'],
    ['the unspecified address', () => 'http://0.0.0.0/jwks'],
  ])('refuses to register a jwksUri at %s (400), and fetches nothing', async (_label, uri) => {
    const before = hits['/jwks'] ?? 0;
    const res = await register(t, uri());
    expectProblem(res, 400, 'validation_failed');
    expect(res.body.detail).toMatch(/^body\.jwksUri: /);
    expect(hits['/jwks'] ?? 0).toBe(before);
  });

  it('refuses to rotate a client onto such a jwksUri', async () => {
    const registered = await t.http
      .post('/v1/clients')
      .set(await adminHeaders(t))
      .send({ name: 'Key client', roles: ['pep'], scopes: [], tokenEndpointAuthMethod: 'private_key_jwt', jwks: { keys: [key.publicJwk] } })
      .expect(201);
    const res = await t.http
      .post(`/v1/clients/${registered.body.clientId}/rotate-credentials`)
      .set(await adminHeaders(t))
      .send({ jwksUri: `${base}/jwks` });
    expectProblem(res, 400, 'validation_failed');
  });

  it('never fetches an internal jwksUri stored before this check (an anonymous assertion naming the client), and audits why', async () => {
    const registered = await t.http
      .post('/v1/clients')
      .set(await adminHeaders(t))
      .send({
        name: 'Legacy key client',
        roles: ['pep'],
        scopes: [],
        tokenEndpointAuthMethod: 'private_key_jwt',
        jwks: { keys: [key.publicJwk] },
      })
      .expect(201);
    const clientId = registered.body.clientId as string;
    // As if registered before the check existed: the row points inside.
    await t.container
      .db('oauth_clients')
      .where({ client_id: clientId })
      .update({ jwks: null, jwks_uri: `${base}/jwks` });
    const before = hits['/jwks'] ?? 0;
    const res = await t.http
      .post('/oauth/token')
      .type('form')
      .send(assertionForm(await clientAssertion(t, asKeyClient(clientId))));
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_client');
    expect(hits['/jwks'] ?? 0).toBe(before);
    const events = await auditEvents(t, { action: 'oauth.client_authentication_failed', objectId: clientId });
    expect(events[0].details).toMatchObject({ reason: 'client_jwks_uri_refused' });
  });
});

describe('with the key server allowlisted (OAUTH_JWKS_ALLOWED_HOSTS=127.0.0.1)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { OAUTH_JWKS_ALLOWED_HOSTS: '127.0.0.1' } });
  });
  afterAll(() => t.close());

  it('registers the client and verifies its assertions with the keys fetched from there', async () => {
    const res = await register(t, `${base}/jwks`);
    expect(res.status).toBe(201);
    const before = hits['/jwks'] ?? 0;
    const token = await t.http
      .post('/oauth/token')
      .type('form')
      .send(assertionForm(await clientAssertion(t, asKeyClient(res.body.clientId))));
    expect(token.status).toBe(200);
    expect(hits['/jwks']).toBe(before + 1);
  });

  it('still refuses what the allowlist does not name (127.0.0.2 is another address)', async () => {
    expectProblem(await register(t, 'http://127.0.0.2/jwks'), 400, 'validation_failed');
    expectProblem(await register(t, 'http://169.254.169.254/jwks'), 400, 'validation_failed');
  });

  it('does not follow a redirect', async () => {
    const res = await register(t, `${base}/redirect`);
    expect(res.status).toBe(201);
    const before = { redirect: hits['/redirect'] ?? 0, jwks: hits['/jwks'] ?? 0 };
    const token = await t.http
      .post('/oauth/token')
      .type('form')
      .send(assertionForm(await clientAssertion(t, asKeyClient(res.body.clientId))));
    expect(token.status).toBe(401);
    expect(hits['/redirect']).toBe(before.redirect + 1);
    expect(hits['/jwks'] ?? 0).toBe(before.jwks);
  });

  it('reads at most 64 KiB of a key set', async () => {
    const res = await register(t, `${base}/big`);
    expect(res.status).toBe(201);
    const token = await t.http
      .post('/oauth/token')
      .type('form')
      .send(assertionForm(await clientAssertion(t, asKeyClient(res.body.clientId), { jti: crypto.randomUUID() })));
    expect(token.status).toBe(401);
    const events = await auditEvents(t, { action: 'oauth.client_authentication_failed', objectId: res.body.clientId });
    expect(events[0].details).toMatchObject({ reason: 'client_jwks_uri_refused' });
  });
});
