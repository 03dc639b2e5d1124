import crypto from 'node:crypto';
import { SignJWT, base64url } from 'jose';
import { createTestApp, type TestApp } from '../helpers/app';
import {
  JWT_BEARER,
  assertionForm,
  auditEvents,
  clientAssertion,
  registerKeyClient,
  registerSecretClient,
  type KeyClient,
  type SecretClient,
} from '../helpers/oauth';

// The attack report: a NUL in the client id (Basic "a\0b:x", "%00", the sub/iss of a client
// assertion, signed or not) gave unauthenticated 500s on every protocol endpoint, with a stack
// trace logged and no failed-authentication event; so did a NUL in an assertion jti. Every decoded
// credential and claim is now checked before it reaches the database: a failed authentication,
// audited, never a 5xx. Lone surrogates and a leading byte order mark are the same class.

let t: TestApp;
let secretClient: SecretClient;
let keyClient: KeyClient;

beforeAll(async () => {
  t = await createTestApp();
  secretClient = await registerSecretClient(t);
  keyClient = await registerKeyClient(t);
});
afterAll(() => t.close());

const ENDPOINTS = [
  ['/oauth/token', { grant_type: 'client_credentials' }],
  ['/oauth/introspect', { token: 'x' }],
  ['/oauth/revoke', { token: 'x' }],
] as const;

/** Basic credentials from raw bytes (no form-encoding applied), as an attacker would send them. */
const rawBasic = (bytes: Buffer | string) => `Basic ${Buffer.from(bytes).toString('base64')}`;
const unsigned = (claims: Record<string, unknown>) =>
  `${base64url.encode(JSON.stringify({ alg: 'none' }))}.${base64url.encode(JSON.stringify(claims))}.`;
const now = () => Math.floor(Date.now() / 1000);

const errorLogged = (from: number) => t.logLines.slice(from).some((line) => (JSON.parse(line) as { level: number }).level >= 50);

describe.each(ENDPOINTS)('%s', (path, form) => {
  it.each([
    ['a NUL in the Basic client id', () => rawBasic('a\u0000b:x')],
    ['a form-encoded NUL (%00) in the Basic client id', () => rawBasic('a%00b:x')],
    ['an encoded lone surrogate (%ED%A0%80) in the Basic client id', () => rawBasic('a%ED%A0%80:x')],
    ['raw bytes that are not UTF-8 in the Basic client id', () => rawBasic(Buffer.from([0x61, 0xed, 0xa0, 0x80, 0x3a, 0x78]))],
    ['a byte order mark at the start of the Basic client id', () => rawBasic('%EF%BB%BFabc:x')],
    ['a NUL in the Basic secret of a real client', () => rawBasic(`${secretClient.clientId}:a%00b`)],
  ])('answers %s with 401 invalid_client, audited, nothing logged as an error', async (_label, header) => {
    const logged = t.logLines.length;
    const res = await t.http.post(path).set('Authorization', header()).type('form').send(form);
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: 'invalid_client' });
    expect(res.headers['www-authenticate']).toBe('Basic realm="privacy-governance", error="invalid_client"');
    expect(errorLogged(logged)).toBe(false);
  });

  it.each([
    [
      'unsigned, with a NUL in sub and iss',
      () => unsigned({ sub: 'a\u0000b', iss: 'a\u0000b', aud: t.config.publicUrl, exp: now() + 60, jti: 'j1' }),
    ],
    ['signed by a real client, with a NUL in its jti', () => clientAssertion(t, keyClient, { jti: `x\u0000${crypto.randomUUID()}` })],
  ])('answers an assertion %s with 401 invalid_client, nothing logged as an error', async (_label, make) => {
    const logged = t.logLines.length;
    const res = await t.http
      .post(path)
      .type('form')
      .send(assertionForm(await make(), form));
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: 'invalid_client' });
    expect(errorLogged(logged)).toBe(false);
  });

  it('answers a NUL in a form value with 400 invalid_request, and bytes that are not UTF-8 with a 4xx', async () => {
    const send = (body: string) =>
      t.http
        .post(path)
        .type('form')
        .send(
          `${Object.entries(form)
            .map(([k, v]) => `${k}=${v}`)
            .join('&')}&${body}`,
        );
    for (const body of ['client_id=a%00b&client_secret=x', 'client_id=x&client_secret=a%00']) {
      const res = await send(body);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_request');
    }
    // The form decoder keeps undecodable bytes as they came: a client id no client has.
    const res = await send('client_id=a%ED%A0%80&client_secret=x');
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_client');
  });
});

