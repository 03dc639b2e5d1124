import { CLIENT_CHANGED } from '../../services/oauth/clients/client-directory';
import type { ClientCredentialsForm } from '../../services/oauth/clients/client-authentication';
import type { RegisterClientInput, RegisterInternalClient } from '../../services/oauth/schemas';
import { admin, inMemoryOAuth, protocolRequest, type InMemoryOAuth } from '../fakes/oauth';
import { problemOf } from '../fakes/ports';
import { basic, newClientKey } from '../helpers/oauth';

// OAuth clients' rules on in-memory stores: registration and its refusals, disabling, the vendor
// kill switch, credential rotation and the secret's grace period, and what is audited and announced.
// (On the database and over HTTP: test/integration/oauth-clients.test.ts, oauth-vendor-clients.test.ts.)

const VENDOR = '00000000-0000-4000-8000-000000000001';
const OTHER_VENDOR = '00000000-0000-4000-8000-000000000002';

const internal = (over: Partial<RegisterInternalClient> = {}): RegisterClientInput => ({
  kind: 'internal',
  name: 'Card data service',
  roles: ['pep'],
  scopes: ['decisions'],
  tokenEndpointAuthMethod: 'client_secret_basic',
  ...over,
});

const vendorClient = (vendorId = VENDOR): RegisterClientInput => ({
  kind: 'vendor',
  vendorId,
  name: 'Collections agency',
  scopes: [],
  tokenEndpointAuthMethod: 'client_secret_basic',
});

/** A fresh ES256 client key, its public half as a registration carries it. */
async function clientKey() {
  const key = await newClientKey();
  return { kid: key.kid, publicJwk: { ...key.publicJwk, kty: 'EC' as const, use: 'sig' as const } };
}

async function secretClient(o: InMemoryOAuth, input: RegisterClientInput = internal()) {
  const registered = await o.clients.register(admin, input);
  if (registered.clientSecret === undefined) throw new Error('a secret client is registered with its secret');
  return { ...registered, clientSecret: registered.clientSecret };
}

async function keyClient(o: InMemoryOAuth) {
  const key = await clientKey();
  return {
    key,
    client: await o.clients.register(admin, internal({ tokenEndpointAuthMethod: 'private_key_jwt', jwks: { keys: [key.publicJwk] } })),
  };
}

/** How the token endpoint answers these Basic credentials: the client, or the OAuth error. */
async function authenticates(o: InMemoryOAuth, clientId: string, secret: string, form: ClientCredentialsForm = {}) {
  return o.authentication.authenticate(protocolRequest({ authorization: basic(clientId, secret) }), form, 'token', 'req-token').then(
    ({ record }) => record.clientId,
    (err: unknown) => err,
  );
}

const refusedAs = (code: string, status: number) => expect.objectContaining({ code, status });

