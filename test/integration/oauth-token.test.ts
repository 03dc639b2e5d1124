import { decodeJwt, decodeProtectedHeader, generateKeyPair } from 'jose';
import { createTestApp, type TestApp } from '../helpers/app';
import { breakNextLinkedBatch } from '../helpers/audit';
import {
  assertionForm,
  auditEvents,
  basic,
  clientAssertion,
  registerKeyClient,
  registerSecretClient,
  type KeyClient,
  type SecretClient,
} from '../helpers/oauth';

let t: TestApp;
let basicClient: SecretClient;
let postClient: SecretClient;
let keyClient: KeyClient;

beforeAll(async () => {
  t = await createTestApp();
  basicClient = await registerSecretClient(t, { scopes: ['decisions', 'introspect'] });
  postClient = await registerSecretClient(t, { method: 'client_secret_post', roles: ['consent_collector'], scopes: ['consents:write'] });
  keyClient = await registerKeyClient(t, { scopes: ['decisions'] });
});
afterAll(() => t.close());

const token = () => t.http.post('/oauth/token').type('form');

/** Every OAuth error is RFC 6749 §5.2 JSON, never problem+json, and never cached. */
function expectOAuthError(
  res: { status: number; headers: Record<string, string>; body: { error?: string } },
  status: number,
  error: string,
): void {
  expect({
    status: res.status,
    type: res.headers['content-type']?.split(';')[0],
    error: res.body.error,
    cache: res.headers['cache-control'],
  }).toEqual({
    status,
    type: 'application/json',
    error,
    cache: 'no-store',
  });
}

describe('POST /oauth/token: client credentials', () => {
  it('issues an RFC 9068 access token with client_secret_basic, no-store, audited', async () => {
    const res = await token()
      .set('Authorization', basic(basicClient.clientId, basicClient.clientSecret))
      .send({ grant_type: 'client_credentials' });
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers.pragma).toBe('no-cache');
    expect(res.body).toMatchObject({ token_type: 'Bearer', expires_in: 600, scope: 'decisions introspect' });
    const header = decodeProtectedHeader(res.body.access_token);
    expect(header).toMatchObject({ typ: 'at+jwt', alg: 'ES256', kid: expect.any(String) });
    const claims = decodeJwt(res.body.access_token);
    expect(claims).toMatchObject({
      iss: t.config.publicUrl,
      sub: basicClient.clientId,
      client_id: basicClient.clientId,
      aud: t.config.publicUrl,
      scope: 'decisions introspect',
      jti: expect.any(String),
    });
    expect((claims.exp as number) - (claims.iat as number)).toBe(600);

    const events = await auditEvents(t, { action: 'oauth.token_issued', objectId: claims.jti as string });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actorType: 'client', actorId: basicClient.clientId, objectType: 'access_token' });
    expect(events[0].details).toMatchObject({ authMethod: 'client_secret_basic', scope: ['decisions', 'introspect'], kid: header.kid });
  });

  it('issues a token with client_secret_post', async () => {
    const res = await token().send({
      grant_type: 'client_credentials',
      client_id: postClient.clientId,
      client_secret: postClient.clientSecret,
    });
    expect(res.status).toBe(200);
    expect(decodeJwt(res.body.access_token).client_id).toBe(postClient.clientId);
  });

  it('issues a token with private_key_jwt (assertion audience = issuer or token endpoint)', async () => {
    for (const aud of [t.config.publicUrl, `${t.config.publicUrl}/oauth/token`]) {
      const res = await token().send(assertionForm(await clientAssertion(t, keyClient, { aud })));
      expect(res.status).toBe(200);
      expect(decodeJwt(res.body.access_token).sub).toBe(keyClient.clientId);
    }
  });

  it('narrows scope to what was asked', async () => {
    const res = await token()
      .set('Authorization', basic(basicClient.clientId, basicClient.clientSecret))
      .send({ grant_type: 'client_credentials', scope: 'decisions' });
    expect(res.status).toBe(200);
    expect(res.body.scope).toBe('decisions');
    expect(decodeJwt(res.body.access_token).scope).toBe('decisions');
  });

  it('refuses a scope beyond the client’s allowed scopes (invalid_scope)', async () => {
    const res = await token()
      .set('Authorization', basic(basicClient.clientId, basicClient.clientSecret))
      .send({ grant_type: 'client_credentials', scope: 'decisions admin' });
    expectOAuthError(res, 400, 'invalid_scope');
  });

  it('caps the lifetime at the client’s configured TTL', async () => {
    const short = await registerSecretClient(t, { ttl: 120 });
    const res = await token().set('Authorization', basic(short.clientId, short.clientSecret)).send({ grant_type: 'client_credentials' });
    expect(res.body.expires_in).toBe(120);
  });
});

