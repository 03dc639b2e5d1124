import crypto from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import type { TestApp } from './app';

export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export interface SecretClient {
  readonly clientId: string;
  readonly clientSecret: string;
}

export interface KeyClient {
  readonly clientId: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
  readonly kid: string;
}

export const basic = (clientId: string, secret: string): string =>
  `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`;

export async function adminHeaders(t: TestApp): Promise<Record<string, string>> {
  return { Authorization: `Bearer ${await t.staffToken('root-admin')}` };
}

/** Registers an internal client with a secret through the API (as the bootstrap admin). */
export async function registerSecretClient(
  t: TestApp,
  options: { roles?: string[]; scopes?: string[]; method?: 'client_secret_basic' | 'client_secret_post'; ttl?: number } = {},
): Promise<SecretClient> {
  const res = await t.http
    .post('/v1/clients')
    .set(await adminHeaders(t))
    .send({
      name: 'Test client',
      roles: options.roles ?? ['pep'],
      scopes: options.scopes ?? ['decisions'],
      tokenEndpointAuthMethod: options.method ?? 'client_secret_basic',
      ...(options.ttl ? { accessTokenTtlSeconds: options.ttl } : {}),
    });
  if (res.status !== 201) throw new Error(`register client: ${res.status} ${JSON.stringify(res.body)}`);
  return { clientId: res.body.clientId, clientSecret: res.body.clientSecret };
}

export async function newClientKey(alg: 'ES256' | 'EdDSA' = 'ES256'): Promise<{ privateKey: CryptoKey; publicJwk: JWK; kid: string }> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = crypto.randomUUID();
  return { privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }, kid };
}

/** Registers an internal private_key_jwt client with a fresh ES256 key. */
export async function registerKeyClient(t: TestApp, options: { roles?: string[]; scopes?: string[] } = {}): Promise<KeyClient> {
  const key = await newClientKey();
  const res = await t.http
    .post('/v1/clients')
    .set(await adminHeaders(t))
    .send({
      name: 'Key client',
      roles: options.roles ?? ['pep'],
      scopes: options.scopes ?? ['decisions'],
      tokenEndpointAuthMethod: 'private_key_jwt',
      jwks: { keys: [key.publicJwk] },
    });
  if (res.status !== 201) throw new Error(`register key client: ${res.status} ${JSON.stringify(res.body)}`);
  return { clientId: res.body.clientId, ...key };
}

export interface AssertionOverrides {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
  nbf?: number;
  iat?: number;
  jti?: string | null;
  kid?: string;
  key?: CryptoKey;
  alg?: string;
}

/** A client assertion (RFC 7523) for `client`, valid unless overridden. */
export async function clientAssertion(t: TestApp, client: KeyClient, o: AssertionOverrides = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    iss: o.iss ?? client.clientId,
    sub: o.sub ?? client.clientId,
    aud: o.aud ?? t.config.publicUrl,
    iat: o.iat ?? now,
    exp: o.exp ?? now + 60,
  };
  if (o.jti !== null) claims.jti = o.jti ?? crypto.randomUUID();
  if (o.nbf !== undefined) claims.nbf = o.nbf;
  return new SignJWT(claims).setProtectedHeader({ alg: o.alg ?? 'ES256', kid: o.kid ?? client.kid }).sign(o.key ?? client.privateKey);
}

export function assertionForm(
  assertion: string,
  extra: Record<string, string> = { grant_type: 'client_credentials' },
): Record<string, string> {
  return { ...extra, client_assertion_type: JWT_BEARER, client_assertion: assertion };
}

/** Gets a token with client_secret_basic; fails the test if the server says no. */
export async function tokenFor(t: TestApp, client: SecretClient, form: Record<string, string> = {}): Promise<string> {
  const res = await t.http
    .post('/oauth/token')
    .set('Authorization', basic(client.clientId, client.clientSecret))
    .type('form')
    .send({ grant_type: 'client_credentials', ...form });
  if (res.status !== 200) throw new Error(`token: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.access_token as string;
}

/** Audit events of one action (newest first), read as an administrator. */
export async function auditEvents(t: TestApp, query: Record<string, string>): Promise<Array<Record<string, unknown>>> {
  const res = await t.http
    .get('/v1/audit')
    .query(query)
    .set(await adminHeaders(t));
  if (res.status !== 200) throw new Error(`audit: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.items;
}
