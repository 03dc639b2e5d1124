import crypto from 'node:crypto';
import canonicalize from 'canonicalize';
import { ManualClock } from '../../services/platform/clock';
import { createTestApp, expectProblem, type TestApp } from '../helpers/app';
import { Factories } from '../helpers/factories';
import { basic, registerSecretClient, tokenFor } from '../helpers/oauth';

// Idempotency-Key on POST by staff and clients: a retry changes nothing again and gets the first
// response back (decisions: decided again, never replayed); the key is written in the change's own transaction; a different request under
// the same key is refused; a key whose response was lost names the change's audit event.

const clock = new ManualClock(new Date());
let t: TestApp;
let f: Factories;
let admin: Record<string, string>;

const count = async (table: string, where: Record<string, unknown> = {}) =>
  Number(((await t.container.db(table).where(where).count({ n: '*' })) as Array<{ n: number }>)[0].n);
const createDepartment = (code: string, key?: string, headers: Record<string, string> = admin) => {
  const req = t.http.post('/v1/departments').set(headers);
  if (key !== undefined) req.set('Idempotency-Key', key);
  return req.send({ code, name: `Department ${code}`, kind: 'business' });
};

/** The stored response of a key, opened with the service's own sealing key (what a database reader with that key would see). */
async function storedPlaintext(key: string): Promise<string> {
  const row = (await t.container.db('idempotency_keys').where({ key }).first()) as {
    response: string | null;
    actor_type: string;
    actor_id: string;
  };
  if (row.response === null) return '';
  const sealingKey = Buffer.from(
    crypto.hkdfSync('sha256', Buffer.from(t.config.keyEncryptionKey ?? '', 'base64'), Buffer.alloc(0), 'idempotent-responses', 32),
  );
  const [, nonce, ciphertext, tag] = row.response.split('.');
  const decipher = crypto.createDecipheriv('aes-256-gcm', sealingKey, Buffer.from(nonce, 'base64url'));
  decipher.setAAD(Buffer.from(`idempotent-response:${row.actor_type}:${row.actor_id}:${key}`, 'utf8'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
}

beforeAll(async () => {
  t = await createTestApp({ clock });
  f = new Factories(t);
  admin = await f.token('root-admin');
});
afterAll(() => t.close());

describe('Idempotency-Key on staff requests', () => {
  it('replays the first response to a retry and changes nothing twice', async () => {
    const first = await createDepartment('IDEM_A', 'key-a-1');
    expect(first.status).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const retry = await createDepartment('IDEM_A', 'key-a-1');
    expect(retry.status).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body).toEqual(first.body);
    expect(await count('departments', { code: 'IDEM_A' })).toBe(1);
    expect(await count('audit_events', { action: 'department.created', object_id: 'IDEM_A' })).toBe(1);
    // Without the key the same request is a new one, and says so.
    expectProblem(await createDepartment('IDEM_A'), 409);
  });

  it('accepts the structured-field form of the key', async () => {
    expect((await createDepartment('IDEM_Q', '"quoted-key"')).status).toBe(201);
    const retry = await createDepartment('IDEM_Q', '"quoted-key"');
    expect(retry.headers['idempotent-replayed']).toBe('true');
  });

  it('refuses the same key for a different request (422) and writes nothing', async () => {
    await createDepartment('IDEM_B', 'key-b-1').expect(201);
    const before = await count('audit_events');
    const other = await createDepartment('IDEM_B2', 'key-b-1');
    expectProblem(other, 422, 'idempotency_key_reused');
    expect(await count('departments', { code: 'IDEM_B2' })).toBe(0);
    expect(await count('audit_events')).toBe(before);
  });

  it('keeps keys per caller: another member of staff may use the same key', async () => {
    await t.grantRole('second-admin', 'admin', '*');
    await createDepartment('IDEM_C1', 'shared-key').expect(201);
    const other = await createDepartment('IDEM_C2', 'shared-key', await f.token('second-admin'));
    expect(other.status).toBe(201);
    expect(other.headers['idempotent-replayed']).toBeUndefined();
  });

  it('does not spend the key on a request that changed nothing', async () => {
    expectProblem(await t.http.post('/v1/departments').set(admin).set('Idempotency-Key', 'key-d').send({ code: 'bad code' }), 400);
    expectProblem(await createDepartment('IDEM_A', 'key-d'), 409, 'department_exists');
    expect(await count('idempotency_keys', { key: 'key-d' })).toBe(0);
    expect((await createDepartment('IDEM_D', 'key-d')).status).toBe(201);
  });

  it.each([
    ['empty', ''],
    ['too long', 'k'.repeat(256)],
    ['with a space', 'two words'],
    ['not ASCII', 'clé'],
  ])('refuses a malformed key (%s) with 400 before doing anything', async (_label, key) => {
    const res = await t.http
      .post('/v1/departments')
      .set(admin)
      .set('Idempotency-Key', key)
      .send({ code: 'IDEM_BAD', name: 'x', kind: 'business' });
    expectProblem(res, 400, 'invalid_idempotency_key');
    expect(await count('departments', { code: 'IDEM_BAD' })).toBe(0);
  });

  it('lets exactly one of several concurrent requests with one key change anything', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, () => createDepartment('IDEM_E', 'key-e')));
    expect(results.filter((r) => r.status === 201 && r.headers['idempotent-replayed'] === undefined)).toHaveLength(1);
    for (const r of results) if (r.status !== 201) expectProblem(r, 409, 'idempotent_request_completed');
    expect(await count('departments', { code: 'IDEM_E' })).toBe(1);
    expect(await count('audit_events', { action: 'department.created', object_id: 'IDEM_E' })).toBe(1);
  });

  it('names the audit event when the first response was lost (the process died after the commit)', async () => {
    await createDepartment('IDEM_F', 'key-f').expect(201);
    await t.container.db('idempotency_keys').where({ key: 'key-f' }).update({ response: null, completed_at: null });
    const retry = await createDepartment('IDEM_F', 'key-f');
    expectProblem(retry, 409, 'idempotent_request_completed');
    const [event] = await t.container.audit.list({ action: 'department.created', objectId: 'IDEM_F' }, 1);
    expect(retry.body.auditEventId).toBe(event.id);
    expect(await count('departments', { code: 'IDEM_F' })).toBe(1);
  });

  it('never keeps a response that showed a client secret: a retry gets 409 secret_already_shown, not the secret', async () => {
    const register = () =>
      t.http
        .post('/v1/clients')
        .set(admin)
        .set('Idempotency-Key', 'key-client')
        .send({ name: 'Idempotent client', roles: ['pep'], scopes: [], tokenEndpointAuthMethod: 'client_secret_basic' });
    const first = await register().expect(201);
    expect(first.body.clientSecret).toEqual(expect.any(String));
    // Nothing of the response is kept, sealed or not: the table holds only what a retry is told.
    expect(await storedPlaintext('key-client')).not.toContain(first.body.clientSecret);
    const retry = await register();
    expectProblem(retry, 409, 'secret_already_shown');
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.headers['cache-control']).toBe('no-store');
    expect(retry.body).toMatchObject({ clientId: first.body.clientId, detail: expect.stringContaining('shown once') });
    expect(JSON.stringify(retry.body)).not.toContain(first.body.clientSecret);
    expect(await count('oauth_clients', { name: 'Idempotent client' })).toBe(1);
    // A client with keys has no secret: its registration is replayed as usual.
    const keyed = () =>
      t.http
        .post('/v1/clients')
        .set(admin)
        .set('Idempotency-Key', 'key-client-jwks')
        .send({
          name: 'Keyed client',
          roles: ['pep'],
          scopes: [],
          tokenEndpointAuthMethod: 'private_key_jwt',
          jwks: { keys: [{ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' }] },
        });
    const keyedFirst = await keyed().expect(201);
    expect((await keyed().expect(201)).body).toEqual(keyedFirst.body);
  });

  it('never keeps a rotated secret either, for internal and vendor clients alike', async () => {
    const client = await t.http
      .post('/v1/clients')
      .set(admin)
      .send({ name: 'Rotated client', roles: ['pep'], scopes: [], tokenEndpointAuthMethod: 'client_secret_post' })
      .expect(201);
    const rotate = () =>
      t.http
        .post(`/v1/clients/${client.body.clientId}/rotate-credentials`)
        .set(admin)
        .set('Idempotency-Key', 'key-rotate')
        .send({ graceSeconds: 0 });
    const first = await rotate().expect(200);
    expect(await storedPlaintext('key-rotate')).not.toContain(first.body.clientSecret);
    const retry = await rotate();
    expectProblem(retry, 409, 'secret_already_shown');
    expect(JSON.stringify(retry.body)).not.toContain(first.body.clientSecret);
    // Rotated once, not twice: the secret the first answer showed is the one that works.
    const token = await t.http
      .post('/oauth/token')
      .type('form')
      .send({ grant_type: 'client_credentials', client_id: client.body.clientId, client_secret: first.body.clientSecret });
    expect(token.status).toBe(200);

    await f.purpose('idem_collections');
    const vendorId = await f.vendor({ purposes: ['idem_collections'], manager: 'root-admin' });
    const vendorClient = () =>
      t.http
        .post(`/v1/vendors/${vendorId}/clients`)
        .set(admin)
        .set('Idempotency-Key', 'key-vendor-client')
        .send({ name: 'Vendor dialler', scopes: [], tokenEndpointAuthMethod: 'client_secret_basic' });
    const registered = await vendorClient().expect(201);
    expect(await storedPlaintext('key-vendor-client')).not.toContain(registered.body.clientSecret);
    const again = await vendorClient();
    expectProblem(again, 409, 'secret_already_shown');
    expect(JSON.stringify(again.body)).not.toContain(registered.body.clientSecret);
  });

  it('keys the request fingerprint, so the table cannot confirm a guessed body (bodies carry customer ids)', async () => {
    await createDepartment('IDEM_FP', 'key-fp').expect(201);
    const row = (await t.container.db('idempotency_keys').where({ key: 'key-fp' }).first()) as { request_hash: string };
    const body = { code: 'IDEM_FP', name: 'Department IDEM_FP', kind: 'business' };
    const unkeyed = crypto
      .createHash('sha256')
      .update(canonicalize({ method: 'POST', path: '/v1/departments', query: '', body }) ?? '')
      .digest('hex');
    expect(row.request_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.request_hash).not.toBe(unkeyed);
    // The same request under another key is fingerprinted the same way (so a retry still matches).
    await createDepartment('IDEM_FP2', 'key-fp2').expect(201);
    await createDepartment('IDEM_FP2', 'key-fp2').expect(201);
  });

  it('forgets keys after 24 hours, not before', async () => {
    const start = clock.now();
    await createDepartment('IDEM_G', 'key-g').expect(201);
    try {
      clock.advance(23 * 3_600_000);
      await t.container.idempotency.purge();
      expect(await count('idempotency_keys', { key: 'key-g' })).toBe(1);
      clock.advance(2 * 3_600_000);
      expect(await t.container.idempotency.purge()).toBeGreaterThanOrEqual(1);
      expect(await count('idempotency_keys', { key: 'key-g' })).toBe(0);
    } finally {
      clock.set(start);
    }
  });

  it('ignores the header on public endpoints (the token endpoint) and on reads', async () => {
    await t.http.get('/v1/departments').set(admin).set('Idempotency-Key', 'key-read').expect(200);
    const client = await registerSecretClient(t);
    const token = () =>
      t.http
        .post('/oauth/token')
        .set('Authorization', basic(client.clientId, client.clientSecret))
        .set('Idempotency-Key', 'key-token')
        .type('form')
        .send({ grant_type: 'client_credentials' });
    const [one, two] = [await token(), await token()];
    expect([one.status, two.status]).toEqual([200, 200]);
    expect(one.body.access_token).not.toBe(two.body.access_token);
    expect(await count('idempotency_keys', { key: 'key-read' })).toBe(0);
    expect(await count('idempotency_keys', { key: 'key-token' })).toBe(0);
  });
});