describe('client assertions carrying unstorable text (token endpoint)', () => {
  it.each([
    [
      'unsigned, with a lone surrogate in sub and iss',
      () => unsigned({ sub: 'a\ud800', iss: 'a\ud800', aud: t.config.publicUrl, exp: now() + 60, jti: 'j2' }),
    ],
    [
      'unsigned, with a byte order mark starting sub and iss',
      () => unsigned({ sub: '\ufeffab', iss: '\ufeffab', aud: t.config.publicUrl, exp: now() + 60, jti: 'j3' }),
    ],
    ['signed by a real client, naming a NUL id', () => clientAssertion(t, keyClient, { sub: 'a\u0000b', iss: 'a\u0000b' })],
    [
      'signed by a real client, with a lone surrogate in its jti',
      () => clientAssertion(t, keyClient, { jti: `x\udc00${crypto.randomUUID()}` }),
    ],
    [
      'signed by a real client, with a byte order mark starting its jti',
      () => clientAssertion(t, keyClient, { jti: `\ufeff${crypto.randomUUID()}` }),
    ],
  ])('answers an assertion %s with 401 invalid_client, nothing logged as an error', async (_label, make) => {
    const logged = t.logLines.length;
    const res = await t.http
      .post('/oauth/token')
      .type('form')
      .send(assertionForm(await make()));
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: 'invalid_client' });
    expect(errorLogged(logged)).toBe(false);
  });
});

describe('what the audit log keeps of an unstorable credential', () => {
  it('records the failure without the id it cannot keep', async () => {
    const before = (await t.container.audit.verify()).checked;
    const res = await t.http
      .post('/oauth/token')
      .set('Authorization', rawBasic('nul\u0000id:x'))
      .type('form')
      .send({ grant_type: 'client_credentials' });
    expect(res.status).toBe(401);
    const events = await auditEvents(t, { action: 'oauth.client_authentication_failed' });
    expect(events.some((e) => e.objectId === null && (e.details as { reason: string }).reason === 'unknown_client')).toBe(true);
    expect(JSON.stringify(events)).not.toContain('nul\\u0000id');
    expect(await t.container.audit.verify()).toMatchObject({ valid: true });
    expect((await t.container.audit.verify()).checked).toBeGreaterThanOrEqual(before);
  });

  it('records a signed assertion with an unstorable jti as assertion_jti_invalid of its client, and stores no claim of it', async () => {
    const jti = `bad\u0000${crypto.randomUUID()}`;
    const res = await t.http
      .post('/oauth/token')
      .type('form')
      .send(assertionForm(await clientAssertion(t, keyClient, { jti })));
    expect(res.status).toBe(401);
    const events = await auditEvents(t, { action: 'oauth.client_authentication_failed', objectId: keyClient.clientId });
    expect(events.map((e) => (e.details as { reason: string }).reason)).toContain('assertion_jti_invalid');
    // The client itself still authenticates.
    expect(
      (
        await t.http
          .post('/oauth/token')
          .type('form')
          .send(assertionForm(await clientAssertion(t, keyClient)))
      ).status,
    ).toBe(200);
  });

  // A client id not in the format this server issues is refused before it is looked up: test/unit/oauth-clients-rules.test.ts.

  it('still refuses an assertion with alg none from a real client id (no unsigned assertions)', async () => {
    const assertion = unsigned({
      sub: keyClient.clientId,
      iss: keyClient.clientId,
      aud: t.config.publicUrl,
      exp: now() + 60,
      jti: crypto.randomUUID(),
    });
    const res = await t.http
      .post('/oauth/token')
      .type('form')
      .send({ grant_type: 'client_credentials', client_assertion_type: JWT_BEARER, client_assertion: assertion });
    expect(res.status).toBe(401);
  });

  it('signs test assertions with the key it registered (sanity check of the helpers above)', async () => {
    const jwt = await new SignJWT({ sub: keyClient.clientId, iss: keyClient.clientId, aud: t.config.publicUrl, jti: crypto.randomUUID() })
      .setProtectedHeader({ alg: 'ES256', kid: keyClient.kid })
      .setExpirationTime('1m')
      .sign(keyClient.privateKey);
    expect((await t.http.post('/oauth/token').type('form').send(assertionForm(jwt))).status).toBe(200);
  });
});
