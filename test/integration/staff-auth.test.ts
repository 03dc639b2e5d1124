import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, createRemoteJWKSet, exportJWK, generateKeyPair } from 'jose';
import { JwtStaffAuthenticator } from '../../services/auth';
import {
  STAFF_AUDIENCE,
  STAFF_ISSUER,
  createTestApp,
  expectProblem,
  signStaffClaims,
  testStaffPublicJwk,
  type TestApp,
} from '../helpers/app';

// Every way a staff bearer token can be wrong is a 401 problem+json with WWW-Authenticate, and no token is ever logged.

let t: TestApp;
const now = () => Math.floor(Date.now() / 1000);
const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

beforeAll(async () => {
  t = await createTestApp();
  await t.grantRole('alice', 'data_owner', '*');
});
afterAll(() => t.close());

/** A staff read that alice may do with a valid token. */
const read = (authorization: string) => t.http.get('/v1/departments').set('Authorization', authorization);

function expectUnauthorized(res: { status: number; headers: Record<string, string>; body: { code?: string } }, error = 'invalid_token') {
  expectProblem(res, 401, 'unauthorized');
  expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="[^"]+", error="[a-z_]+"$/);
  expect(res.headers['www-authenticate']).toContain(`error="${error}"`);
}

describe('a valid staff token', () => {
  it('is accepted', async () => {
    await read(`Bearer ${await t.staffToken('alice')}`).expect(200);
  });

  it('is accepted when it expired within the 15 s clock tolerance', async () => {
    await read(`Bearer ${await t.staffToken('alice', { expiresIn: now() - 5 })}`).expect(200);
  });

  it('is accepted when nbf is within the 15 s clock tolerance', async () => {
    await read(`Bearer ${await t.staffToken('alice', { notBefore: now() + 5 })}`).expect(200);
  });
});