describe('POST /oauth/token: durability', () => {
  it('shares commits between concurrent requests, and every token issued is in the audit log', async () => {
    const basicAuth = basic(basicClient.clientId, basicClient.clientSecret);
    // Known to the client directory before the first batch holds the (PGlite: only) connection.
    await token().set('Authorization', basicAuth).send({ grant_type: 'client_credentials' }).expect(200);
    let commits = 0;
    const count = (q: { sql: string }) => {
      if (/^commit/i.test(q.sql)) commits += 1;
    };
    t.container.db.on('query', count);
    // The first batch is held, as a slow commit would be, until every other request has handed its
    // record to the journal: they must then share the next commit (on a busy machine they might
    // otherwise arrive one at a time and each find the journal idle).
    const journal = t.container.oauth.journal;
    const record = journal.record.bind(journal);
    let recorded = 0;
    let everyoneWaits = () => {};
    const allRecorded = new Promise<void>((resolve) => (everyoneWaits = resolve));
    const counting = jest.spyOn(journal, 'record').mockImplementation((events) => {
      recorded += 1;
      if (recorded === 20) everyoneWaits();
      return record(events);
    });
    const append = t.container.audit.chain.append.bind(t.container.audit.chain);
    let first = true;
    const slow = jest.spyOn(t.container.audit.chain, 'append').mockImplementation(async (trx, events) => {
      if (first) {
        first = false;
        await allRecorded;
      }
      return append(trx, events);
    });
    const results = await Promise.all(
      Array.from({ length: 20 }, () => token().set('Authorization', basicAuth).send({ grant_type: 'client_credentials' })),
    ).finally(() => {
      t.container.db.off('query', count);
      slow.mockRestore();
      counting.mockRestore();
    });
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(commits).toBeLessThan(20);
    for (const res of results) {
      const jti = decodeJwt(res.body.access_token).jti as string;
      expect(await auditEvents(t, { action: 'oauth.token_issued', objectId: jti })).toHaveLength(1);
    }
  });

  it('answers 503 temporarily_unavailable, and no token, when the audit event cannot be written', async () => {
    const down = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    // The transaction path (taken when this process does not know the audit chain's end)…
    const unknownEnd = jest.spyOn(t.container.audit.chain, 'linkAfterKnownEnd').mockReturnValueOnce(undefined);
    const spy = jest.spyOn(t.container.audit.chain, 'append').mockRejectedValueOnce(down);
    try {
      const res = await token()
        .set('Authorization', basic(basicClient.clientId, basicClient.clientSecret))
        .send({ grant_type: 'client_credentials' });
      expectOAuthError(res, 503, 'temporarily_unavailable');
      expect(res.headers['retry-after']).toBe('1');
      expect(res.body.access_token).toBeUndefined();
    } finally {
      spy.mockRestore();
      unknownEnd.mockRestore();
    }
    // Recovers without a restart.
    const again = await token()
      .set('Authorization', basic(basicClient.clientId, basicClient.clientSecret))
      .send({ grant_type: 'client_credentials' });
    expect(again.status).toBe(200);

    // …and the one statement that commits a batch when it is known: it fails whole, no token leaves.
    const issued = async () =>
      Number(
        ((await t.container.db('audit_events').where({ action: 'oauth.token_issued' }).count({ n: '*' })) as Array<{ n: number }>)[0].n,
      );
    const issuedBefore = await issued();
    const broken = breakNextLinkedBatch(t.container.audit);
    try {
      const res = await token()
        .set('Authorization', basic(basicClient.clientId, basicClient.clientSecret))
        .send({ grant_type: 'client_credentials' });
      expect(res.status).toBe(503);
      expect(res.body.access_token).toBeUndefined();
    } finally {
      broken.restore();
    }
    expect(broken.linkedAhead()).toBe(true);
    expect(await issued()).toBe(issuedBefore);
    expect(
      (await token().set('Authorization', basic(basicClient.clientId, basicClient.clientSecret)).send({ grant_type: 'client_credentials' }))
        .status,
    ).toBe(200);
    expect(await issued()).toBe(issuedBefore + 1);
    expect((await t.container.audit.verify()).valid).toBe(true);
  });
});