describe('client registration (in memory)', () => {
  it('registers an internal secret client: a 256-bit secret in the answer only, its keyed hash stored, audited and announced without either', async () => {
    const o = inMemoryOAuth();
    const registered = await secretClient(o, internal({ roles: ['pep', 'pep'], scopes: ['decisions', 'decisions'] }));
    const now = o.clock.now().toISOString();
    expect(registered).toMatchObject({
      kind: 'internal',
      vendorId: null,
      roles: ['pep'],
      scopes: ['decisions'],
      status: 'active',
      accessTokenTtlSeconds: 600,
      previousSecretExpiresAt: null,
      createdAt: now,
      updatedAt: now,
    });
    expect(Buffer.from(registered.clientSecret, 'base64url')).toHaveLength(32);

    const stored = o.clientStore.clients.get(registered.clientId);
    expect(stored?.secretHash).toMatch(/^hmac-sha256-v1:/);
    expect(o.secrets.verify(registered.clientSecret, stored?.secretHash ?? null)).toBe(true);
    expect(JSON.stringify(stored)).not.toContain(registered.clientSecret);

    const got = await o.clients.get(registered.clientId);
    expect(Object.keys(got)).not.toEqual(expect.arrayContaining(['clientSecret']));
    expect(JSON.stringify(got)).not.toMatch(/secret_?hash|hmac-sha256/i);

    expect(o.audit.events).toEqual([
      expect.objectContaining({
        action: 'client.registered',
        actorType: 'staff',
        actorId: 'root-admin',
        objectType: 'client',
        objectId: registered.clientId,
        details: { after: got },
      }),
    ]);
    expect(JSON.stringify(o.audit.events)).not.toContain(registered.clientSecret);
    expect(JSON.stringify(o.audit.events)).not.toContain(stored?.secretHash);
    expect(o.feed.published).toEqual([{ topic: CLIENT_CHANGED, payload: { clientId: registered.clientId } }]);
    expect(await authenticates(o, registered.clientId, registered.clientSecret)).toBe(registered.clientId);
  });

  it('registers a private_key_jwt client with its public JWK set and no secret', async () => {
    const o = inMemoryOAuth();
    const { key, client } = await keyClient(o);
    expect(client.clientSecret).toBeUndefined();
    expect(client.jwks?.keys[0].kid).toBe(key.kid);
    expect(o.clientStore.clients.get(client.clientId)).toMatchObject({ secretHash: null, previousSecretHash: null });
  });

  it('registers a vendor client for its vendor, with no roles, inside the caller’s transaction when given one', async () => {
    const o = inMemoryOAuth();
    const registered = await o.tx.transaction((trx) => o.clients.register(admin, vendorClient(), trx));
    expect(registered).toMatchObject({ kind: 'vendor', vendorId: VENDOR, roles: [] });
    // One transaction: the caller's, not one of the service's own.
    expect(o.tx.transactions).toBe(1);
    expect(o.audit.actions()).toEqual(['client.registered']);
  });

  // Moved from oauth-clients.test.ts (each a 400 validation_failed there): checks of the key set itself.
  it.each([
    ['a private key', async () => ({ keys: [{ ...(await clientKey()).publicJwk, d: 'c2VjcmV0' }] })],
    ['an HMAC algorithm', async () => ({ keys: [{ ...(await clientKey()).publicJwk, alg: 'HS256' }] })],
    ['a broken key', async () => ({ keys: [{ kty: 'EC' as const, crv: 'P-256', x: 'AAAA', y: 'AAAA' }] })],
    ['an RSA key under 2048 bits', async () => ({ keys: [{ kty: 'RSA' as const, n: 'AQAB', e: 'AQAB' }] })],
    [
      'a duplicate kid',
      async () => {
        const [a, b] = [await clientKey(), await clientKey()];
        return { keys: [a.publicJwk, { ...b.publicJwk, kid: a.kid }] };
      },
    ],
  ])('refuses a JWK set with %s (400 validation_failed) and keeps, audits and announces nothing', async (_label, jwks) => {
    const o = inMemoryOAuth();
    const input = internal({ tokenEndpointAuthMethod: 'private_key_jwt', jwks: await jwks() });
    expect(await problemOf(o.clients.register(admin, input))).toEqual(refusedAs('validation_failed', 400));
    expect(o.clientStore.clients.size).toBe(0);
    expect(o.audit.events).toEqual([]);
    expect(o.feed.published).toEqual([]);
  });

  it('refuses a jwks_uri that resolves inside the bank (400 validation_failed naming the field)', async () => {
    const o = inMemoryOAuth();
    const input = internal({ tokenEndpointAuthMethod: 'private_key_jwt', jwksUri: 'https://keys.internal/jwks.json' });
    const problem = await problemOf(o.clients.register(admin, input));
    expect(problem).toEqual(refusedAs('validation_failed', 400));
    expect(problem.message).toMatch(/^body\.jwksUri: /);
    expect(o.clientStore.clients.size).toBe(0);
    await expect(
      o.clients.register(admin, internal({ tokenEndpointAuthMethod: 'private_key_jwt', jwksUri: 'https://keys.example/jwks.json' })),
    ).resolves.toMatchObject({ jwksUri: 'https://keys.example/jwks.json', jwks: null });
  });

  it('lists clients in id order, filtered, a page at a time', async () => {
    const o = inMemoryOAuth();
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await o.clients.register(admin, internal())).clientId);
    const vendor = (await o.clients.register(admin, vendorClient())).clientId;
    await o.clients.disable(admin, ids[0]);
    const first = await o.clients.list({ kind: 'internal' }, 2);
    expect(first.items.map((c) => c.clientId)).toEqual([...ids].sort().slice(0, 2));
    const second = await o.clients.list({ kind: 'internal', cursor: first.nextCursor ?? undefined }, 2);
    expect(second).toEqual({ items: [expect.objectContaining({ clientId: [...ids].sort()[2] })], nextCursor: null });
    expect((await o.clients.list({ status: 'disabled' }, 10)).items.map((c) => c.clientId)).toEqual([ids[0]]);
    expect((await o.clients.list({ vendorId: VENDOR }, 10)).items.map((c) => c.clientId)).toEqual([vendor]);
  });
});

