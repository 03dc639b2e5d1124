import type { ClientActor } from '../../services/http/route';
import { createTestApp, expectProblem, type TestApp } from '../helpers/app';
import { Factories } from '../helpers/factories';
import { basic, registerSecretClient, type SecretClient } from '../helpers/oauth';

let t: TestApp;
let f: Factories;
let pepClient: SecretClient;
let asset: { id: string; key: string };
const auth = async (sub: string) => ({ Authorization: `Bearer ${await t.staffToken(sub)}` });
const pep: ClientActor = { kind: 'client', clientId: 'pep-test', roles: ['pep'], scopes: [], vendorId: null, tokenId: 'jti' };

/** A vendor with an active grant on asset.phone for collections, and an OAuth client with a token. */
async function vendorWithAccess(): Promise<{ vendorId: string; grantId: string; client: SecretClient; token: string }> {
  const vendorId = await f.vendor({ purposes: ['collections'], manager: 'vic' });
  const grantId = await f.activeGrant({
    vendor: vendorId,
    asset: asset.key,
    fields: ['phone'],
    purpose: 'collections',
    requester: 'vic',
    approver: 'olivia',
  });
  const registered = await t.container.clients.register(
    { actor: { kind: 'system', name: 'test' }, requestId: null },
    { kind: 'vendor', vendorId, name: 'Vendor system', scopes: [], tokenEndpointAuthMethod: 'client_secret_basic' },
  );
  const client = { clientId: registered.clientId, clientSecret: registered.clientSecret as string };
  const token = await t.http
    .post('/oauth/token')
    .set('Authorization', basic(client.clientId, client.clientSecret))
    .type('form')
    .send({
      grant_type: 'client_credentials',
      authorization_details: JSON.stringify([
        { type: 'data_access', locations: [asset.key], actions: ['read'], datatypes: ['phone'], purpose: 'collections' },
      ]),
    });
  expect(token.status).toBe(200);
  return { vendorId, grantId, client, token: token.body.access_token };
}

const decide = (vendorId: string) =>
  t.container.decisions.decide(pep, 'req-test', {
    vendor: vendorId,
    asset: asset.key,
    fields: ['phone'],
    action: 'read',
    purpose: 'collections',
  });
const active = async (token: string) =>
  (
    await t.http
      .post('/oauth/introspect')
      .set('Authorization', basic(pepClient.clientId, pepClient.clientSecret))
      .type('form')
      .send({ token })
      .expect(200)
  ).body.active as boolean;

async function incidentFor(vendorIds: string[]): Promise<string> {
  const res = await t.http
    .post('/v1/incidents')
    .set(await auth('pat'))
    .send({
      title: 'Call list leak',
      detectedAt: new Date().toISOString(),
      source: 'vendor_report',
      severity: 'critical',
      vendors: vendorIds,
      description: 'Exported to a personal drive',
    })
    .expect(201);
  return res.body.id;
}
const contain = async (id: string, body: Record<string, unknown>) =>
  t.http
    .post(`/v1/incidents/${id}/containment`)
    .set(await auth('pat'))
    .send(body);

beforeAll(async () => {
  t = await createTestApp();
  f = new Factories(t);
  await f.department('RETAIL');
  await f.purpose('collections');
  await t.grantRole('pat', 'privacy_officer', '*');
  await t.grantRole('olivia', 'data_owner', 'RETAIL');
  await t.grantRole('vic', 'vendor_manager', '*');
  asset = await f.asset('RETAIL', [['phone', 'personal']]);
  pepClient = await registerSecretClient(t, { roles: ['pep'], scopes: ['decisions'] });
});
afterAll(() => t.close());

