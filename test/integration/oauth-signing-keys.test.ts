import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { ChangeFeed } from '../../services/platform/change-feed';
import { createDatabase, createPglite } from '../../services/db';
import { OAuthServer } from '../../services/oauth';
import { ManualClock } from '../../services/platform/clock';
import { decryptPrivateKey } from '../../services/oauth/keys/key-encryption';
import { createTestApp, expectProblem, type TestApp } from '../helpers/app';
import { embeddedDataDir } from '../helpers/data-dir';
import { TEST_SHARED_BUFFERS, createTestDatabase } from '../helpers/database';
import { builtScript } from '../helpers/service-build';
import { adminHeaders, auditEvents, registerSecretClient, tokenFor, type SecretClient } from '../helpers/oauth';

const run = promisify(execFile);
let t: TestApp;
let client: SecretClient;
// Key activation is a matter of time: the tests move this clock instead of waiting.
const clock = new ManualClock(new Date());

beforeAll(async () => {
  t = await createTestApp({ clock });
  client = await registerSecretClient(t);
  await t.grantRole('audrey', 'auditor', '*');
});
afterAll(() => t.close());

const kek = () => Buffer.from(t.config.keyEncryptionKey ?? '', 'base64');
const jwks = async () => (await t.http.get('/.well-known/jwks.json').expect(200)).body as { keys: Array<Record<string, unknown>> };
const kidOf = (token: string) => decodeProtectedHeader(token).kid;

describe('signing keys', () => {
  it('creates an ES256 key at first start-up, audited, and publishes only its public part', async () => {
    const keys = await t.container.db('oauth_signing_keys');
    expect(keys).toHaveLength(1);
    const res = await t.http.get('/.well-known/jwks.json').expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/jwk-set\+json/);
    expect(res.headers['cache-control']).toMatch(/max-age=\d+/);
    expect(res.body.keys).toHaveLength(1);
    expect(res.body.keys[0]).toMatchObject({ kid: keys[0].kid, alg: 'ES256', kty: 'EC', crv: 'P-256', use: 'sig' });
    expect(res.body.keys[0].d).toBeUndefined();
    const created = await auditEvents(t, { action: 'signing_key.created' });
    expect(created[0]).toMatchObject({ actorType: 'system', objectId: keys[0].kid });
  });

  it('stores the private key only encrypted under the key-encryption key (AES-256-GCM)', async () => {
    const row = await t.container.db('oauth_signing_keys').first();
    expect(row.private_key_enc).toMatch(/^v1\./);
    const privateJwk = JSON.parse(decryptPrivateKey(kek(), row.kid, row.private_key_enc));
    expect(privateJwk.d).toEqual(expect.any(String));
    expect(row.private_key_enc).not.toContain(privateJwk.d);
    expect(() => decryptPrivateKey(crypto.randomBytes(32), row.kid, row.private_key_enc)).toThrow(/cannot be decrypted/);
    expect(() => decryptPrivateKey(kek(), 'another-kid', row.private_key_enc)).toThrow(/cannot be decrypted/);
  });

  it('does not create a second key when a replica starts on the same database', async () => {
    const replica = new OAuthServer({
      config: t.config,
      db: t.container.db,
      logger: t.container.logger,
      audit: t.container.audit,
      changes: new ChangeFeed(t.container.logger),
      keyEncryptionKey: kek(),
    });
    await replica.start();
    await replica.stop();
    expect(await t.container.db('oauth_signing_keys')).toHaveLength(1);
  });

  // Replicas share a PostgreSQL server; embedded PGlite has one connection and one process.
  (process.env.DATABASE_URL ? it : it.skip)('creates exactly one key when two replicas start at once on an empty database', async () => {
    const database = await createTestDatabase();
    try {
      const replicas = [0, 1].map(
        () =>
          new OAuthServer({
            config: t.config,
            db: database.db,
            logger: t.container.logger,
            audit: t.container.audit,
            changes: new ChangeFeed(t.container.logger),
            keyEncryptionKey: kek(),
          }),
      );
      await Promise.all(replicas.map((r) => r.start()));
      await Promise.all(replicas.map((r) => r.stop()));
      expect(await database.db('oauth_signing_keys')).toHaveLength(1);
    } finally {
      await database.drop();
    }
  });

  it('lets auditors list keys but only admins rotate', async () => {
    const audrey = { Authorization: `Bearer ${await t.staffToken('audrey')}` };
    const list = await t.http.get('/v1/signing-keys').set(audrey).expect(200);
    expect(list.body.items[0]).toMatchObject({ status: 'active', alg: 'ES256' });
    expect(JSON.stringify(list.body)).not.toMatch(/"d":|private/);
    expectProblem(await t.http.post('/v1/signing-keys/rotate').set(audrey).send({}), 403);
  });

  it('rotates: the new key is published before it signs; the old one signs until then and stays published after', async () => {
    const oldKid = kidOf(await tokenFor(t, client));
    const oldToken = await tokenFor(t, client);
    const res = await t.http
      .post('/v1/signing-keys/rotate')
      .set(await adminHeaders(t))
      .send({ activateAfterSeconds: 1 })
      .expect(201);
    expect(res.body).toMatchObject({ status: 'next', alg: 'ES256' });
    const newKid = res.body.kid as string;

    // Published at once, not yet signing.
    expect((await jwks()).keys.map((k) => k.kid).sort()).toEqual([oldKid, newKid].sort());
    expect(kidOf(await tokenFor(t, client))).toBe(oldKid);

    clock.advance(1100);
    const newToken = await tokenFor(t, client);
    expect(kidOf(newToken)).toBe(newKid);

    // The old key stays published until its last token has expired (10 min + margin after it stopped signing).
    const published = await jwks();
    expect(published.keys.map((k) => k.kid)).toContain(oldKid);
    const keys = (
      await t.http
        .get('/v1/signing-keys')
        .set(await adminHeaders(t))
        .expect(200)
    ).body.items as Array<Record<string, string>>;
    const old = keys.find((k) => k.kid === oldKid) as Record<string, string>;
    expect(old.status).toBe('retiring');
    expect(Date.parse(old.publishedUntil) - Date.parse(old.retiresAt)).toBeGreaterThanOrEqual(600_000);

    // A resource server holding our JWKS verifies tokens from both keys.
    const keySet = createLocalJWKSet(published as never);
    for (const token of [oldToken, newToken]) {
      await expect(
        jwtVerify(token, keySet, { issuer: t.config.publicUrl, audience: t.config.publicUrl, typ: 'at+jwt' }),
      ).resolves.toBeDefined();
    }
    // And so do our own machine-client routes.
    await expect(t.container.clientAuth.authenticate(oldToken)).resolves.toMatchObject({ clientId: client.clientId });

    const events = await auditEvents(t, { action: 'signing_key.rotated', objectId: newKid });
    expect(events[0]).toMatchObject({ actorType: 'staff', actorId: 'root-admin' });
    expect(events[0].details).toMatchObject({ retired: [expect.objectContaining({ kid: oldKid })] });
  });

  it('rotates to an EdDSA key on request', async () => {
    const res = await t.http
      .post('/v1/signing-keys/rotate')
      .set(await adminHeaders(t))
      .send({ alg: 'EdDSA', activateAfterSeconds: 0 })
      .expect(201);
    const token = await tokenFor(t, client);
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'EdDSA', kid: res.body.kid });
    await expect(t.container.clientAuth.authenticate(token)).resolves.toMatchObject({ clientId: client.clientId });
    const published = (await jwks()).keys.find((k) => k.kid === res.body.kid);
    expect(published).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA' });
  });

  it('refuses an unknown algorithm or a negative delay (400)', async () => {
    expectProblem(
      await t.http
        .post('/v1/signing-keys/rotate')
        .set(await adminHeaders(t))
        .send({ alg: 'HS256' }),
      400,
    );
    expectProblem(
      await t.http
        .post('/v1/signing-keys/rotate')
        .set(await adminHeaders(t))
        .send({ activateAfterSeconds: -1 }),
      400,
    );
  });
});