describe('POST /oauth/token: refusals (none of them 5xx)', () => {
  it('answers invalid_client 401 with WWW-Authenticate for a wrong secret, audited without the secret', async () => {
    const wrong = 'not-the-secret-' + 'x'.repeat(20);
    const res = await token().set('Authorization', basic(basicClient.clientId, wrong)).send({ grant_type: 'client_credentials' });
    expectOAuthError(res, 401, 'invalid_client');
    expect(res.headers['www-authenticate']).toMatch(/^Basic realm=/);
    const events = await auditEvents(t, { action: 'oauth.client_authentication_failed', objectId: basicClient.clientId });
    expect(events[0]).toMatchObject({
      actorType: 'public',
      details: { reason: 'wrong_secret', method: 'client_secret_basic', endpoint: 'token' },
    });
    expect(JSON.stringify(events)).not.toContain(wrong);
    expect(t.logLines.join('\n')).not.toContain(wrong);
  });

  it('answers an unknown client exactly like a wrong secret', async () => {
    const unknown = await token().set('Authorization', basic('no-such-client', 'whatever')).send({ grant_type: 'client_credentials' });
    const wrong = await token().set('Authorization', basic(basicClient.clientId, 'whatever')).send({ grant_type: 'client_credentials' });
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
    expect(unknown.headers['www-authenticate']).toEqual(wrong.headers['www-authenticate']);
    const events = await auditEvents(t, { action: 'oauth.client_authentication_failed', objectId: 'no-such-client' });
    expect(events[0].details).toMatchObject({ reason: 'unknown_client' });
  });

  it('answers a wrong form secret with invalid_client 401 and no Basic challenge (RFC 6749 §5.2)', async () => {
    const res = await token().send({ grant_type: 'client_credentials', client_id: postClient.clientId, client_secret: 'wrong' });
    expectOAuthError(res, 401, 'invalid_client');
    expect(res.headers['www-authenticate']).toBeUndefined();
  });

  it('refuses a secret client using a method it did not register', async () => {
    const res = await token().send({
      grant_type: 'client_credentials',
      client_id: basicClient.clientId,
      client_secret: basicClient.clientSecret,
    });
    expectOAuthError(res, 401, 'invalid_client');
  });

  it('refuses a request without credentials', async () => {
    expectOAuthError(await token().send({ grant_type: 'client_credentials', client_id: basicClient.clientId }), 401, 'invalid_client');
  });

  it('refuses the password grant (unsupported_grant_type)', async () => {
    const res = await token()
      .set('Authorization', basic(basicClient.clientId, basicClient.clientSecret))
      .send({ grant_type: 'password', username: 'alice', password: 'pw' });
    expectOAuthError(res, 400, 'unsupported_grant_type');
  });

  it('refuses the authorization_code grant (unsupported_grant_type)', async () => {
    const res = await token()
      .set('Authorization', basic(basicClient.clientId, basicClient.clientSecret))
      .send({ grant_type: 'authorization_code', code: 'abc', redirect_uri: 'https://x.example/cb' });
    expectOAuthError(res, 400, 'unsupported_grant_type');
  });

  it('refuses two authentication methods at once (invalid_request), audited', async () => {
    const res = await token()
      .set('Authorization', basic(basicClient.clientId, basicClient.clientSecret))
      .send({ grant_type: 'client_credentials', client_id: basicClient.clientId, client_secret: basicClient.clientSecret });
    expectOAuthError(res, 400, 'invalid_request');
    const events = await auditEvents(t, { action: 'oauth.client_authentication_failed', objectId: basicClient.clientId });
    expect(events.some((e) => (e.details as { reason: string }).reason === 'multiple_methods')).toBe(true);
  });

  it('refuses Basic credentials together with a client assertion', async () => {
    const res = await token()
      .set('Authorization', basic(keyClient.clientId, 'x'))
      .send(assertionForm(await clientAssertion(t, keyClient)));
    expectOAuthError(res, 400, 'invalid_request');
  });

  it('refuses credentials in the query string', async () => {
    const res = await t.http
      .post(`/oauth/token?client_id=${postClient.clientId}&client_secret=${postClient.clientSecret}`)
      .type('form')
      .send({ grant_type: 'client_credentials' });
    expectOAuthError(res, 400, 'invalid_request');
  });

  it('refuses an oversized form (413, OAuth JSON)', async () => {
    const res = await token()
      .set('Authorization', basic(basicClient.clientId, basicClient.clientSecret))
      .send({ grant_type: 'client_credentials', padding: 'x'.repeat(200 * 1024) });
    expectOAuthError(res, 413, 'invalid_request');
  });

  it('refuses a repeated parameter (malformed form)', async () => {
    const res = await token()
      .set('Authorization', basic(basicClient.clientId, basicClient.clientSecret))
      .send('grant_type=client_credentials&grant_type=password');
    expectOAuthError(res, 400, 'invalid_request');
  });

  it('refuses a bracketed parameter (malformed form)', async () => {
    const res = await token()
      .set('Authorization', basic(basicClient.clientId, basicClient.clientSecret))
      .send('grant_type[a]=client_credentials');
    expectOAuthError(res, 400, 'invalid_request');
  });

  it('refuses a JSON body (415, OAuth JSON)', async () => {
    const res = await t.http
      .post('/oauth/token')
      .set('Authorization', basic(basicClient.clientId, basicClient.clientSecret))
      .send({ grant_type: 'client_credentials' });
    expectOAuthError(res, 415, 'invalid_request');
  });

  it('refuses a missing grant_type', async () => {
    const res = await token().set('Authorization', basic(basicClient.clientId, basicClient.clientSecret)).send({ scope: 'decisions' });
    expectOAuthError(res, 400, 'invalid_request');
  });

  it('refuses a malformed Basic header', async () => {
    const res = await token().set('Authorization', 'Basic !!!not-base64').send({ grant_type: 'client_credentials' });
    expectOAuthError(res, 401, 'invalid_client');
  });

  it('refuses authorization_details from an internal client', async () => {
    const res = await token()
      .set('Authorization', basic(basicClient.clientId, basicClient.clientSecret))
      .send({ grant_type: 'client_credentials', authorization_details: JSON.stringify([{ type: 'data_access' }]) });
    expectOAuthError(res, 400, 'invalid_authorization_details');
  });

  it('refuses authorization_details that are not JSON', async () => {
    const res = await token()
      .set('Authorization', basic(basicClient.clientId, basicClient.clientSecret))
      .send({ grant_type: 'client_credentials', authorization_details: '[{' });
    expectOAuthError(res, 400, 'invalid_request');
  });
});