describe('staff tokens refused with 401', () => {
  it('refuses a request without a token', async () => {
    expectUnauthorized(await t.http.get('/v1/departments'));
  });

  it('refuses a token that expired beyond the 15 s tolerance', async () => {
    const res = await read(`Bearer ${await t.staffToken('alice', { expiresIn: now() - 20 })}`);
    expectUnauthorized(res);
    expect(res.body.detail).toMatch(/expired/);
  });

  it('refuses a token whose nbf is in the future beyond the tolerance', async () => {
    expectUnauthorized(await read(`Bearer ${await t.staffToken('alice', { notBefore: now() + 60 })}`));
  });

  it('refuses a token from another issuer', async () => {
    const res = await read(`Bearer ${await t.staffToken('alice', { issuer: 'https://evil.example' })}`);
    expectUnauthorized(res);
    expect(res.body.detail).toMatch(/iss/);
  });

  it('refuses a token for another audience', async () => {
    const res = await read(`Bearer ${await t.staffToken('alice', { audience: 'some-other-api' })}`);
    expectUnauthorized(res);
    expect(res.body.detail).toMatch(/aud/);
  });

  it('refuses an unsigned token (alg none)', async () => {
    const payload = { sub: 'alice', iss: STAFF_ISSUER, aud: STAFF_AUDIENCE, iat: now(), exp: now() + 600 };
    expectUnauthorized(await read(`Bearer ${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(payload)}.`));
  });

  it('refuses an HS256 token signed with the identity provider’s public key as the secret', async () => {
    const jwk = await testStaffPublicJwk();
    const pem = crypto.createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
    for (const secret of [pem, JSON.stringify(jwk)]) {
      const token = await new SignJWT({})
        .setProtectedHeader({ alg: 'HS256', kid: 'test-idp', typ: 'JWT' })
        .setSubject('alice')
        .setIssuer(STAFF_ISSUER)
        .setAudience(STAFF_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime('10m')
        .sign(new TextEncoder().encode(secret));
      const res = await read(`Bearer ${token}`);
      expectUnauthorized(res);
      expect(res.body.detail).toMatch(/algorithm/);
    }
  });

  it('refuses a token with an unknown kid', async () => {
    const res = await read(`Bearer ${await t.staffToken('alice', { kid: 'rotated-away' })}`);
    expectUnauthorized(res);
    expect(res.body.detail).toMatch(/known key/);
  });

  it('refuses a token signed by another key under the right kid', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    expectUnauthorized(await read(`Bearer ${await t.staffToken('alice', { key: privateKey })}`));
  });

  it('refuses a token whose payload was tampered with', async () => {
    const [header, , signature] = (await t.staffToken('nobody-special')).split('.');
    const forged = b64url({ sub: 'root-admin', iss: STAFF_ISSUER, aud: STAFF_AUDIENCE, iat: now(), exp: now() + 600 });
    const res = await t.http
      .post('/v1/departments')
      .set('Authorization', `Bearer ${header}.${forged}.${signature}`)
      .send({ code: 'FORGED', name: 'x', kind: 'business' });
    expectUnauthorized(res);
    const admin = await t.staffToken('root-admin');
    await t.http.get('/v1/departments/FORGED').set('Authorization', `Bearer ${admin}`).expect(404);
  });

  it('refuses a token without a subject', async () => {
    expectUnauthorized(
      await read(`Bearer ${await signStaffClaims({ iss: STAFF_ISSUER, aud: STAFF_AUDIENCE, iat: now(), exp: now() + 600 })}`),
    );
  });

  it('refuses a token with an empty or oversized subject', async () => {
    for (const sub of ['', 'x'.repeat(201)]) {
      expectUnauthorized(
        await read(`Bearer ${await signStaffClaims({ sub, iss: STAFF_ISSUER, aud: STAFF_AUDIENCE, iat: now(), exp: now() + 600 })}`),
      );
    }
  });

  it('refuses a token without an expiry', async () => {
    expectUnauthorized(await read(`Bearer ${await signStaffClaims({ sub: 'alice', iss: STAFF_ISSUER, aud: STAFF_AUDIENCE, iat: now() })}`));
  });

  it('refuses an RFC 9068 access token (typ at+jwt) on staff routes', async () => {
    for (const typ of ['at+jwt', 'application/at+jwt', 'AT+JWT']) {
      const res = await read(`Bearer ${await t.staffToken('alice', { typ })}`);
      expectUnauthorized(res);
      expect(res.body.detail).toMatch(/Machine access tokens/);
    }
  });

  it('refuses a token in the query string, even a valid one', async () => {
    const token = await t.staffToken('alice');
    const res = await t.http.get(`/v1/departments?access_token=${token}`);
    expectUnauthorized(res, 'invalid_request');
    // ...also when the header carries the same token.
    expectUnauthorized(
      await t.http.get(`/v1/departments?access_token=${token}`).set('Authorization', `Bearer ${token}`),
      'invalid_request',
    );
    expect(t.logLines.join('\n')).not.toContain(token);
  });

  it.each([
    ['another scheme', 'Basic YWxpY2U6cGFzc3dvcmQ='],
    ['no token', 'Bearer'],
    ['no token after the space', 'Bearer '],
    ['two tokens', 'Bearer abc.def.ghi jkl.mno.pqr'],
    ['characters outside token68', 'Bearer abc.def.ghi"'],
    ['a token that is not a JWT', 'Bearer not-a-jwt'],
    ['a JWT with a broken header', `Bearer ${Buffer.from('{"alg":').toString('base64url')}.e30.sig`],
  ])('refuses a malformed Authorization header: %s', async (_label, header) => {
    expectUnauthorized(await read(header));
  });

  it('never logs a token, valid or not', async () => {
    const valid = await t.staffToken('alice');
    const expired = await t.staffToken('alice', { expiresIn: now() - 60 });
    await read(`Bearer ${valid}`).expect(200);
    await read(`Bearer ${expired}`).expect(401);
    const log = t.logLines.join('\n');
    for (const token of [valid, expired]) {
      for (const part of token.split('.')) expect(log).not.toContain(part);
    }
  });
});

