import crypto from 'node:crypto';
import Koa from 'koa';
import supertest from 'supertest';
import { SignJWT, decodeJwt, exportJWK, generateKeyPair } from 'jose';
import { errorHandler } from '../../services/http/middleware';
import { defineRoute } from '../../services/http/route';
import { buildRouter } from '../../services/http/router';
import { createTestApp, expectProblem, type TestApp } from '../helpers/app';
import { adminHeaders, registerSecretClient, tokenFor, basic, type SecretClient } from '../helpers/oauth';

// Machine-client routes accept only our own RFC 9068 access tokens, current and unrevoked, of an active client.

let t: TestApp;
let pep: SecretClient;
let collector: SecretClient;
let probe: ReturnType<typeof supertest>;

/** A machine-client route wired through the real router with the container's ClientAuthenticator. */
function probeApp(app: TestApp): ReturnType<typeof supertest> {
  const routes = [
    defineRoute({
      method: 'get',
      path: '/probe/pep',
      operationId: 'probePep',
      summary: 'probe',
      tags: ['test'],
      auth: { kind: 'client', roles: ['pep'] },
      responses: {},
      handler: async ({ actor }) => ({ body: actor }),
    }),
    defineRoute({
      method: 'get',
      path: '/probe/consents',
      operationId: 'probeScope',
      summary: 'probe',
      tags: ['test'],
      auth: { kind: 'client', scopes: ['consents:write'] },
      responses: {},
      handler: async ({ actor }) => ({ body: actor }),
    }),
  ];
  const koa = new Koa();
  koa.silent = true;
  const router = buildRouter(routes, {
    staffAuth: app.container.staffAuth,
    clientAuth: app.container.clientAuth,
    staffAccess: app.container.staffAuthorizer,
    bodyLimitBytes: 1024,
  });
  koa.use(errorHandler());
  koa.use(router.routes());
  return supertest(koa.callback());
}

beforeAll(async () => {
  t = await createTestApp();
  pep = await registerSecretClient(t, { roles: ['pep'], scopes: ['decisions'] });
  collector = await registerSecretClient(t, { roles: ['consent_collector'], scopes: ['consents:write'] });
  probe = probeApp(t);
});
afterAll(() => t.close());

const now = () => Math.floor(Date.now() / 1000);
const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const callPep = (token: string) => probe.get('/probe/pep').set('Authorization', `Bearer ${token}`);

function expectUnauthorized(res: { status: number; headers: Record<string, string>; body: { code?: string } }): void {
  expectProblem(res, 401, 'unauthorized');
  expect(res.headers['www-authenticate']).toMatch(/^Bearer /);
}

/** Signs claims with the server's current signing key, so only the claim under test is wrong. */
async function forge(claims: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
  const key = t.container.oauth.signingKeys.signingKey();
  const base = {
    iss: t.config.publicUrl,
    sub: pep.clientId,
    client_id: pep.clientId,
    aud: t.config.publicUrl,
    iat: now(),
    exp: now() + 300,
    jti: crypto.randomUUID(),
  };
  return new SignJWT({ ...base, ...claims })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt', ...header })
    .sign(key.privateKey);
}

describe('a valid access token', () => {
  it('authenticates the client with its roles, scopes and token id', async () => {
    const token = await tokenFor(t, pep);
    const res = await callPep(token).expect(200);
    expect(res.body).toEqual({
      kind: 'client',
      clientId: pep.clientId,
      roles: ['pep'],
      scopes: ['decisions'],
      vendorId: null,
      tokenId: decodeJwt(token).jti,
    });
  });

  it('is checked against the route’s scopes', async () => {
    const token = await tokenFor(t, collector);
    await probe.get('/probe/consents').set('Authorization', `Bearer ${token}`).expect(200);
  });

  it('is refused (403) on a route needing a role the client lacks', async () => {
    expectProblem(await callPep(await tokenFor(t, collector)), 403, 'forbidden');
  });

  it('is verified without touching the database once seen', async () => {
    const token = await tokenFor(t, pep);
    await callPep(token).expect(200);
    let queries = 0;
    const count = () => (queries += 1);
    // The audit checkpointer works on its own timer; only the requests' own queries count here.
    await t.container.auditCheckpoints.stop();
    t.container.db.on('query', count);
    try {
      for (let i = 0; i < 50; i += 1) await callPep(token).expect(200);
    } finally {
      t.container.db.off('query', count);
      t.container.auditCheckpoints.start();
    }
    expect(queries).toBe(0);
  });

  it('is not accepted on staff routes', async () => {
    const token = await tokenFor(t, pep);
    expectUnauthorized(await t.http.get('/v1/departments').set('Authorization', `Bearer ${token}`));
  });

  it('reaches the real /v1/decisions past authentication (validation answers, not 401)', async () => {
    const res = await t.http
      .post('/v1/decisions')
      .set('Authorization', `Bearer ${await tokenFor(t, pep)}`)
      .send({});
    expectProblem(res, 400);
  });
});

