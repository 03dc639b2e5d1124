import crypto from 'node:crypto';
import { createTestApp, type TestApp } from '../helpers/app';
import { basic, registerSecretClient } from '../helpers/oauth';

// Every response carries helmet's headers; JSON gets a CSP that allows nothing, /docs one that lets
// Swagger UI run its own files and its one inline script (by hash); /v1 and /oauth are not cached.

let t: TestApp;
const auth = async (sub: string) => ({ Authorization: `Bearer ${await t.staffToken(sub)}` });

const csp = (res: { headers: Record<string, string> }) =>
  new Map(
    (res.headers['content-security-policy'] ?? '')
      .split(';')
      .map((d) => d.trim())
      .filter(Boolean)
      .map((d) => {
        const [name, ...values] = d.split(/\s+/);
        return [name, values] as const;
      }),
  );

function expectCommon(res: { headers: Record<string, string> }) {
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(res.headers['x-frame-options']).toBe('DENY');
  expect(res.headers['referrer-policy']).toBe('no-referrer');
  expect(csp(res).get('frame-ancestors')).toEqual(["'none'"]);
  expect(res.headers['x-powered-by']).toBeUndefined();
}

function expectStrictCsp(res: { headers: Record<string, string> }) {
  expectCommon(res);
  const policy = csp(res);
  expect(policy.get('default-src')).toEqual(["'none'"]);
  expect(policy.has('script-src')).toBe(false);
  expect(policy.get('base-uri')).toEqual(["'none'"]);
  expect(policy.get('form-action')).toEqual(["'none'"]);
}

beforeAll(async () => {
  t = await createTestApp();
  await t.grantRole('alice', 'admin', '*');
});
afterAll(() => t.close());

describe('security headers', () => {
  it('puts a strict CSP and nosniff on JSON, successes and problems alike', async () => {
    const responses = [
      await t.http.get('/healthz'),
      await t.http.get('/openapi.json'),
      await t.http.get('/v1/departments').set(await auth('alice')),
      await t.http.get('/v1/departments'),
      await t.http.get('/v1/no-such-thing'),
      await t.http.get('/v1/public/notices/no_such_purpose'),
      await t.http
        .post('/v1/departments')
        .set(await auth('alice'))
        .send({ code: 'x' }),
      await t.http.get('/.well-known/jwks.json'),
    ];
    for (const res of responses) expectStrictCsp(res);
  });

  it('never lets a cache store /v1 or /oauth responses, errors included', async () => {
    const staff = await t.http.get('/v1/departments').set(await auth('alice'));
    expect(staff.status).toBe(200);
    for (const res of [
      staff,
      await t.http.get('/v1/departments'),
      await t.http.get('/v1/public/notices/no_such_purpose'),
      await t.http.get('/v1/role-assignments').set(await auth('alice')),
    ]) {
      expect(res.headers['cache-control']).toBe('no-store');
    }
    const client = await registerSecretClient(t, { roles: ['pep'], scopes: [] });
    const token = await t.http
      .post('/oauth/token')
      .set('Authorization', basic(client.clientId, client.clientSecret))
      .type('form')
      .send({ grant_type: 'client_credentials' });
    expect(token.status).toBe(200);
    expect(token.headers['cache-control']).toBe('no-store');
    expectStrictCsp(token);
    const introspected = await t.http
      .post('/oauth/introspect')
      .set('Authorization', basic(client.clientId, client.clientSecret))
      .type('form')
      .send({ token: token.body.access_token });
    expect(introspected.headers['cache-control']).toBe('no-store');
    const refused = await t.http
      .post('/oauth/token')
      .set('Authorization', basic(client.clientId, 'wrong'))
      .type('form')
      .send({ grant_type: 'client_credentials' });
    expect(refused.headers['cache-control']).toBe('no-store');
  });

  it('lets /docs run Swagger UI: its own scripts and its inline script by hash, nothing else inline, no eval', async () => {
    const page = await t.http.get('/docs');
    expect(page.status).toBe(200);
    expectCommon(page);
    const policy = csp(page);
    const scripts = policy.get('script-src') ?? [];
    expect(scripts).toContain("'self'");
    expect(scripts).not.toContain("'unsafe-inline'");
    expect(scripts).not.toContain("'unsafe-eval'");
    const inline = [...page.text.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
    expect(inline.length).toBeGreaterThan(0);
    for (const script of inline)
      expect(scripts).toContain(`'sha256-${crypto.createHash('sha256').update(script, 'utf8').digest('base64')}'`);
    expect(policy.get('connect-src')).toEqual(["'self'"]);
    expect(policy.get('default-src')).toEqual(["'none'"]);
    for (const src of [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1])) {
      const asset = await t.http.get(src);
      expect({ src, status: asset.status }).toEqual({ src, status: 200 });
      expectCommon(asset);
    }
  });

  it('keeps a published notice cacheable: the route’s own Cache-Control wins', async () => {
    // The notices suite checks the public max-age on a published notice; here, the default does not override a route's choice.
    const res = await t.http.get('/.well-known/jwks.json');
    expect(res.headers['cache-control']).toMatch(/^public, max-age=\d+$/);
  });
});
