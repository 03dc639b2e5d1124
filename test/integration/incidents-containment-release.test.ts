import type { ClientActor } from '../../services/http/route';
import { createTestApp, expectProblem, type TestApp } from '../helpers/app';
import { Factories } from '../helpers/factories';

// Containment suspends a vendor bank-wide; only bank-wide authority undoes it, and only after the
// incident's handler has released the vendor with an audited reason.

let t: TestApp;
let f: Factories;
let asset: { id: string; key: string };
const auth = async (sub: string) => ({ Authorization: `Bearer ${await t.staffToken(sub)}` });
const pep: ClientActor = { kind: 'client', clientId: 'pep-test', roles: ['pep'], scopes: [], vendorId: null, tokenId: 'jti' };

async function vendorWithGrant(): Promise<string> {
  const vendorId = await f.vendor({ purposes: ['collections'], manager: 'vic' });
  await f.activeGrant({
    vendor: vendorId,
    asset: asset.key,
    fields: ['phone'],
    purpose: 'collections',
    requester: 'vic',
    approver: 'olivia',
  });
  return vendorId;
}

const decide = async (vendorId: string) =>
  (
    await t.container.decisions.decide(pep, 'req-test', {
      vendor: vendorId,
      asset: asset.key,
      fields: ['phone'],
      action: 'read',
      purpose: 'collections',
    })
  ).decision;
const status = async (vendorId: string) =>
  (
    await t.http
      .get(`/v1/vendors/${vendorId}`)
      .set(await auth('pat'))
      .expect(200)
  ).body.status as string;
const post = async (who: string, path: string, body: unknown = {}) =>
  t.http
    .post(path)
    .set(await auth(who))
    .send(body as object);
const reinstate = (who: string, vendorId: string) =>
  post(who, `/v1/vendors/${vendorId}/reinstate`, { reason: 'Investigation found no fault' });
const release = (who: string, incidentId: string, body: unknown = { reason: 'The vendor rotated its credentials and was cleared' }) =>
  post(who, `/v1/incidents/${incidentId}/containment/release`, body);

async function containedIncident(vendorIds: string[], switches: Record<string, boolean> = { suspendVendors: true }): Promise<string> {
  const opened = await post('pat', '/v1/incidents', {
    title: 'Call list leak',
    detectedAt: new Date().toISOString(),
    source: 'vendor_report',
    severity: 'critical',
    vendors: vendorIds,
    assets: [asset.key],
    description: 'Exported to a personal drive',
  });
  expect(opened.status).toBe(201);
  expect((await post('pat', `/v1/incidents/${opened.body.id}/containment`, switches)).status).toBe(201);
  return opened.body.id as string;
}

async function written(): Promise<{ audit: number; vendors: string; containments: string }> {
  const [{ n }] = (await t.container.db('audit_events').count({ n: '*' })) as Array<{ n: number | string }>;
  return {
    audit: Number(n),
    vendors: JSON.stringify(await t.container.db('vendors').orderBy('id')),
    containments: JSON.stringify(await t.container.db('incident_containments').orderBy('id')),
  };
}

beforeAll(async () => {
  t = await createTestApp();
  f = new Factories(t);
  await f.department('RETAIL');
  await f.department('CARDS');
  await f.purpose('collections');
  await t.grantRole('pat', 'privacy_officer', '*');
  await t.grantRole('rita', 'privacy_officer', 'RETAIL');
  await t.grantRole('carl', 'privacy_officer', 'CARDS');
  await t.grantRole('olivia', 'data_owner', 'RETAIL');
  await t.grantRole('vic', 'vendor_manager', '*');
  await t.grantRole('vera', 'vendor_manager', 'RETAIL');
  await t.grantRole('aude', 'auditor', '*');
  await t.grantRole('root-admin', 'admin', '*');
  asset = await f.asset('RETAIL', [['phone', 'personal']]);
});
afterAll(() => t.close());

