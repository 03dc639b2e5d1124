import { decodeProtectedHeader } from 'jose';
import { decryptPrivateKey } from '../../services/oauth/keys/key-encryption';
import { SIGNING_KEYS_CHANGED } from '../../services/oauth/keys/signing-keys';
import { admin, inMemoryOAuth, type InMemoryOAuth } from '../fakes/oauth';
import { problemOf } from '../fakes/ports';

// The signing keys' rules on an in-memory store and a clock the test moves: the first key,
// rotation (published before it signs, signing until the next activates, published until its last
// token expires), the states an administrator sees, and what is audited and announced.
// (On the database, over HTTP and across replicas: test/integration/oauth-signing-keys.test.ts.)

const MINUTE = 60_000;
/** A token lives at most 10 minutes; a retired key stays published that long plus a minute's margin. */
const PUBLISHED_AFTER_RETIREMENT_MS = 11 * MINUTE;

async function started(): Promise<InMemoryOAuth> {
  const o = inMemoryOAuth();
  await o.signingKeys.ensureKey();
  return o;
}

/** The kid in the header of a token signed now. */
const sign = async (o: InMemoryOAuth): Promise<string> =>
  decodeProtectedHeader((await o.issuance.issue({ clientId: 'c-1', scopes: [], ttlSeconds: 600 })).token).kid ?? 'no kid';
const status = async (o: InMemoryOAuth, kid: string) => (await o.signingKeys.list()).find((k) => k.kid === kid)?.status;
const published = (o: InMemoryOAuth) => o.signingKeys.jwks().keys.map((k) => k.kid);

describe('the first signing key (in memory)', () => {
  it('is created at start-up when there is none: ES256, active at once, audited as the system, announced', async () => {
    const o = inMemoryOAuth();
    expect(o.signingKeys.ready).toBe(false);
    await o.signingKeys.ensureKey();
    expect(o.signingKeys.ready).toBe(true);
    const [key] = await o.signingKeys.list();
    expect(key).toMatchObject({ alg: 'ES256', status: 'active', activatesAt: o.clock.now().toISOString(), retiresAt: null });
    expect(o.keyStore.locks).toBe(1);
    expect(o.audit.events).toEqual([
      expect.objectContaining({
        action: 'signing_key.created',
        actorType: 'system',
        actorId: 'oauth-signing-keys',
        objectId: key.kid,
        details: { after: key, reason: 'no signing key existed at start-up' },
      }),
    ]);
    expect(o.feed.published).toEqual([{ topic: SIGNING_KEYS_CHANGED, payload: { kid: key.kid } }]);
    expect(await sign(o)).toBe(key.kid);
  });

  it('is not created again when a key exists (a second start, another replica)', async () => {
    const o = await started();
    await o.signingKeys.ensureKey();
    expect(o.keyStore.keys).toHaveLength(1);
    expect(o.keyStore.locks).toBe(2);
    expect(o.audit.actions()).toEqual(['signing_key.created']);
  });

  it('keeps its private half only encrypted under the key-encryption key, bound to its kid, and publishes the public half', async () => {
    const o = await started();
    const [stored] = o.keyStore.keys;
    expect(stored.privateKeyEnc).toMatch(/^v1\./);
    const privateJwk = JSON.parse(decryptPrivateKey(o.keyEncryptionKey, stored.kid, stored.privateKeyEnc));
    expect(privateJwk.d).toEqual(expect.any(String));
    expect(stored.privateKeyEnc).not.toContain(privateJwk.d);
    const [jwk] = o.signingKeys.jwks().keys;
    expect(jwk).toMatchObject({ kid: stored.kid, alg: 'ES256', kty: 'EC', crv: 'P-256', use: 'sig' });
    expect(jwk).not.toHaveProperty('d');
    expect(JSON.stringify(await o.signingKeys.list())).not.toMatch(/"d":|private/i);
  });

  it('without any key nothing signs (503 service_unavailable)', async () => {
    const o = inMemoryOAuth();
    await o.signingKeys.load();
    expect(o.signingKeys.ready).toBe(false);
    expect(await problemOf(o.issuance.issue({ clientId: 'c-1', scopes: [], ttlSeconds: 600 }))).toMatchObject({
      code: 'service_unavailable',
      status: 503,
    });
  });
});

