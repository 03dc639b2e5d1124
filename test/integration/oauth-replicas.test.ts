import crypto from 'node:crypto';
import { createTestApp, type TestApp } from '../helpers/app';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { adminHeaders, basic, registerSecretClient, tokenFor } from '../helpers/oauth';

// Two replicas on one PostgreSQL: a revocation, a disabled client or a new signing key on one
// reaches the other through LISTEN/NOTIFY within a second. (PGlite is one process: PostgreSQL only.)

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

  /** Milliseconds until `b` refuses the token (polling every 20 ms, at most 3 s). */
  async function untilRefusedOnB(token: string): Promise<number> {
    const started = Date.now();
    while (Date.now() - started < 3000) {
      const refused = await b.container.clientAuth.authenticate(token).then(
        () => false,
        () => true,
      );
      if (refused) return Date.now() - started;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('replica b still accepts the token after 3 s');
  }

  it('a token revoked on one replica is refused by the other within 1 s', async () => {
    const client = await registerSecretClient(a);
    const token = await tokenFor(a, client);
    await b.container.clientAuth.authenticate(token);
    await a.http
      .post('/oauth/revoke')
      .set('Authorization', basic(client.clientId, client.clientSecret))
      .type('form')
      .send({ token })
      .expect(200);
    expect(await untilRefusedOnB(token)).toBeLessThan(1000);
  });

  it('a client disabled on one replica loses its tokens on the other within 1 s', async () => {
    const client = await registerSecretClient(a);
    const token = await tokenFor(a, client);
    await b.container.clientAuth.authenticate(token);
    await a.http
      .post(`/v1/clients/${client.clientId}/disable`)
      .set(await adminHeaders(a))
      .expect(200);
    expect(await untilRefusedOnB(token)).toBeLessThan(1000);
  });

  it('a key rotated on one replica is published by the other', async () => {
    const rotated = await a.http
      .post('/v1/signing-keys/rotate')
      .set(await adminHeaders(a))
      .send({})
      .expect(201);
    const started = Date.now();
    let kids: string[] = [];
    while (Date.now() - started < 3000 && !kids.includes(rotated.body.kid)) {
      kids = (await b.http.get('/.well-known/jwks.json').expect(200)).body.keys.map((k: { kid: string }) => k.kid);
      if (!kids.includes(rotated.body.kid)) await new Promise((r) => setTimeout(r, 20));
    }
    expect(kids).toContain(rotated.body.kid);
  });
});