describe('POST /oauth/token: private_key_jwt assertions', () => {
  it('refuses a replayed assertion jti, audited as a replay', async () => {
    const assertion = await clientAssertion(t, keyClient);
    expect((await token().send(assertionForm(assertion))).status).toBe(200);
    const replay = await token().send(assertionForm(assertion));
    expectOAuthError(replay, 401, 'invalid_client');
    const events = await auditEvents(t, { action: 'oauth.client_authentication_failed', objectId: keyClient.clientId });
    expect(events[0].details).toMatchObject({ reason: 'assertion_replayed', method: 'private_key_jwt' });
    expect(JSON.stringify(events)).not.toContain(assertion);
  });

  it('accepts exactly one of two concurrent uses of the same assertion', async () => {
    const assertion = await clientAssertion(t, keyClient);
    const results = await Promise.all([token().send(assertionForm(assertion)), token().send(assertionForm(assertion))]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
  });

  it('refuses an assertion for another audience', async () => {
    const res = await token().send(assertionForm(await clientAssertion(t, keyClient, { aud: 'https://other-as.example' })));
    expectOAuthError(res, 401, 'invalid_client');
  });

  it('refuses an assertion signed by an unregistered key', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const res = await token().send(assertionForm(await clientAssertion(t, keyClient, { key: privateKey })));
    expectOAuthError(res, 401, 'invalid_client');
  });

  it('refuses an assertion whose kid is not registered', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const res = await token().send(assertionForm(await clientAssertion(t, keyClient, { key: privateKey, kid: 'unregistered' })));
    expectOAuthError(res, 401, 'invalid_client');
  });

  it('refuses an expired assertion', async () => {
    const now = Math.floor(Date.now() / 1000);
    const res = await token().send(assertionForm(await clientAssertion(t, keyClient, { iat: now - 600, exp: now - 60 })));
    expectOAuthError(res, 401, 'invalid_client');
  });

  it('refuses an assertion whose exp is far in the future', async () => {
    const res = await token().send(assertionForm(await clientAssertion(t, keyClient, { exp: Math.floor(Date.now() / 1000) + 3600 })));
    expectOAuthError(res, 401, 'invalid_client');
  });

  it('refuses an assertion without jti', async () => {
    const res = await token().send(assertionForm(await clientAssertion(t, keyClient, { jti: null })));
    expectOAuthError(res, 401, 'invalid_client');
  });

  it('refuses an assertion whose nbf is in the future beyond the tolerance', async () => {
    const res = await token().send(assertionForm(await clientAssertion(t, keyClient, { nbf: Math.floor(Date.now() / 1000) + 120 })));
    expectOAuthError(res, 401, 'invalid_client');
  });

  it('refuses an assertion whose iss differs from sub', async () => {
    const res = await token().send(assertionForm(await clientAssertion(t, keyClient, { iss: basicClient.clientId })));
    expectOAuthError(res, 401, 'invalid_client');
  });

  it('refuses an unsigned (alg none) assertion', async () => {
    const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const unsigned = `${enc({ alg: 'none' })}.${enc({ iss: keyClient.clientId, sub: keyClient.clientId, aud: t.config.publicUrl, exp: now + 60, jti: 'none-1' })}.`;
    expectOAuthError(await token().send(assertionForm(unsigned)), 401, 'invalid_client');
  });

  it('refuses a wrong client_assertion_type', async () => {
    const res = await token().send({
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:saml2-bearer',
      client_assertion: await clientAssertion(t, keyClient),
    });
    expectOAuthError(res, 401, 'invalid_client');
  });

  it('refuses a garbage assertion', async () => {
    expectOAuthError(await token().send(assertionForm('not.a.jwt')), 401, 'invalid_client');
  });
});