describe('rotation (in memory)', () => {
  it('publishes the new key at once, signs with it only once it activates, and keeps the old one published until its last token expires', async () => {
    const o = await started();
    const old = await sign(o);
    const rotated = await o.signingKeys.rotate(admin, { activateAfterSeconds: 60 });
    expect(rotated).toMatchObject({ status: 'next', alg: 'ES256', activatesAt: new Date(o.clock.now().getTime() + MINUTE).toISOString() });
    const next = rotated.kid;
    // Published at once, not yet signing.
    expect(published(o).sort()).toEqual([old, next].sort());
    expect(await sign(o)).toBe(old);
    expect(await status(o, old)).toBe('active');

    o.clock.advance(MINUTE);
    expect(await sign(o)).toBe(next);
    expect(await status(o, next)).toBe('active');
    expect(await status(o, old)).toBe('retiring');
    const retired = (await o.signingKeys.list()).find((k) => k.kid === old);
    expect(retired?.retiresAt).toBe(rotated.activatesAt);
    expect(Date.parse(retired?.publishedUntil ?? '') - Date.parse(retired?.retiresAt ?? '')).toBe(PUBLISHED_AFTER_RETIREMENT_MS);
    // Still verifies the tokens it signed.
    expect(published(o)).toContain(old);
    expect(o.signingKeys.verificationKey(old)).toBeDefined();

    o.clock.advance(PUBLISHED_AFTER_RETIREMENT_MS);
    expect(await status(o, old)).toBe('retired');
    expect(published(o)).toEqual([next]);
    expect(o.signingKeys.verificationKey(old)).toBeUndefined();

    expect(o.audit.events.at(-1)).toMatchObject({
      action: 'signing_key.rotated',
      actorType: 'staff',
      actorId: 'root-admin',
      objectId: next,
      details: { after: rotated, retired: [{ kid: old, retiresAt: retired?.retiresAt, publishedUntil: retired?.publishedUntil }] },
    });
    expect(o.feed.published.at(-1)).toEqual({ topic: SIGNING_KEYS_CHANGED, payload: { kid: next } });
  });

  it('activates in ten minutes unless told otherwise', async () => {
    const o = await started();
    const rotated = await o.signingKeys.rotate(admin);
    expect(Date.parse(rotated.activatesAt) - o.clock.now().getTime()).toBe(10 * MINUTE);
  });

  it('signs at once when there is no key to take over from, whatever the delay', async () => {
    const o = inMemoryOAuth();
    const rotated = await o.signingKeys.rotate(admin, { activateAfterSeconds: 600 });
    expect(rotated).toMatchObject({ status: 'active', activatesAt: o.clock.now().toISOString() });
    expect(o.audit.events[0].details).toMatchObject({ retired: [] });
  });

  it('retires a key still waiting for its activation at that activation, so it never signs', async () => {
    const o = await started();
    const first = await sign(o);
    const pending = await o.signingKeys.rotate(admin, { activateAfterSeconds: 600 });
    o.clock.advance(MINUTE);
    const last = await o.signingKeys.rotate(admin, { activateAfterSeconds: 60 });
    const keys = await o.signingKeys.list();
    // The pending key would activate after the last one: it retires at its own activation (as the first key does).
    expect(keys.find((k) => k.kid === pending.kid)).toMatchObject({ retiresAt: pending.activatesAt, status: 'next' });
    expect(keys.find((k) => k.kid === first)?.retiresAt).toBe(pending.activatesAt);
    expect(o.audit.events.at(-1)?.details).toMatchObject({ retired: [expect.objectContaining({ kid: pending.kid })] });
    for (const step of [MINUTE, 9 * MINUTE]) {
      o.clock.advance(step);
      expect(await sign(o)).toBe(last.kid);
    }
    expect(await status(o, pending.kid)).toBe('retiring');
  });

  it('rotates to an EdDSA key on request', async () => {
    const o = await started();
    const rotated = await o.signingKeys.rotate(admin, { alg: 'EdDSA', activateAfterSeconds: 0 });
    const token = await o.issuance.issue({ clientId: 'c-1', scopes: [], ttlSeconds: 600 });
    expect(decodeProtectedHeader(token.token)).toMatchObject({ alg: 'EdDSA', kid: rotated.kid });
    expect(o.signingKeys.jwks().keys.find((k) => k.kid === rotated.kid)).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA' });
  });
});

describe('keys another replica added (in memory)', () => {
  it('reloads for a kid it does not know, at most once every 30 seconds', async () => {
    const o = await started();
    const reads = jest.spyOn(o.keyStore, 'published');
    expect(await o.signingKeys.verificationKeyOrReload('unknown-kid')).toBeUndefined();
    expect(await o.signingKeys.verificationKeyOrReload('unknown-kid')).toBeUndefined();
    expect(reads).not.toHaveBeenCalled();
    o.clock.advance(30_000);
    expect(await o.signingKeys.verificationKeyOrReload('unknown-kid')).toBeUndefined();
    expect(await o.signingKeys.verificationKeyOrReload('unknown-kid')).toBeUndefined();
    expect(reads).toHaveBeenCalledTimes(1);
  });
});