describe('disabling clients (in memory)', () => {
  it('disables a client once: refused at the token endpoint, audited with before and after, announced; again is 409 client_disabled', async () => {
    const o = inMemoryOAuth();
    const client = await secretClient(o);
    await o.directory.find(client.clientId);
    o.clock.advance(5_000);
    const disabled = await o.clients.disable(admin, client.clientId);
    expect(disabled).toMatchObject({ status: 'disabled', disabledAt: o.clock.now().toISOString(), updatedAt: o.clock.now().toISOString() });
    // The directory heard the change: no stale active client in memory.
    expect(o.directory.cached(client.clientId)).toBeUndefined();
    expect(await authenticates(o, client.clientId, client.clientSecret)).toEqual(refusedAs('invalid_client', 401));
    expect(o.audit.events.at(-1)).toMatchObject({ action: 'oauth.client_authentication_failed', details: { reason: 'client_disabled' } });
    expect(await problemOf(o.clients.disable(admin, client.clientId))).toEqual(refusedAs('client_disabled', 409));
    const changes = o.audit.events.filter((e) => e.objectId === client.clientId && e.action.startsWith('client.'));
    expect(changes.map((e) => e.action)).toEqual(['client.registered', 'client.disabled']);
    expect(changes[1].details).toEqual({ before: expect.objectContaining({ status: 'active' }), after: disabled });
  });

  it('answers 404 not_found for a client it does not know', async () => {
    const o = inMemoryOAuth();
    expect(await problemOf(o.clients.get('nope'))).toEqual(refusedAs('not_found', 404));
    expect(await problemOf(o.clients.disable(admin, 'nope'))).toEqual(refusedAs('not_found', 404));
    expect(await problemOf(o.clients.rotateCredentials(admin, 'nope', {}))).toEqual(refusedAs('not_found', 404));
  });

  it('the kill switch disables every active client of one vendor in the caller’s transaction, and then finds none', async () => {
    const o = inMemoryOAuth();
    const [a, b] = [await o.clients.register(admin, vendorClient()), await o.clients.register(admin, vendorClient())];
    const other = await o.clients.register(admin, vendorClient(OTHER_VENDOR));
    const own = await o.clients.register(admin, internal());
    await o.clients.disable(admin, b.clientId);
    o.audit.events.length = 0;
    o.feed.published.length = 0;
    const officer = { actor: { kind: 'staff' as const, subject: 'privacy-officer' }, requestId: 'r-1' };

    const disabled = await o.tx.transaction((trx) => o.clients.disableVendorClients(trx, officer, VENDOR));
    expect(disabled).toEqual([a.clientId]);
    expect(o.audit.events).toEqual([
      expect.objectContaining({ action: 'client.disabled', objectId: a.clientId, actorId: 'privacy-officer', requestId: 'r-1' }),
    ]);
    expect(o.feed.published).toEqual([{ topic: CLIENT_CHANGED, payload: { clientId: a.clientId } }]);
    for (const untouched of [other, own]) expect((await o.clients.get(untouched.clientId)).status).toBe('active');
    expect(await o.tx.transaction((trx) => o.clients.disableVendorClients(trx, officer, VENDOR))).toEqual([]);
  });
});

