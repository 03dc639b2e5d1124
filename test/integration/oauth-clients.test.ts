import { createTestApp, expectProblem, type TestApp } from '../helpers/app';
import { adminHeaders, auditEvents, basic, newClientKey, registerSecretClient } from '../helpers/oauth';

let t: TestApp;
let admin: Record<string, string>;

beforeAll(async () => {
  t = await createTestApp();
  admin = await adminHeaders(t);
  await t.grantRole('audrey', 'auditor', '*');
  await t.grantRole('vera', 'vendor_manager', '*');
});
afterAll(() => t.close());

const tokenStatus = async (clientId: string, secret: string) =>
  (await t.http.post('/oauth/token').set('Authorization', basic(clientId, secret)).type('form').send({ grant_type: 'client_credentials' }))
    .status;

describe('/v1/clients', () => {
  it('registers an internal secret client: secret shown once, only a hash stored, audited without it', async () => {
    const res = await t.http
      .post('/v1/clients')
      .set(admin)
      .send({ name: 'Card data service', roles: ['pep'], scopes: ['decisions'], tokenEndpointAuthMethod: 'client_secret_basic' })
      .expect(201);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toMatchObject({ kind: 'internal', vendorId: null, roles: ['pep'], status: 'active', accessTokenTtlSeconds: 600 });
    const secret = res.body.clientSecret as string;
    expect(Buffer.from(secret, 'base64url')).toHaveLength(32);

    const got = await t.http.get(`/v1/clients/${res.body.clientId}`).set(admin).expect(200);
    expect(got.body.clientSecret).toBeUndefined();
    expect(JSON.stringify(got.body)).not.toContain(secret);

    const row = await t.container.db('oauth_clients').where({ client_id: res.body.clientId }).first();
    expect(row.secret_hash).toMatch(/^hmac-sha256-v1:/);
    expect(JSON.stringify(row)).not.toContain(secret);

    const events = await auditEvents(t, { objectType: 'client', objectId: res.body.clientId });
    expect(events.map((e) => e.action)).toEqual(['client.registered']);
    expect(JSON.stringify(events)).not.toContain(secret);
    expect(t.logLines.join('\n')).not.toContain(secret);
    expect(await tokenStatus(res.body.clientId, secret)).toBe(200);
  });

  it('registers a private_key_jwt client with its public JWK set and no secret', async () => {
    const key = await newClientKey();
    const res = await t.http
      .post('/v1/clients')
      .set(admin)
      .send({
        name: 'App back end',
        roles: ['consent_collector'],
        tokenEndpointAuthMethod: 'private_key_jwt',
        jwks: { keys: [key.publicJwk] },
      })
      .expect(201);
    expect(res.body.clientSecret).toBeUndefined();
    expect(res.body.jwks.keys[0].kid).toBe(key.kid);
  });

  // A private key, an HMAC algorithm and a broken key are refused by the service: test/unit/oauth-clients-rules.test.ts.
  it('refuses a JWK set with a symmetric key (400)', async () => {
    const res = await t.http
      .post('/v1/clients')
      .set(admin)
      .send({
        name: 'Bad keys',
        roles: ['pep'],
        tokenEndpointAuthMethod: 'private_key_jwt',
        jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] },
      });
    expectProblem(res, 400, 'validation_failed');
  });

  it.each([
    ['no roles', { name: 'x', roles: [], tokenEndpointAuthMethod: 'client_secret_basic' }],
    ['an unknown role', { name: 'x', roles: ['god'], tokenEndpointAuthMethod: 'client_secret_basic' }],
    [
      'keys for a secret client',
      { name: 'x', roles: ['pep'], tokenEndpointAuthMethod: 'client_secret_post', jwksUri: 'https://keys.example/jwks' },
    ],
    ['no keys for private_key_jwt', { name: 'x', roles: ['pep'], tokenEndpointAuthMethod: 'private_key_jwt' }],
    ['a scope with a space', { name: 'x', roles: ['pep'], scopes: ['a b'], tokenEndpointAuthMethod: 'client_secret_basic' }],
    ['a TTL over 10 minutes', { name: 'x', roles: ['pep'], tokenEndpointAuthMethod: 'client_secret_basic', accessTokenTtlSeconds: 601 }],
    ['a kind (internal only here)', { name: 'x', roles: ['pep'], tokenEndpointAuthMethod: 'client_secret_basic', kind: 'vendor' }],
  ])('refuses %s (400) and writes nothing', async (_label, body) => {
    const before = (await t.container.db('oauth_clients').count({ n: '*' }))[0].n;
    expectProblem(await t.http.post('/v1/clients').set(admin).send(body), 400, 'validation_failed');
    expect((await t.container.db('oauth_clients').count({ n: '*' }))[0].n).toBe(before);
  });

  it('lets auditors read but not register; others neither', async () => {
    const audrey = { Authorization: `Bearer ${await t.staffToken('audrey')}` };
    await t.http.get('/v1/clients').set(audrey).expect(200);
    expectProblem(
      await t.http
        .post('/v1/clients')
        .set(audrey)
        .send({ name: 'x', roles: ['pep'], tokenEndpointAuthMethod: 'client_secret_basic' }),
      403,
    );
    const vera = { Authorization: `Bearer ${await t.staffToken('vera')}` };
    expectProblem(await t.http.get('/v1/clients').set(vera), 403);
  });

  it('pages and filters the list', async () => {
    await registerSecretClient(t);
    await registerSecretClient(t);
    const first = await t.http.get('/v1/clients?limit=1&kind=internal').set(admin).expect(200);
    expect(first.body.items).toHaveLength(1);
    const second = await t.http.get(`/v1/clients?limit=1&kind=internal&cursor=${first.body.nextCursor}`).set(admin).expect(200);
    expect(second.body.items[0].clientId).not.toBe(first.body.items[0].clientId);
    expect(
      (await t.http.get('/v1/clients?status=disabled&limit=200').set(admin).expect(200)).body.items.every(
        (c: { status: string }) => c.status === 'disabled',
      ),
    ).toBe(true);
  });

  it('answers 404 for an unknown client', async () => {
    expectProblem(await t.http.get('/v1/clients/nope').set(admin), 404);
    expectProblem(await t.http.post('/v1/clients/nope/disable').set(admin), 404);
  });

  it('disables a client: no new tokens, audited, a second disable is 409', async () => {
    const client = await registerSecretClient(t);
    const res = await t.http.post(`/v1/clients/${client.clientId}/disable`).set(admin).expect(200);
    expect(res.body).toMatchObject({ status: 'disabled', disabledAt: expect.any(String) });
    expect(await tokenStatus(client.clientId, client.clientSecret)).toBe(401);
    const failures = await auditEvents(t, { action: 'oauth.client_authentication_failed', objectId: client.clientId });
    expect(failures[0].details).toMatchObject({ reason: 'client_disabled' });
    expectProblem(await t.http.post(`/v1/clients/${client.clientId}/disable`).set(admin), 409, 'client_disabled');
    const events = await auditEvents(t, { objectType: 'client', objectId: client.clientId, actor: 'root-admin' });
    expect(events.map((e) => e.action)).toEqual(['client.disabled', 'client.registered']);
  });
});

describe('credential rotation', () => {
  it('keeps the old secret valid for the grace period and the new one from now on', async () => {
    const client = await registerSecretClient(t);
    const res = await t.http.post(`/v1/clients/${client.clientId}/rotate-credentials`).set(admin).send({}).expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const fresh = res.body.clientSecret as string;
    expect(fresh).not.toBe(client.clientSecret);
    expect(Date.parse(res.body.previousSecretExpiresAt) - Date.now()).toBeGreaterThan(86_000_000);
    expect(await tokenStatus(client.clientId, fresh)).toBe(200);
    expect(await tokenStatus(client.clientId, client.clientSecret)).toBe(200);
    const events = await auditEvents(t, { action: 'client.credentials_rotated', objectId: client.clientId });
    expect(JSON.stringify(events)).not.toContain(fresh);
  });
  // graceSeconds 0, the end of the grace period, key rotation and the refusals of rotation are rules
  // of the client service and client authentication: test/unit/oauth-clients-rules.test.ts.
});
