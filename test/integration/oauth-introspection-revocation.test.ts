import { SignJWT, decodeJwt } from 'jose';
import { InvalidAccessToken, OAuthServer } from '../../services/oauth';
import { ChangeFeed } from '../../services/platform/change-feed';
import { createTestApp, type TestApp } from '../helpers/app';
import {
  adminHeaders,
  assertionForm,
  auditEvents,
  basic,
  clientAssertion,
  registerKeyClient,
  registerSecretClient,
  tokenFor,
  type KeyClient,
  type SecretClient,
} from '../helpers/oauth';

let t: TestApp;
let pep: SecretClient;
let collector: SecretClient;
let keyPep: KeyClient;

beforeAll(async () => {
  t = await createTestApp();
  pep = await registerSecretClient(t, { roles: ['pep'], scopes: ['decisions'] });
  collector = await registerSecretClient(t, { roles: ['consent_collector'], scopes: ['consents:write'] });
  keyPep = await registerKeyClient(t, { roles: ['pep'] });
});
afterAll(() => t.close());

const introspect = (client: SecretClient, token: string) =>
  t.http.post('/oauth/introspect').set('Authorization', basic(client.clientId, client.clientSecret)).type('form').send({ token });
const revoke = (client: SecretClient, token: string) =>
  t.http.post('/oauth/revoke').set('Authorization', basic(client.clientId, client.clientSecret)).type('form').send({ token });

describe('POST /oauth/introspect (RFC 7662)', () => {
  it('tells an enforcement point everything about an active token, no-store', async () => {
    const token = await tokenFor(t, collector);
    const res = await introspect(pep, token).expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toMatchObject({
      active: true,
      client_id: collector.clientId,
      sub: collector.clientId,
      iss: t.config.publicUrl,
      aud: t.config.publicUrl,
      scope: 'consents:write',
      token_type: 'Bearer',
      jti: decodeJwt(token).jti,
      exp: expect.any(Number),
    });
  });

  it('accepts an enforcement point authenticating with private_key_jwt (aud = introspection endpoint)', async () => {
    const token = await tokenFor(t, collector);
    const assertion = await clientAssertion(t, keyPep, { aud: `${t.config.publicUrl}/oauth/introspect` });
    const res = await t.http.post('/oauth/introspect').type('form').send(assertionForm(assertion, { token })).expect(200);
    expect(res.body.active).toBe(true);
  });

  it('accepts an enforcement point authenticating with its own bearer access token', async () => {
    const token = await tokenFor(t, collector);
    const res = await t.http
      .post('/oauth/introspect')
      .set('Authorization', `Bearer ${await tokenFor(t, pep)}`)
      .type('form')
      .send({ token })
      .expect(200);
    expect(res.body).toMatchObject({ active: true, client_id: collector.clientId });
  });

  it('tells other clients only whether their own token is active', async () => {
    const own = await tokenFor(t, collector);
    expect((await introspect(collector, own).expect(200)).body).toEqual({ active: true });
    expect((await introspect(collector, await tokenFor(t, pep)).expect(200)).body).toEqual({ active: false });
  });

  it('answers inactive for an expired, revoked, garbage or disabled client’s token', async () => {
    const revoked = await tokenFor(t, collector);
    await revoke(collector, revoked).expect(200);
    expect((await introspect(pep, revoked)).body).toEqual({ active: false });
    expect((await introspect(pep, 'garbage')).body).toEqual({ active: false });
    const key = t.container.oauth.signingKeys.signingKey();
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({ client_id: collector.clientId, jti: 'expired-1' })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' })
      .setIssuer(t.config.publicUrl)
      .setSubject(collector.clientId)
      .setAudience(t.config.publicUrl)
      .setIssuedAt(now - 700)
      .setExpirationTime(now - 100)
      .sign(key.privateKey);
    expect((await introspect(pep, expired)).body).toEqual({ active: false });

    const doomed = await registerSecretClient(t, { roles: ['consent_collector'] });
    const doomedToken = await tokenFor(t, doomed);
    expect((await introspect(pep, doomedToken)).body.active).toBe(true);
    await t.http
      .post(`/v1/clients/${doomed.clientId}/disable`)
      .set(await adminHeaders(t))
      .expect(200);
    expect((await introspect(pep, doomedToken)).body).toEqual({ active: false });
  });

  it('refuses an unauthenticated caller with invalid_client, audited', async () => {
    const res = await t.http
      .post('/oauth/introspect')
      .type('form')
      .send({ token: await tokenFor(t, pep) });
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_client');
    const events = await auditEvents(t, { action: 'oauth.client_authentication_failed' });
    expect(events[0].details).toMatchObject({ endpoint: 'introspection', reason: 'no_credentials' });
  });

  it('refuses an invalid bearer token with invalid_token', async () => {
    const res = await t.http.post('/oauth/introspect').set('Authorization', 'Bearer abc.def.ghi').type('form').send({ token: 'x' });
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_token');
  });

  it('refuses a missing token parameter (invalid_request)', async () => {
    const res = await t.http.post('/oauth/introspect').set('Authorization', basic(pep.clientId, pep.clientSecret)).type('form').send({});
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
  });
});

describe('POST /oauth/revoke (RFC 7009)', () => {
  it('revokes a client’s own token once, audited, and 200 again for the same token', async () => {
    const token = await tokenFor(t, collector);
    await revoke(collector, token).expect(200);
    await revoke(collector, token).expect(200);
    const jti = decodeJwt(token).jti as string;
    const events = await auditEvents(t, { action: 'oauth.token_revoked', objectId: jti });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actorType: 'client', actorId: collector.clientId });
  });

  it('answers 200 for unknown or malformed tokens', async () => {
    await revoke(collector, 'not-a-token').expect(200);
    await revoke(collector, 'eyJhbGciOiJFUzI1NiJ9.e30.AAAA').expect(200);
  });

  it('refuses to revoke another client’s token, which stays active', async () => {
    const token = await tokenFor(t, pep);
    const res = await revoke(collector, token);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
    expect((await introspect(pep, token)).body.active).toBe(true);
  });

  it('refuses an unauthenticated revocation', async () => {
    const res = await t.http
      .post('/oauth/revoke')
      .type('form')
      .send({ token: await tokenFor(t, pep) });
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_client');
  });

  it('keeps a revocation for a freshly started replica (loaded from the database)', async () => {
    const token = await tokenFor(t, collector);
    await revoke(collector, token).expect(200);
    const replica = new OAuthServer({
      config: t.config,
      db: t.container.db,
      logger: t.container.logger,
      audit: t.container.audit,
      changes: new ChangeFeed(t.container.logger),
      keyEncryptionKey: Buffer.from(t.config.keyEncryptionKey ?? '', 'base64'),
    });
    await replica.start();
    try {
      await expect(replica.accessTokens.verify(token)).rejects.toThrow(InvalidAccessToken);
      await expect(replica.accessTokens.verify(await tokenFor(t, collector))).resolves.toMatchObject({
        client: { clientId: collector.clientId },
      });
    } finally {
      await replica.stop();
    }
  });
});