describe('tokens that are refused (each a 401 problem, never 5xx)', () => {
  it('refuses a staff token on a machine-client route', async () => {
    expectUnauthorized(await callPep(await t.staffToken('root-admin')));
    expectUnauthorized(
      await t.http
        .post('/v1/decisions')
        .set('Authorization', `Bearer ${await t.staffToken('root-admin')}`)
        .send({}),
    );
  });

  it('refuses alg none', async () => {
    const claims = decodeJwt(await forge({}));
    const key = t.container.oauth.signingKeys.signingKey();
    expectUnauthorized(await callPep(`${b64url({ alg: 'none', typ: 'at+jwt', kid: key.kid })}.${b64url(claims)}.`));
  });

  it('refuses HS256 signed with our public key', async () => {
    const key = t.container.oauth.signingKeys.signingKey();
    const pem = crypto.createPublicKey({ key: key.publicJwk as crypto.JsonWebKey, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
    for (const secret of [Buffer.from(String(pem)), Buffer.from(JSON.stringify(key.publicJwk))]) {
      const token = await new SignJWT({ ...decodeJwt(await forge({})) })
        .setProtectedHeader({ alg: 'HS256', kid: key.kid, typ: 'at+jwt' })
        .sign(new Uint8Array(secret));
      expectUnauthorized(await callPep(token));
    }
  });

  it('refuses an unknown kid', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const token = await new SignJWT({ ...decodeJwt(await forge({})) })
      .setProtectedHeader({ alg: 'ES256', kid: 'unknown-kid', typ: 'at+jwt' })
      .sign(privateKey);
    expectUnauthorized(await callPep(token));
  });

  it('refuses a token signed by another key that claims our kid', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const kid = t.container.oauth.signingKeys.signingKey().kid;
    const token = await new SignJWT({ ...decodeJwt(await forge({})) })
      .setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt' })
      .sign(privateKey);
    expectUnauthorized(await callPep(token));
  });

  it('refuses a tampered payload', async () => {
    const [header, , signature] = (await tokenFor(t, collector)).split('.');
    const claims = decodeJwt(await tokenFor(t, collector));
    const tampered = `${header}.${b64url({ ...claims, scope: 'decisions' })}.${signature}`;
    expectUnauthorized(await callPep(tampered));
  });

  it('refuses a wrong issuer', async () => {
    expectUnauthorized(await callPep(await forge({ iss: 'https://evil.example' })));
  });

  it('refuses a wrong audience', async () => {
    expectUnauthorized(await callPep(await forge({ aud: 'https://another-api.example' })));
  });

  it('refuses an expired token', async () => {
    expectUnauthorized(await callPep(await forge({ iat: now() - 900, exp: now() - 60 })));
  });

  it('refuses a token whose nbf is in the future beyond the tolerance', async () => {
    expectUnauthorized(await callPep(await forge({ nbf: now() + 120 })));
  });

  it('refuses a token without typ', async () => {
    expectUnauthorized(await callPep(await forge({}, { typ: undefined })));
  });

  it('refuses a token with typ JWT', async () => {
    expectUnauthorized(await callPep(await forge({}, { typ: 'JWT' })));
  });

  it('refuses a token whose sub and client_id differ', async () => {
    expectUnauthorized(await callPep(await forge({ sub: collector.clientId })));
  });

  it('refuses a token of an unknown client', async () => {
    expectUnauthorized(await callPep(await forge({ sub: 'ghost', client_id: 'ghost' })));
  });

  it('refuses a token in the query string', async () => {
    const token = await tokenFor(t, pep);
    const res = await probe.get(`/probe/pep?access_token=${token}`);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toContain('error="invalid_request"');
    const header = await probe.get(`/probe/pep?access_token=${token}`).set('Authorization', `Bearer ${token}`);
    expect(header.status).toBe(401);
  });

  it('refuses a token with a foreign key from a JWKS we do not publish', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwk = await exportJWK(publicKey);
    const token = await new SignJWT({ ...decodeJwt(await forge({})) })
      .setProtectedHeader({ alg: 'ES256', jwk, typ: 'at+jwt' })
      .sign(privateKey);
    expectUnauthorized(await callPep(token));
  });
});

describe('revocation and disabling take effect at once on this process', () => {
  it('refuses a token right after its client revoked it', async () => {
    const token = await tokenFor(t, pep);
    await callPep(token).expect(200);
    await t.http.post('/oauth/revoke').set('Authorization', basic(pep.clientId, pep.clientSecret)).type('form').send({ token }).expect(200);
    expectUnauthorized(await callPep(token));
  });

  it('refuses every token of a client right after an admin disabled it', async () => {
    const doomed = await registerSecretClient(t, { roles: ['pep'] });
    const token = await tokenFor(t, doomed);
    await callPep(token).expect(200);
    await t.http
      .post(`/v1/clients/${doomed.clientId}/disable`)
      .set(await adminHeaders(t))
      .expect(200);
    expectUnauthorized(await callPep(token));
  });
});