describe('Idempotency-Key on client requests', () => {
  let pep: Record<string, string>;
  let vendorId: string;
  let asset: { id: string; key: string };

  beforeAll(async () => {
    await f.department('RETAIL');
    await f.purpose('collections');
    vendorId = await f.vendor({ purposes: ['collections'] });
    asset = await f.asset('RETAIL', [['phone', 'personal']]);
    const grant = await t.http
      .post('/v1/access-grants')
      .set(await f.token('vm-factory'))
      .send({
        vendor: vendorId,
        asset: asset.key,
        fields: ['phone'],
        actions: ['read'],
        purpose: 'collections',
        validUntil: new Date(Date.now() + 30 * 86_400_000).toISOString(),
        justification: 'Collections calls',
        dailyRecordCap: 100,
      });
    expect(grant.status).toBe(201);
    await t.http
      .post(`/v1/access-grants/${grant.body.id}/approve`)
      .set(await f.token('owner-factory'))
      .send({})
      .expect(200);
    pep = { Authorization: `Bearer ${await tokenFor(t, await registerSecretClient(t, { roles: ['pep'], scopes: ['decisions'] }))}` };
  });

  const decide = (key: string, records = 60) =>
    t.http
      .post('/v1/decisions')
      .set(pep)
      .set('Idempotency-Key', key)
      .send({ vendor: vendorId, asset: asset.key, fields: ['phone'], action: 'read', purpose: 'collections', records });

  it('never replays a decision: a retry is decided again, names the first, and its volume is counted once', async () => {
    const first = await decide('decision-1');
    expect(first.status).toBe(200);
    expect(first.body.decision).toBe('allow');
    const retry = await decide('decision-1');
    expect(retry.status).toBe(200);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    expect(retry.body).toMatchObject({ decision: 'allow', retryOf: first.body.decisionId });
    expect(retry.body.decisionId).not.toBe(first.body.decisionId);
    // Both answers are on record; the retry's event names the first one's.
    const events = await t.container.audit.list({ action: 'access.decided', objectId: vendorId }, 10);
    expect(events).toHaveLength(2);
    const [retried, original] = events;
    expect(original.details.decisionId).toBe(first.body.decisionId);
    expect(retried.details).toMatchObject({ decisionId: retry.body.decisionId, retryOf: original.id });
    // 60 of 100 records used once; a second, new decision of 60 exceeds the cap.
    const next = await decide('decision-2');
    expect(next.body.deniedFields).toEqual([{ field: 'phone', reason: 'volume_exceeded' }]);
  });

  it('refuses another decision under a used key', async () => {
    expectProblem(await decide('decision-1', 1), 422, 'idempotency_key_reused');
  });
});
