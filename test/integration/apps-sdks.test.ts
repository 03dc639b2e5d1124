import { createTestApp, expectProblem, type TestApp } from '../helpers/app';
import { AppWorld, auditCount as countAuditEvents } from '../helpers/app-world';
import { Factories } from '../helpers/factories';

// The Notice, item 7: third-party components (SDKs) declared per app and release; one collecting
// personal information needs a privacy officer's approval (never the declarer's) and a published
// notice of its purpose that lists it, or the release gate names it and the compliance report fails.

let t: TestApp;
let f: Factories;
let world: AppWorld;
let vendorId: string;
const auth = async (sub: string) => ({ Authorization: `Bearer ${await t.staffToken(sub)}` });
const PURPOSE = 'sdk_push_messages';
const push = {
  release: '5.2.0',
  name: 'PushKit',
  provider: 'Example Push Co., Ltd.',
  version: '3.1.4',
  piCategories: ['device identifiers', 'location'],
  purpose: PURPOSE,
  contractCovered: true,
};

const newApp = () => world.filedApp();
/** An app in testing with every security test passed: only its components can hold its release back. */
const readyApp = () => world.readyApp();

const release = (id: string) => world.release(id);
const declare = async (id: string, body: Record<string, unknown>, as = 'amy') =>
  t.http
    .post(`/v1/apps/${id}/sdks`)
    .set(await auth(as))
    .send(body);
const approve = async (id: string, sdkId: string, as: string) =>
  t.http
    .post(`/v1/apps/${id}/sdks/${sdkId}/approve`)
    .set(await auth(as))
    .send({});
const auditCount = () => countAuditEvents(t);
const check = () => world.complianceCheck('apps_with_uncleared_sdks');

/** Publishes a notice of the purpose (for one app, or the general one) listing these third parties. */
async function publishNotice(appId: string | null, thirdParties: Array<Record<string, unknown>>): Promise<void> {
  const draft = await t.http
    .post('/v1/notices')
    .set(await auth('pat'))
    .send({
      purpose: PURPOSE,
      ...(appId === null ? {} : { app: appId }),
      title: 'How the app uses your information',
      body: 'We send you messages about your account.',
      controller: { name: 'Example Bank Co., Ltd.', contact: 'Personal Information Protection Office', email: 'privacy@bank.example' },
      piCategories: ['device identifiers', 'location'],
      sensitivePiCategories: [],
      thirdParties,
      rights: {
        access: 'Me › Privacy',
        copy: 'Me › Privacy › Export',
        correct: 'Me › Profile',
        delete: 'Call 95555',
        withdraw: 'Me › Privacy › Consents',
      },
      complaintChannel: { phone: '95555' },
    });
  if (draft.status !== 201) throw new Error(`notice: ${draft.status} ${JSON.stringify(draft.body)}`);
  await t.http
    .post(`/v1/notices/${draft.body.id}/publish`)
    .set(await auth('pat'))
    .send({})
    .expect(200);
}

beforeAll(async () => {
  t = await createTestApp();
  f = new Factories(t);
  world = new AppWorld(t, f);
  await f.department('DIGITAL');
  await f.department('RETAIL');
  await f.department('CARDS');
  await f.purpose(PURPOSE, 'contract', 'pat');
  vendorId = await f.vendor({ purposes: [PURPOSE] });
  await t.http
    .put('/v1/app-management/lead-department')
    .set(await auth('root-admin'))
    .send({ department: 'DIGITAL' })
    .expect(200);
  for (const who of ['amy', 'ben']) await t.grantRole(who, 'app_manager', '*');
  await t.grantRole('carl', 'app_manager', 'CARDS');
  await t.grantRole('pia', 'privacy_officer', '*');
  await t.grantRole('pam', 'privacy_officer', 'CARDS');
  await t.grantRole('amy', 'privacy_officer', '*');
  await t.grantRole('erin', 'auditor', '*');
  await t.grantRole('dora', 'data_owner', 'RETAIL');
});
afterAll(() => t.close());