describe('staff token lifetime, age and clock skew', () => {
  const HOUR = 3600;
  const claims = (iat: unknown, exp: unknown) => signStaffClaims({ sub: 'alice', iss: STAFF_ISSUER, aud: STAFF_AUDIENCE, iat, exp });

  it.each([
    ['exp ten years ahead', () => now(), () => now() + 10 * 365 * 24 * HOUR],
    ['exp thirteen hours ahead (default limit 12 h)', () => now(), () => now() + 13 * HOUR],
    ['iat an hour ahead', () => now() + HOUR, () => now() + 2 * HOUR],
    ['iat a minute ahead (beyond the 15 s skew)', () => now() + 60, () => now() + HOUR],
    ['iat thirteen hours ago, still unexpired', () => now() - 13 * HOUR, () => now() + 600],
    ['iat ten years ago, still unexpired', () => now() - 10 * 365 * 24 * HOUR, () => now() + 600],
    ['a lifetime longer than the limit, backdated so that it looks young', () => now() - 60, () => now() - 60 + 12 * HOUR + 120],
    ['no iat', () => undefined, () => now() + 600],
    ['iat as a string', () => String(now()), () => now() + 600],
    ['iat null', () => null, () => now() + 600],
  ])('refuses a token with %s', async (_label, iat, exp) => {
    expectUnauthorized(await read(`Bearer ${await claims(iat(), exp())}`));
  });

  it.each([
    ['a 12-hour lifetime', () => now(), () => now() + 12 * HOUR],
    ['iat 10 s ahead (within the skew)', () => now() + 10, () => now() + 600],
    ['iat 11 hours ago', () => now() - 11 * HOUR, () => now() + 600],
  ])('accepts a token with %s', async (_label, iat, exp) => {
    await read(`Bearer ${await claims(iat(), exp())}`).expect(200);
  });

  it('applies the configured limits (STAFF_TOKEN_MAX_LIFETIME_S, STAFF_TOKEN_MAX_AGE_S, STAFF_CLOCK_SKEW_S)', async () => {
    const strict = await createTestApp({
      env: { STAFF_TOKEN_MAX_LIFETIME_S: '900', STAFF_TOKEN_MAX_AGE_S: '600', STAFF_CLOCK_SKEW_S: '0' },
    });
    try {
      await strict.grantRole('alice', 'data_owner', '*');
      const get = async (iat: number, exp: number) =>
        strict.http.get('/v1/departments').set('Authorization', `Bearer ${await claims(iat, exp)}`);
      expect((await get(now(), now() + 900)).status).toBe(200);
      expectUnauthorized(await get(now(), now() + 1000));
      expectUnauthorized(await get(now() - 700, now() + 100));
      expectUnauthorized(await get(now() + 5, now() + 600));
    } finally {
      await strict.close();
    }
  });
});

describe('a remote identity provider (STAFF_JWKS_URL)', () => {
  async function identityProvider(answer: 'keys' | 'error' | 'garbage' = 'keys') {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'idp-1', alg: 'RS256', use: 'sig' }] };
    const server = http.createServer((_req, res) => {
      res.setHeader('Content-Type', 'application/json');
      if (answer === 'error') res.statusCode = 500;
      res.end(answer === 'garbage' ? '<html>maintenance</html>' : JSON.stringify(jwks));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
    const sign = (sub: string) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'RS256', kid: 'idp-1' })
        .setSubject(sub)
        .setIssuer('https://idp.bank.example')
        .setAudience('pg')
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey);
    const stop = () => new Promise<void>((resolve) => server.close(() => resolve()));
    return { url, sign, stop };
  }

  it('verifies tokens against the keys it publishes', async () => {
    const idp = await identityProvider();
    try {
      const auth = new JwtStaffAuthenticator(createRemoteJWKSet(new URL(idp.url)), 'https://idp.bank.example', 'pg');
      await expect(auth.authenticate(await idp.sign('alice'))).resolves.toEqual({ kind: 'staff', subject: 'alice' });
    } finally {
      await idp.stop();
    }
  });

  it('answers 503, not 401, when its keys cannot be fetched', async () => {
    const idp = await identityProvider();
    const token = await idp.sign('alice');
    await idp.stop();
    const auth = new JwtStaffAuthenticator(
      createRemoteJWKSet(new URL(idp.url), { timeoutDuration: 1000 }),
      'https://idp.bank.example',
      'pg',
    );
    await expect(auth.authenticate(token)).rejects.toMatchObject({ status: 503, code: 'service_unavailable' });
  });

  it.each(['error', 'garbage'] as const)('answers 503 when it answers with %s instead of keys', async (answer) => {
    const idp = await identityProvider(answer);
    try {
      const auth = new JwtStaffAuthenticator(createRemoteJWKSet(new URL(idp.url)), 'https://idp.bank.example', 'pg');
      await expect(auth.authenticate(await idp.sign('alice'))).rejects.toMatchObject({ status: 503 });
    } finally {
      await idp.stop();
    }
  });
});