describe('containment: the vendor kill switch, recorded', () => {
  it('suspending makes every later decision deny with vendor_suspended, and records what it did and when', async () => {
    const v = await vendorWithAccess();
    expect((await decide(v.vendorId)).decision).toBe('allow');
    const id = await incidentFor([v.vendorId]);
    const res = await contain(id, { suspendVendors: true });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      by: 'pat',
      suspendVendors: true,
      revokeGrants: false,
      disableClients: false,
      result: { suspendedVendors: [v.vendorId], vendorsAlreadyInactive: [], revokedGrants: [], disabledClients: [] },
    });
    expect(Date.parse(res.body.at)).toBeGreaterThanOrEqual(Date.parse(res.body.startedAt));
    expect((await decide(v.vendorId)).deniedFields).toEqual([{ field: 'phone', reason: 'vendor_suspended' }]);
    const vendor = await t.http
      .get(`/v1/vendors/${v.vendorId}`)
      .set(await auth('pat'))
      .expect(200);
    expect(vendor.body).toMatchObject({ status: 'suspended', statusReason: expect.stringContaining(id) });
    const incident = await t.http
      .get(`/v1/incidents/${id}`)
      .set(await auth('pat'))
      .expect(200);
    expect(incident.body).toMatchObject({ status: 'contained', containedAt: res.body.at });
    expect(incident.body.containment).toEqual([res.body]);

    // Applying it again is safe: the vendor counts as already contained.
    const again = await contain(id, { suspendVendors: true });
    expect(again.body.result).toMatchObject({ suspendedVendors: [], vendorsAlreadyInactive: [v.vendorId] });
    expect((await t.http.get(`/v1/incidents/${id}`).set(await auth('pat'))).body.containment).toHaveLength(2);
  });

  it('revoking makes decisions deny with no_grant; disabling makes the vendor’s tokens inactive; one transaction with its audit event', async () => {
    const v = await vendorWithAccess();
    const bystander = await vendorWithAccess();
    expect(await active(v.token)).toBe(true);
    const id = await incidentFor([v.vendorId]);
    const res = await contain(id, { revokeGrants: true, disableClients: true });
    expect(res.status).toBe(201);
    expect(res.body.result).toEqual({
      suspendedVendors: [],
      vendorsAlreadyInactive: [],
      revokedGrants: [v.grantId],
      disabledClients: [v.client.clientId],
    });
    expect((await decide(v.vendorId)).deniedFields).toEqual([{ field: 'phone', reason: 'no_grant' }]);
    expect(await active(v.token)).toBe(false);
    // Nobody else is touched.
    expect((await decide(bystander.vendorId)).decision).toBe('allow');
    expect(await active(bystander.token)).toBe(true);

    const [event] = await t.container.audit.list({ objectType: 'incident', objectId: id, action: 'incident.containment_applied' }, 1);
    expect(event).toMatchObject({
      actorType: 'staff',
      actorId: 'pat',
      details: { revokeGrants: true, disableClients: true, result: res.body.result, after: { status: 'contained' } },
    });
    const revoked = await t.container.audit.list({ objectType: 'access_grant', objectId: v.grantId, action: 'access_grant.revoked' }, 1);
    const disabled = await t.container.audit.list({ objectType: 'client', objectId: v.client.clientId, action: 'client.disabled' }, 1);
    // The grant revocation, the client's disabling and the containment committed in one transaction (same xmin).
    const rows = (await t.container
      .db('audit_events')
      .whereIn('id', [event.id, revoked[0].id, disabled[0].id])
      .select(t.container.db.raw('xmin::text as tx'))) as Array<{ tx: string }>;
    expect(rows).toHaveLength(3);
    expect(new Set(rows.map((r) => r.tx)).size).toBe(1);
    expect(revoked[0].details).toMatchObject({ reason: expect.stringContaining(id) });
  });

  it('applies everything to every implicated vendor at once', async () => {
    const a = await vendorWithAccess();
    const b = await vendorWithAccess();
    const id = await incidentFor([a.vendorId, b.vendorId]);
    const res = await contain(id, { suspendVendors: true, revokeGrants: true, disableClients: true, note: 'Both share the call centre' });
    expect(res.body.result.suspendedVendors.sort()).toEqual([a.vendorId, b.vendorId].sort());
    expect(res.body.result.revokedGrants.sort()).toEqual([a.grantId, b.grantId].sort());
    for (const v of [a, b]) {
      expect((await decide(v.vendorId)).decision).toBe('deny');
      expect(await active(v.token)).toBe(false);
    }
  });

  it('refuses the kill switch for an incident that names no vendor, and a closed incident; a note alone contains', async () => {
    const id = await incidentFor([]);
    const before = (await t.container.audit.verify()).checked;
    expectProblem(await contain(id, { suspendVendors: true }), 409, 'no_vendors_implicated');
    expect((await t.container.audit.verify()).checked).toBe(before);
    const noted = await contain(id, { note: 'App misconfiguration rolled back' });
    expect(noted.status).toBe(201);
    expect(noted.body.result).toEqual({ suspendedVendors: [], vendorsAlreadyInactive: [], revokedGrants: [], disabledClients: [] });
    expectProblem(await contain('0b4f6a3e-2b8e-4c55-9a0e-6f2d7b1c9e01', { note: 'x' }), 404);
  });
});