describe('declaring third-party components', () => {
  it('records a declaration with its collection, audited in the same step; readers of the app list it', async () => {
    const id = await newApp();
    const res = await declare(id, { ...push, vendorId });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ appId: id, ...push, vendorId, declaredBy: 'amy', approvedBy: null, needsApproval: true });
    const none = await declare(id, {
      release: '5.2.0',
      name: 'ImageLoader',
      provider: 'Open source',
      version: '1.0.0',
      piCategories: [],
      contractCovered: false,
    });
    expect(none.status).toBe(201);
    expect(none.body).toMatchObject({ purpose: null, needsApproval: false });
    const [event] = (await t.container.audit.list({ action: 'app.sdk_declared', objectId: id }, 10)) as Array<{
      actorId: string;
      details: Record<string, unknown>;
    }>;
    expect(event).toMatchObject({ actorId: 'amy' });
    for (const who of ['amy', 'pia', 'erin', 'dora']) {
      const listed = await t.http
        .get(`/v1/apps/${id}/sdks`)
        .set(await auth(who))
        .expect(200);
      expect(listed.body.items.map((s: { name: string }) => s.name)).toEqual(['ImageLoader', 'PushKit']);
    }
  });

  describe('malformed', () => {
    let id: string;
    beforeAll(async () => {
      id = await newApp();
    });

    it.each([
      ['no purpose while collecting personal information', { ...push, purpose: undefined }],
      ['a category listed twice', { ...push, piCategories: ['location', 'Location'] }],
      ['an empty name', { ...push, name: '  ' }],
      ['a NUL in the name', { ...push, name: 'Push\u0000Kit' }],
      ['an extra property', { ...push, approvedBy: 'amy' }],
      ['no contract answer', { ...push, contractCovered: undefined }],
      ['a malformed vendor id', { ...push, vendorId: 'vendor-1' }],
    ])('refuses %s with 400, writing nothing', async (_label, body) => {
      const before = await auditCount();
      expectProblem(await declare(id, body), 400, 'validation_failed');
      expect(await auditCount()).toBe(before);
      expect(
        (
          await t.http
            .get(`/v1/apps/${id}/sdks`)
            .set(await auth('amy'))
            .expect(200)
        ).body.items,
      ).toEqual([]);
    });
  });

  it('refuses an unknown app (404), and other departments’ managers and privacy officers (403)', async () => {
    const id = await newApp();
    expectProblem(await declare('0b4f6a3e-2b8e-4c55-9a0e-6f2d7b1c9e01', push), 404);
    for (const who of ['carl', 'pia', 'erin', 'dora'])
      expectProblem(await declare(id, { ...push, release: '9.9.9' }, who), 403, 'forbidden');
    expectProblem(await t.http.get(`/v1/apps/${id}/sdks`).set(await auth('carl')), 403, 'forbidden');
  });
});

describe('approving a component’s collection', () => {
  it('is a privacy officer’s, never the declarer’s (though a privacy officer too), nor an app manager’s or another department’s', async () => {
    const id = await newApp();
    const sdk = (await declare(id, push)).body.id as string;
    const before = await auditCount();
    const own = await approve(id, sdk, 'amy');
    expectProblem(own, 403, 'separation_of_duties');
    for (const who of ['ben', 'pam', 'erin', 'dora']) expectProblem(await approve(id, sdk, who), 403, 'forbidden');
    expect(await auditCount()).toBe(before);
    const res = await approve(id, sdk, 'pia');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ approvedBy: 'pia', needsApproval: false });
    const [event] = (await t.container.audit.list({ action: 'app.sdk_approved', objectId: id }, 10)) as Array<{
      actorId: string;
      details: Record<string, unknown>;
    }>;
    expect(event).toMatchObject({ actorId: 'pia', details: { sdkId: sdk, name: 'PushKit' } });
    expectProblem(
      await t.http
        .post(`/v1/apps/${id}/sdks/not-a-uuid/approve`)
        .set(await auth('pia'))
        .send({}),
      400,
      'validation_failed',
    );
    expectProblem(
      await t.http
        .post(`/v1/apps/${id}/sdks/${sdk}/approve`)
        .set(await auth('pia'))
        .send({ by: 'x' }),
      400,
      'validation_failed',
    );
  });
});