describe('containment holds a vendor until the incident’s handler releases it', () => {
  it('refuses the attack as reported: a privacy officer of one department cannot reinstate a contained vendor (403), nothing changes', async () => {
    const vendorId = await vendorWithGrant();
    await containedIncident([vendorId]);
    const before = await written();
    expectProblem(await reinstate('rita', vendorId), 403, 'forbidden');
    expectProblem(await reinstate('carl', vendorId), 403, 'forbidden');
    expectProblem(await reinstate('vera', vendorId), 403, 'forbidden');
    expect(await written()).toEqual(before);
    expect(await status(vendorId)).toBe('suspended');
    expect(await decide(vendorId)).toBe('deny');
  });

  it('refuses even a bank-wide privacy officer (409 vendor_held_by_containment) while the incident holds the vendor', async () => {
    const vendorId = await vendorWithGrant();
    const incidentId = await containedIncident([vendorId]);
    const before = await written();
    const refused = await reinstate('pat', vendorId);
    expectProblem(refused, 409, 'vendor_held_by_containment');
    expect(refused.body.detail).toContain(incidentId);
    expect(await written()).toEqual(before);
    expect(await decide(vendorId)).toBe('deny');
  });

  it('releases only for the handler: a bank-wide privacy officer, with a reason; audited; then reinstatement works', async () => {
    const vendorId = await vendorWithGrant();
    const incidentId = await containedIncident([vendorId]);
    const before = await written();
    for (const who of ['rita', 'carl', 'vic', 'vera', 'aude', 'root-admin', 'olivia'])
      expectProblem(await release(who, incidentId), 403, 'forbidden');
    for (const body of [{}, { reason: '' }, { reason: '   ' }, { reason: 'ok', reinstate: true }, { reason: 'x'.repeat(2001) }]) {
      expectProblem(await release('pat', incidentId, body), 400, 'validation_failed');
    }
    expectProblem(await release('pat', '00000000-0000-4000-8000-000000000000'), 404, 'not_found');
    expect(await written()).toEqual(before);

    const released = await release('pat', incidentId);
    expect(released.status).toBe(200);
    expect(released.body.containment[0].release).toEqual({
      at: expect.any(String),
      by: 'pat',
      reason: 'The vendor rotated its credentials and was cleared',
    });
    const audit = await t.http
      .get(`/v1/audit?objectType=incident&objectId=${incidentId}`)
      .set(await auth('aude'))
      .expect(200);
    expect(audit.body.items.map((e: { action: string }) => e.action)).toContain('incident.containment_released');
    // Released, not reinstated: the vendor stays suspended until someone with bank-wide authority reinstates it.
    expect(await status(vendorId)).toBe('suspended');
    expectProblem(await reinstate('rita', vendorId), 403, 'forbidden');
    expect((await reinstate('pat', vendorId)).status).toBe(200);
    expect(await decide(vendorId)).toBe('allow');
    expectProblem(await release('pat', incidentId), 409, 'containment_not_held');
  });

  it('holds a vendor that was already suspended when containment found it, and a vendor held by two incidents until both release', async () => {
    const vendorId = await vendorWithGrant();
    expect((await post('vic', `/v1/vendors/${vendorId}/suspend`, { reason: 'Late security report' })).status).toBe(200);
    const first = await containedIncident([vendorId]);
    const second = await containedIncident([vendorId]);
    expectProblem(await reinstate('pat', vendorId), 409, 'vendor_held_by_containment');
    expect((await release('pat', first)).status).toBe(200);
    const stillHeld = await reinstate('pat', vendorId);
    expectProblem(stillHeld, 409, 'vendor_held_by_containment');
    expect(stillHeld.body.detail).toContain(second);
    expect((await release('pat', second)).status).toBe(200);
    expect((await reinstate('pat', vendorId)).status).toBe(200);
  });

  it('holds again when containment is applied after a release', async () => {
    const vendorId = await vendorWithGrant();
    const incidentId = await containedIncident([vendorId]);
    expect((await release('pat', incidentId)).status).toBe(200);
    expect((await reinstate('pat', vendorId)).status).toBe(200);
    expect((await post('pat', `/v1/incidents/${incidentId}/containment`, { suspendVendors: true })).status).toBe(201);
    expectProblem(await reinstate('pat', vendorId), 409, 'vendor_held_by_containment');
  });

  it('does not hold a vendor when the containment did not suspend it (grants revoked only)', async () => {
    const vendorId = await vendorWithGrant();
    const incidentId = await containedIncident([vendorId], { revokeGrants: true });
    expectProblem(await release('pat', incidentId), 409, 'containment_not_held');
    expect((await post('pat', `/v1/vendors/${vendorId}/suspend`, { reason: 'Precaution' })).status).toBe(200);
    expect((await reinstate('pat', vendorId)).status).toBe(200);
  });

  it('keeps the hold when a department officer edits the vendor out of the incident', async () => {
    const vendorId = await vendorWithGrant();
    const other = await f.vendor({ purposes: ['collections'], manager: 'vic' });
    const incidentId = await containedIncident([vendorId]);
    // rita may manage the incident (it concerns RETAIL's asset) but that does not undo the containment.
    expect(
      (
        await t.http
          .patch(`/v1/incidents/${incidentId}`)
          .set(await auth('rita'))
          .send({ vendors: [other] })
      ).status,
    ).toBe(200);
    expectProblem(await reinstate('pat', vendorId), 409, 'vendor_held_by_containment');
  });
});

describe('vendor changes with bank-wide effect need bank-wide roles', () => {
  it('refuses a vendor manager of one department terminating, changing the contract or registering a client (403), nothing written', async () => {
    const vendorId = await vendorWithGrant();
    const before = await written();
    expectProblem(await post('vera', `/v1/vendors/${vendorId}/terminate`, { reason: 'Ending it' }), 403, 'forbidden');
    expectProblem(
      await post('vera', `/v1/vendors/${vendorId}/clients`, { name: 'Vendor system', tokenEndpointAuthMethod: 'client_secret_basic' }),
      403,
      'forbidden',
    );
    const patched = await t.http
      .patch(`/v1/vendors/${vendorId}`)
      .set(await auth('vera'))
      .send({ contract: { purposes: ['collections'] } });
    expectProblem(patched, 403, 'forbidden');
    expect(await written()).toEqual(before);
    expect(await decide(vendorId)).toBe('allow');
    const [{ n }] = (await t.container.db('oauth_clients').where({ vendor_id: vendorId }).count({ n: '*' })) as Array<{
      n: number | string;
    }>;
    expect(Number(n)).toBe(0);
  });

  it('lets the bank-wide vendor manager do them', async () => {
    const vendorId = await vendorWithGrant();
    expect(
      (await post('vic', `/v1/vendors/${vendorId}/clients`, { name: 'Vendor system', tokenEndpointAuthMethod: 'client_secret_basic' }))
        .status,
    ).toBe(201);
    expect(
      (
        await t.http
          .patch(`/v1/vendors/${vendorId}`)
          .set(await auth('vic'))
          .send({ contract: { purposes: ['collections'] } })
      ).status,
    ).toBe(200);
    expect((await post('vic', `/v1/vendors/${vendorId}/terminate`, { reason: 'Ending it' })).status).toBe(200);
    expect(await decide(vendorId)).toBe('deny');
  });
});