describe('npm run keys:rotate', () => {
  it('adds a key to the configured database (DATA_DIR on PGlite, DATABASE_URL on PostgreSQL)', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'keys-rotate-'));
    // A migrated database: a copy of the template (`npm run migrate` is tested in platform-process.test.ts).
    const database = process.env.DATABASE_URL ? await createTestDatabase() : undefined;
    if (!database) await embeddedDataDir(dataDir);
    const env = {
      ...process.env,
      DATA_DIR: dataDir,
      DATABASE_URL: database?.url ?? '',
      PGLITE_SHARED_BUFFERS: TEST_SHARED_BUFFERS,
      KEY_ENCRYPTION_KEY: t.config.keyEncryptionKey,
      SUBJECT_ID_KEY: crypto.randomBytes(32).toString('base64'),
    };
    const cli = builtScript('services/cli/keys-rotate.ts');
    try {
      const first = await run(process.execPath, [cli], { env });
      expect(JSON.parse(first.stdout)).toMatchObject({ alg: 'ES256', status: 'active' });
      const second = await run(process.execPath, [cli, '--alg', 'EdDSA', '--activate-after', '120'], { env });
      expect(JSON.parse(second.stdout)).toMatchObject({ alg: 'EdDSA', status: 'next' });

      const db =
        database?.db ?? createDatabase({ pglite: createPglite(path.join(dataDir, 'pglite'), { sharedBuffers: TEST_SHARED_BUFFERS }) });
      try {
        const rows = await db('oauth_signing_keys').orderBy('activates_at');
        expect(rows.map((r: { alg: string }) => r.alg)).toEqual(['ES256', 'EdDSA']);
        expect(rows[0].retires_at).not.toBeNull();
        const events = await db('audit_events').where({ action: 'signing_key.rotated' });
        expect(events.map((e: { actor_id: string }) => e.actor_id)).toEqual(['keys-rotate-cli', 'keys-rotate-cli']);
      } finally {
        if (database) await database.drop();
        else await db.destroy();
      }
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});
