import crypto from 'node:crypto';
import { decodeJwt } from 'jose';
import { CLIENT_CHANGED, SIGNING_KEYS_CHANGED, TOKEN_REVOKED } from '../../services/oauth';
import { createTestApp, type TestApp } from '../helpers/app';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { adminHeaders, basic, registerSecretClient, tokenFor } from '../helpers/oauth';
import { caughtUp, delivered } from '../helpers/wait';

// Two replicas on one PostgreSQL: a revocation, a disabled client or a new signing key on one
// reaches the other through LISTEN/NOTIFY. (PGlite is one process: PostgreSQL only.) Each test
// waits for the notice to be handled on the other replica, then checks what it answers; how soon
// that is, is measured by `DATABASE_URL=… npm run bench -- oauth-timing` (docs/benchmarks.md).

const onPostgres = process.env.DATABASE_URL ? describe : describe.skip;

onPostgres('replicas on one PostgreSQL', () => {
  let database: TestDatabase;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    database = await createTestDatabase();
    const shared = { ...database, drop: async () => undefined };
    const env = { DATABASE_URL: database.url as string, KEY_ENCRYPTION_KEY: crypto.randomBytes(32).toString('base64') };
    a = await createTestApp({ database: shared, env });
    b = await createTestApp({ database: shared, env });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await database?.drop();
  });

  /** `b` accepts the token; then `change` on `a`, and once `b` has heard the notice it published, `b` refuses the token. */
  async function refusedOnBOnceHeard(token: string, heard: Promise<void>, change: () => Promise<unknown>): Promise<void> {
    await b.container.clientAuth.authenticate(token);
    await change();
    await heard;
    await expect(b.container.clientAuth.authenticate(token)).rejects.toMatchObject({ status: 401 });
  }

  it('a token revoked on one replica is refused by the other once it has heard the revocation', async () => {
    const client = await registerSecretClient(a);
    const token = await tokenFor(a, client);
    const { jti } = decodeJwt(token);
    const heard = delivered(b, TOKEN_REVOKED, (p) => p.jti === jti);
    const revoke = () =>
      a.http
        .post('/oauth/revoke')
        .set('Authorization', basic(client.clientId, client.clientSecret))
        .type('form')
        .send({ token })
        .expect(200);
    await refusedOnBOnceHeard(token, heard, revoke);
  });

  it('a client disabled on one replica loses its tokens on the other once it has heard of it', async () => {
    const client = await registerSecretClient(a);
    const token = await tokenFor(a, client);
    await caughtUp(a, b); // the registration's own notice names the client too
    const heard = delivered(b, CLIENT_CHANGED, (p) => p.clientId === client.clientId);
    const disable = async () =>
      a.http
        .post(`/v1/clients/${client.clientId}/disable`)
        .set(await adminHeaders(a))
        .expect(200);
    await refusedOnBOnceHeard(token, heard, disable);
  });

  it('a key rotated on one replica is published by the other', async () => {
    const kidsOnB = async (): Promise<string[]> =>
      (await b.http.get('/.well-known/jwks.json').expect(200)).body.keys.map((k: { kid: string }) => k.kid);
    const known = new Set(await kidsOnB());
    // The new kid is known only once rotated: wait for the first notice naming a key b does not publish yet.
    const heard = delivered(b, SIGNING_KEYS_CHANGED, (p) => !known.has(String(p.kid)));
    const rotated = await a.http
      .post('/v1/signing-keys/rotate')
      .set(await adminHeaders(a))
      .send({})
      .expect(201);
    await heard;
    expect(await kidsOnB()).toContain(rotated.body.kid);
  });
});
