import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import * as client from 'openid-client';
import { createTestApp, type TestApp } from '../helpers/app';
import { adminHeaders, newClientKey } from '../helpers/oauth';

// A standard client library and a standard resource-server check, unchanged, against our authorization server.

let t: TestApp;
let server: http.Server;
let issuer: string;

beforeAll(async () => {
  // PUBLIC_URL is the issuer, and openid-client checks it against the discovery URL: listen first, then configure.
  server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  t = await createTestApp({ env: { PUBLIC_URL: issuer } });
  server.on('request', t.app.callback());
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await t.close();
});

async function register(body: Record<string, unknown>): Promise<{ clientId: string; clientSecret?: string }> {
  const res = await t.http
    .post('/v1/clients')
    .set(await adminHeaders(t))
    .send({ name: 'openid-client', roles: ['pep'], scopes: ['decisions'], ...body })
    .expect(201);
  return res.body;
}

const options = { algorithm: 'oauth2' as const, execute: [client.allowInsecureRequests] };

describe('openid-client', () => {
  it('discovers the server from RFC 8414 metadata', async () => {
    const { clientId, clientSecret } = await register({ tokenEndpointAuthMethod: 'client_secret_basic' });
    const config = await client.discovery(new URL(issuer), clientId, undefined, client.ClientSecretBasic(clientSecret as string), options);
    const metadata = config.serverMetadata();
    expect(metadata).toMatchObject({
      issuer,
      token_endpoint: `${issuer}/oauth/token`,
      introspection_endpoint: `${issuer}/oauth/introspect`,
      revocation_endpoint: `${issuer}/oauth/revoke`,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      grant_types_supported: ['client_credentials'],
    });
    expect(metadata.token_endpoint_auth_methods_supported).toEqual(
      expect.arrayContaining(['private_key_jwt', 'client_secret_basic', 'client_secret_post']),
    );
    expect(metadata.token_endpoint_auth_signing_alg_values_supported).not.toContain('HS256');
    // No authorization endpoint, so no response types: RFC 8414 §3.2 omits a claim with zero elements
    // (errata 7793: response_types_supported is required only with an authorization endpoint).
    expect(metadata).not.toHaveProperty('response_types_supported');
    expect(metadata).not.toHaveProperty('authorization_endpoint');
    const raw = (await t.http.get('/.well-known/oauth-authorization-server').expect(200)).body as Record<string, unknown>;
    expect(Object.entries(raw).filter(([, v]) => Array.isArray(v) && v.length === 0)).toEqual([]);
  });

  it('discovers the server and gets a token with client credentials, as the documentation shows', async () => {
    const { clientId, clientSecret } = await register({ tokenEndpointAuthMethod: 'client_secret_basic' });
    // As in docs/oauth.md, plus allowInsecureRequests because this test server speaks plain http.
    const config = await client.discovery(new URL(issuer), clientId, undefined, client.ClientSecretBasic(clientSecret as string), {
      algorithm: 'oauth2',
      execute: [client.allowInsecureRequests],
    });
    const tokens = await client.clientCredentialsGrant(config, { scope: 'decisions' });
    expect(tokens).toMatchObject({ token_type: 'bearer', scope: 'decisions' });
    expect(decodeJwt(tokens.access_token)).toMatchObject({ client_id: clientId, iss: issuer });
  });

  it('gets a token with private_key_jwt, and a second one (a fresh assertion jti each time)', async () => {
    const key = await newClientKey();
    const { clientId } = await register({ tokenEndpointAuthMethod: 'private_key_jwt', jwks: { keys: [key.publicJwk] } });
    const config = await client.discovery(
      new URL(issuer),
      clientId,
      undefined,
      client.PrivateKeyJwt({ key: key.privateKey, kid: key.kid }),
      options,
    );
    const first = await client.clientCredentialsGrant(config, { scope: 'decisions' });
    const second = await client.clientCredentialsGrant(config);
    expect(first).toMatchObject({ token_type: 'bearer', scope: 'decisions' });
    expect(first.expiresIn()).toBeGreaterThan(590);
    expect(decodeJwt(second.access_token).client_id).toBe(clientId);
  });

  it('gets a token with client_secret_basic, introspects it and revokes it', async () => {
    const { clientId, clientSecret } = await register({ tokenEndpointAuthMethod: 'client_secret_basic' });
    const config = await client.discovery(new URL(issuer), clientId, undefined, client.ClientSecretBasic(clientSecret as string), options);
    const { access_token: token } = await client.clientCredentialsGrant(config);
    expect((await client.tokenIntrospection(config, token)).active).toBe(true);
    await client.tokenRevocation(config, token);
    expect((await client.tokenIntrospection(config, token)).active).toBe(false);
    await expect(t.container.clientAuth.authenticate(token)).rejects.toMatchObject({ status: 401 });
  });

  it('gets a token with client_secret_post and revokes it', async () => {
    const { clientId, clientSecret } = await register({ tokenEndpointAuthMethod: 'client_secret_post' });
    const config = await client.discovery(new URL(issuer), clientId, undefined, client.ClientSecretPost(clientSecret as string), options);
    const { access_token: token } = await client.clientCredentialsGrant(config);
    await expect(t.container.clientAuth.authenticate(token)).resolves.toMatchObject({ clientId });
    await client.tokenRevocation(config, token);
    await expect(t.container.clientAuth.authenticate(token)).rejects.toMatchObject({ status: 401 });
  });

  it('gets a 401 Basic challenge for a wrong secret (RFC 6749 §5.2)', async () => {
    const { clientId } = await register({ tokenEndpointAuthMethod: 'client_secret_basic' });
    const config = await client.discovery(new URL(issuer), clientId, undefined, client.ClientSecretBasic('wrong'), options);
    const err = await client.clientCredentialsGrant(config).catch((e: unknown) => e);
    expect(err).toMatchObject({
      status: 401,
      cause: [expect.objectContaining({ scheme: 'basic', parameters: expect.objectContaining({ error: 'invalid_client' }) })],
    });
    const raw = await t.http.post('/oauth/token').auth(clientId, 'wrong').type('form').send({ grant_type: 'client_credentials' });
    expect(raw.headers['www-authenticate']).toBe('Basic realm="privacy-governance", error="invalid_client"');
    // The same challenge on introspection and revocation; none for a client that did not use the header.
    for (const path of ['/oauth/introspect', '/oauth/revoke']) {
      const res = await t.http.post(path).auth(clientId, 'wrong').type('form').send({ token: 'x' });
      expect(res.headers['www-authenticate']).toBe('Basic realm="privacy-governance", error="invalid_client"');
    }
    const form = await t.http
      .post('/oauth/token')
      .type('form')
      .send({ grant_type: 'client_credentials', client_id: clientId, client_secret: 'wrong' });
    expect(form.status).toBe(401);
    expect(form.headers['www-authenticate']).toBeUndefined();
  });

  it('surfaces invalid_client for a wrong secret in the form as an OAuth error', async () => {
    const { clientId } = await register({ tokenEndpointAuthMethod: 'client_secret_post' });
    const config = await client.discovery(new URL(issuer), clientId, undefined, client.ClientSecretPost('wrong'), options);
    await expect(client.clientCredentialsGrant(config)).rejects.toMatchObject({ error: 'invalid_client', status: 401 });
  });
});

describe('a resource server using jose createRemoteJWKSet', () => {
  it('verifies our access tokens offline from the published JWKS', async () => {
    const { clientId, clientSecret } = await register({ tokenEndpointAuthMethod: 'client_secret_post' });
    const config = await client.discovery(new URL(issuer), clientId, undefined, client.ClientSecretPost(clientSecret as string), options);
    const { access_token: token } = await client.clientCredentialsGrant(config);
    const jwks = createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri as string));
    const { payload, protectedHeader } = await jwtVerify(token, jwks, {
      issuer,
      audience: issuer,
      typ: 'at+jwt',
      algorithms: ['ES256', 'EdDSA'],
      requiredClaims: ['exp', 'iat', 'jti', 'client_id'],
    });
    expect(protectedHeader).toMatchObject({ typ: 'at+jwt', alg: 'ES256' });
    expect(payload).toMatchObject({ sub: clientId, client_id: clientId, scope: 'decisions' });
  });
});