describe('credential rotation (in memory)', () => {
  it('gives a secret client a new secret; the old one keeps working for 24 hours by default, audited without either secret', async () => {
    const o = inMemoryOAuth();
    const client = await secretClient(o);
    const before = o.clientStore.clients.get(client.clientId);
    const rotated = await o.clients.rotateCredentials(admin, client.clientId, {});
    const fresh = rotated.clientSecret ?? '';
    expect(fresh).not.toBe(client.clientSecret);
    expect(Buffer.from(fresh, 'base64url')).toHaveLength(32);
    expect(rotated.previousSecretExpiresAt).toBe(new Date(o.clock.now().getTime() + 86_400_000).toISOString());
    expect(o.clientStore.clients.get(client.clientId)).toMatchObject({ previousSecretHash: before?.secretHash });
    expect(await authenticates(o, client.clientId, fresh)).toBe(client.clientId);
    expect(await authenticates(o, client.clientId, client.clientSecret)).toBe(client.clientId);
    const event = o.audit.events.find((e) => e.action === 'client.credentials_rotated');
    expect(event?.details).toMatchObject({ graceSeconds: null, after: { previousSecretExpiresAt: rotated.previousSecretExpiresAt } });
    expect(JSON.stringify(o.audit.events)).not.toContain(fresh);
    expect(JSON.stringify(o.audit.events)).not.toContain(client.clientSecret);
    expect(o.feed.published.at(-1)).toEqual({ topic: CLIENT_CHANGED, payload: { clientId: client.clientId } });
  });

  // Moved from oauth-clients.test.ts: 'ends the old secret at once with graceSeconds 0'.
  it('ends the old secret at once with graceSeconds 0', async () => {
    const o = inMemoryOAuth();
    const client = await secretClient(o);
    const rotated = await o.clients.rotateCredentials(admin, client.clientId, { graceSeconds: 0 });
    expect(rotated.previousSecretExpiresAt).toBeNull();
    expect(o.clientStore.clients.get(client.clientId)?.previousSecretHash).toBeNull();
    expect(await authenticates(o, client.clientId, client.clientSecret)).toEqual(refusedAs('invalid_client', 401));
    expect(await authenticates(o, client.clientId, rotated.clientSecret ?? '')).toBe(client.clientId);
  });

  // Moved from oauth-clients.test.ts: 'stops accepting the old secret once the grace period is over'.
  it('stops accepting the old secret once the grace period is over (audited as a wrong secret)', async () => {
    const o = inMemoryOAuth();
    const client = await secretClient(o);
    const rotated = await o.clients.rotateCredentials(admin, client.clientId, { graceSeconds: 1 });
    expect(await authenticates(o, client.clientId, client.clientSecret)).toBe(client.clientId);
    o.clock.advance(1100);
    expect(await authenticates(o, client.clientId, client.clientSecret)).toEqual(refusedAs('invalid_client', 401));
    expect(o.audit.events.at(-1)).toMatchObject({
      action: 'oauth.client_authentication_failed',
      objectId: client.clientId,
      details: { endpoint: 'token', method: 'client_secret_basic', reason: 'wrong_secret' },
    });
    expect(await authenticates(o, client.clientId, rotated.clientSecret ?? '')).toBe(client.clientId);
  });

  // Moved from oauth-clients.test.ts: 'replaces the key set of a private_key_jwt client and refuses secret-style input for it'.
  it('replaces the key set of a private_key_jwt client and refuses secret-style input for it', async () => {
    const o = inMemoryOAuth();
    const { client } = await keyClient(o);
    expect(await problemOf(o.clients.rotateCredentials(admin, client.clientId, { graceSeconds: 10 }))).toEqual(
      refusedAs('validation_failed', 400),
    );
    expect(await problemOf(o.clients.rotateCredentials(admin, client.clientId, {}))).toEqual(refusedAs('validation_failed', 400));
    const next = await clientKey();
    const rotated = await o.clients.rotateCredentials(admin, client.clientId, { jwks: { keys: [next.publicJwk] } });
    expect(rotated.jwks?.keys.map((k) => k.kid)).toEqual([next.kid]);
    expect(rotated.clientSecret).toBeUndefined();
    expect(o.audit.actions()).toEqual(['client.registered', 'client.credentials_rotated']);
  });

  // Moved from oauth-clients.test.ts: 'refuses keys for a secret client and rotation of a disabled client'.
  it('refuses keys for a secret client, jwks and jwksUri together, and rotation of a disabled client', async () => {
    const o = inMemoryOAuth();
    const client = await secretClient(o);
    const jwks = { keys: [(await clientKey()).publicJwk] };
    expect(await problemOf(o.clients.rotateCredentials(admin, client.clientId, { jwks }))).toEqual(refusedAs('validation_failed', 400));
    expect(
      await problemOf(o.clients.rotateCredentials(admin, client.clientId, { jwks, jwksUri: 'https://keys.example/jwks.json' })),
    ).toEqual(refusedAs('validation_failed', 400));
    await o.clients.disable(admin, client.clientId);
    expect(await problemOf(o.clients.rotateCredentials(admin, client.clientId, {}))).toEqual(refusedAs('client_disabled', 409));
    expect(o.audit.actions()).toEqual(['client.registered', 'client.disabled']);
  });
});

describe('client authentication before any look-up (in memory)', () => {
  // Moved from oauth-unstorable-credentials.test.ts: 'refuses a client id that is not in the format this server issues before looking it up'.
  it('refuses a client id that is not in the format this server issues before looking it up', async () => {
    const o = inMemoryOAuth();
    for (const clientId of ['x'.repeat(150), 'a b', 'ünïcode', 'a/b']) {
      const refused = await problemOf(
        o.authentication.authenticate(protocolRequest(), { client_id: clientId, client_secret: 'x' }, 'token', 'req-token'),
      );
      expect(refused).toEqual(refusedAs('invalid_client', 401));
    }
    expect(o.clientStore.gets).toBe(0);
  });
});