describe('the release gate and the compliance report', () => {
  it('names each unapproved and each undisclosed component; releases once approved and disclosed; the report lists apps in service', async () => {
    const id = await readyApp();
    const pushId = (await declare(id, push)).body.id as string;
    const mapsId = (
      await declare(id, { ...push, name: 'MapsLite', provider: 'Example Maps Ltd.', version: '2.0', piCategories: ['location'] })
    ).body.id as string;
    await declare(id, { ...push, name: 'Fonts', provider: 'Open source', piCategories: [], purpose: undefined });
    const before = await auditCount();
    const blocked = await release(id);
    expectProblem(blocked, 409, 'release_gate_failed');
    const unmet = blocked.body.unmet as Array<{ requirement: string; sdkId?: string; detail: string }>;
    expect(unmet.map((u) => [u.requirement, u.sdkId])).toEqual([
      ['sdk_unapproved', mapsId],
      ['sdk_undisclosed', mapsId],
      ['sdk_unapproved', pushId],
      ['sdk_undisclosed', pushId],
    ]);
    expect(blocked.body.detail).toContain('PushKit 3.1.4');
    expect(await auditCount()).toBe(before);

    await approve(id, pushId, 'pia').then((r) => expect(r.status).toBe(200));
    await approve(id, mapsId, 'pia').then((r) => expect(r.status).toBe(200));
    // The general notice lists PushKit by its provider, but without location: not disclosed yet.
    await publishNotice(null, [{ name: 'example push co., ltd.', kind: 'recipient', piCategories: ['device identifiers'] }]);
    const still = await release(id);
    expect((still.body.unmet as Array<{ requirement: string; sdkId: string }>).map((u) => [u.requirement, u.sdkId])).toEqual([
      ['sdk_undisclosed', mapsId],
      ['sdk_undisclosed', pushId],
    ]);
    // The app's own notice lists both with all they collect; the general one is not needed.
    await publishNotice(id, [
      { name: 'PushKit', kind: 'recipient', piCategories: ['Device identifiers', 'location'] },
      { name: 'Example Maps Ltd.', kind: 'recipient', piCategories: ['location'] },
    ]);
    expect((await release(id)).status).toBe(200);
    expect(await check()).toMatchObject({ status: 'pass', count: 0 });

    // A component declared after release, not yet approved: the app in service is listed.
    await declare(id, { ...push, release: '5.3.0', version: '3.2.0' });
    expect(await check()).toMatchObject({ status: 'fail', count: 1, examples: [id] });
    // An app in service without components is examined too.
    await t.container
      .db('apps')
      .where({ id: await newApp() })
      .update({ lifecycle_state: 'released' });
    const finding = await t.container.apps.sdks.inServiceWithUnclearedComponents();
    expect(finding).toMatchObject({ count: 1, examples: [id] });
    expect(finding.examined).toBeGreaterThanOrEqual(2);
  });

  it('reads the latest published general notice of the purpose for every app', async () => {
    const id = await newApp();
    const sdk = (await declare(id, { ...push, name: 'ChatWidget', provider: 'Example Chat Ltd.', piCategories: ['chat transcripts'] })).body
      .id as string;
    await approve(id, sdk, 'pia');
    // The general notice published before this one names only PushKit's provider; this later version discloses the widget.
    await publishNotice(null, [{ name: 'Chat Widget', kind: 'entrusted', piCategories: ['chat transcripts'] }]);
    expect(await t.container.apps.sdks.gaps([id])).toEqual([]);
  });
});
