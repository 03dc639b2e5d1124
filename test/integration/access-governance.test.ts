import { createTestApp, expectProblem, type TestApp } from '../helpers/app';
import { Factories } from '../helpers/factories';
import { basic, registerSecretClient, tokenFor } from '../helpers/oauth';

// The bank's audit report, items 1, 17 and 19: retirement reaches access; notices and grants agree on
// sensitive data; grants need a vendor with a current passed security assessment.

let t: TestApp;
let f: Factories;
let pep: string;
const DAY = 86_400_000;
const inDays = (n: number) => new Date(Date.now() + n * DAY).toISOString();
const dateDaysAgo = (n: number) => new Date(Date.now() - n * DAY).toISOString().slice(0, 10);
const auth = async (sub: string) => ({ Authorization: `Bearer ${await t.staffToken(sub)}` });

type Fields = Array<[string, 'none' | 'personal' | 'sensitive']>;
const PROFILE: Fields = [
  ['name', 'personal'],
  ['phone', 'personal'],
  ['balance', 'sensitive'],
];

async function requestGrant(vendor: string, asset: string, body: Record<string, unknown> = {}): Promise<string> {
  const res = await t.http
    .post('/v1/access-grants')
    .set(await auth('vic'))
    .send({
      vendor,
      asset,
      fields: ['name', 'phone'],
      actions: ['read'],
      purpose: 'collections',
      validUntil: inDays(30),
      justification: 'Collections calls for overdue cards',
      ...body,
    });
  if (res.status !== 201) throw new Error(`request grant: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

const approve = async (id: string, who = 'olivia') =>
  t.http
    .post(`/v1/access-grants/${id}/approve`)
    .set(await auth(who))
    .send({});

/** Requested and approved by a data owner (and a privacy officer when the grant is sensitive). */
async function approvedGrant(vendor: string, asset: string, body: Record<string, unknown> = {}): Promise<string> {
  const id = await requestGrant(vendor, asset, body);
  const first = await approve(id);
  if (first.status !== 200) throw new Error(`approve: ${first.status} ${JSON.stringify(first.body)}`);
  if (first.body.status === 'requested') expect((await approve(id, 'pat')).status).toBe(200);
  return id;
}

const grantStatus = async (id: string) => (await t.http.get(`/v1/access-grants/${id}`).set(await auth('aude'))).body.status as string;
const auditActions = async (objectId: string) =>
  ((await t.http.get(`/v1/audit?objectId=${objectId}&limit=50`).set(await auth('aude'))).body.items as Array<{ action: string }>).map(
    (e) => e.action,
  );

const retireField = async (assetId: string, field: string) =>
  t.http
    .post(`/v1/data-assets/${assetId}/fields/${field}/retire`)
    .set(await auth('olivia'))
    .send({ reason: 'No longer collected' });
const retireAsset = async (assetId: string) =>
  t.http
    .post(`/v1/data-assets/${assetId}/retire`)
    .set(await auth('olivia'))
    .send({ reason: 'Decommissioned' });
const retirePurpose = async (key: string) =>
  t.http
    .post(`/v1/purposes/${key}/retire`)
    .set(await auth('pat'))
    .send({});
const revoke = async (id: string) =>
  t.http
    .post(`/v1/access-grants/${id}/revoke`)
    .set(await auth('olivia'))
    .send({ reason: 'No longer needed' })
    .expect(200);

const decide = (vendor: string, asset: string, fields: string[], purpose = 'collections') =>
  t.http.post('/v1/decisions').set('Authorization', `Bearer ${pep}`).send({ vendor, asset, fields, action: 'read', purpose });

interface Check {
  id: string;
  status: string;
  count: number;
  examples: string[];
}
async function report(): Promise<Record<string, Check>> {
  const res = await t.http
    .get('/v1/reports/compliance')
    .set(await auth('aude'))
    .expect(200);
  return Object.fromEntries((res.body.checks as Check[]).map((c) => [c.id, c]));
}

beforeAll(async () => {
  t = await createTestApp();
  f = new Factories(t);
  await f.department('RETAIL');
  await t.grantRole('vic', 'vendor_manager', '*');
  await t.grantRole('olivia', 'data_owner', 'RETAIL');
  await t.grantRole('pat', 'privacy_officer', '*');
  await t.grantRole('aude', 'auditor', '*');
  await f.purpose('collections', 'contract', 'pat');
  pep = await tokenFor(t, await registerSecretClient(t, { roles: ['pep'], scopes: ['decisions'] }));
});
afterAll(() => t.close());

describe('retiring a field, an asset or a purpose (finding 1)', () => {
  let vendor: string;
  beforeAll(async () => {
    vendor = await f.vendor({ purposes: ['collections'], manager: 'vic' });
  });

  it('is refused while an approved grant names it, naming the grant, and changes nothing', async () => {
    const asset = await f.asset('RETAIL', PROFILE, 'olivia');
    const grant = await approvedGrant(vendor, asset.key);
    const blocked = (res: {
      status: number;
      headers: Record<string, string>;
      body: { code?: string; grants?: string[]; detail?: string };
    }) => {
      expectProblem(res, 409, 'grants_depend_on_it');
      expect(res.body.grants).toEqual([grant]);
      expect(res.body.detail).toContain(grant);
    };
    blocked(await retireField(asset.id, 'phone'));
    blocked(await retireAsset(asset.id));
    blocked(await retirePurpose('collections'));

    const after = await t.http
      .get(`/v1/data-assets/${asset.id}`)
      .set(await auth('olivia'))
      .expect(200);
    expect(after.body.status).toBe('active');
    expect(after.body.fields.map((x: { status: string }) => x.status)).toEqual(['active', 'active', 'active']);
    expect((await t.http.get('/v1/purposes/collections').set(await auth('pat'))).body.status).toBe('active');
    expect(await auditActions(asset.id)).not.toContain('data_asset.retired');
    // A field no grant names retires as before.
    expect((await retireField(asset.id, 'balance')).status).toBe(200);
    expect((await decide(vendor, asset.key, ['name', 'phone'])).body.decision).toBe('allow');
    expect(await grantStatus(grant)).toBe('active');
  });

  it('counts a grant approved for later (not yet in its window) as depending on it', async () => {
    const asset = await f.asset('RETAIL', PROFILE, 'olivia');
    const later = await approvedGrant(vendor, asset.key, { fields: ['phone'], validFrom: inDays(5), validUntil: inDays(20) });
    expect(await grantStatus(later)).toBe('approved');
    expectProblem(await retireField(asset.id, 'phone'), 409, 'grants_depend_on_it');
    expectProblem(await retireAsset(asset.id), 409, 'grants_depend_on_it');
  });

  it('goes ahead once the grants are revoked or ended, and from then decisions and tokens refuse what retired', async () => {
    const asset = await f.asset('RETAIL', PROFILE, 'olivia');
    const grant = await approvedGrant(vendor, asset.key);
    const ended = await approvedGrant(vendor, asset.key, { fields: ['name'] });
    await t.container
      .db('access_grants')
      .where({ id: ended })
      .update({ valid_from: new Date(Date.now() - 2 * DAY).toISOString(), valid_until: new Date(Date.now() - DAY).toISOString() });
    await revoke(grant);
    expect((await retireField(asset.id, 'phone')).status).toBe(200);
    expect((await decide(vendor, asset.key, ['phone'])).body).toMatchObject({ decision: 'deny' });
    expect((await retireAsset(asset.id)).status).toBe(200);
    expect((await decide(vendor, asset.key, ['name'])).body).toMatchObject({ decision: 'deny' });
  });

  it('refuses to approve a requested grant whose field, asset or purpose retired since the request', async () => {
    await f.purpose('winding_down', 'contract', 'pat');
    const windingVendor = await f.vendor({ purposes: ['collections', 'winding_down'], manager: 'vic' });
    const a1 = await f.asset('RETAIL', PROFILE, 'olivia');
    const onField = await requestGrant(windingVendor, a1.key);
    expect((await retireField(a1.id, 'phone')).status).toBe(200);
    expectProblem(await approve(onField), 409, 'fields_retired');

    const a2 = await f.asset('RETAIL', PROFILE, 'olivia');
    const onAsset = await requestGrant(windingVendor, a2.key);
    expect((await retireAsset(a2.id)).status).toBe(200);
    expectProblem(await approve(onAsset), 409, 'asset_retired');

    const a3 = await f.asset('RETAIL', PROFILE, 'olivia');
    const onPurpose = await requestGrant(windingVendor, a3.key, { purpose: 'winding_down' });
    expect((await retirePurpose('winding_down')).status).toBe(200);
    expectProblem(await approve(onPurpose), 409, 'purpose_retired');

    // A sensitive grant half approved is not yet a grant: its field may retire, and the second approval is refused.
    const a4 = await f.asset('RETAIL', PROFILE, 'olivia');
    const halfway = await requestGrant(windingVendor, a4.key, { fields: ['name', 'balance'] });
    expect((await approve(halfway)).body).toMatchObject({ status: 'requested', approvals: { owner: { by: 'olivia' } } });
    expect((await retireField(a4.id, 'balance')).status).toBe(200);
    expectProblem(await approve(halfway, 'pat'), 409, 'fields_retired');

    for (const id of [onField, onAsset, onPurpose, halfway]) {
      expect(await grantStatus(id)).toBe('requested');
      expect(await auditActions(id)).not.toContain('access_grant.approved');
    }
    expect(Number((await t.container.db('casbin_rule').where({ ptype: 'p', v0: windingVendor }).count({ n: '*' }))[0].n)).toBe(0);
  });

  it('never lets a racing approval and retirement both succeed', async () => {
    for (let round = 0; round < 3; round += 1) {
      const asset = await f.asset('RETAIL', PROFILE, 'olivia');
      const id = await requestGrant(vendor, asset.key);
      const [approval, retirement] = await Promise.all([approve(id), round === 2 ? retireAsset(asset.id) : retireField(asset.id, 'phone')]);
      expect([approval.status, retirement.status].sort()).toEqual([200, 409]);
      if (approval.status === 200) expect(await grantStatus(id)).toBe('active');
      else expect(await grantStatus(id)).toBe('requested');
    }
    expect((await report()).grants_on_retired_subjects.count).toBe(0);
  });

  describe('even if a grant still named a retired thing (defence in depth)', () => {
    let asset: { id: string; key: string };
    let grant: string;
    let client: { clientId: string; clientSecret: string };
    const detail = {
      type: 'data_access',
      locations: [] as string[],
      actions: ['read'],
      datatypes: ['name', 'phone'],
      purpose: 'collections',
    };
    const askToken = () =>
      t.http
        .post('/oauth/token')
        .set('Authorization', basic(client.clientId, client.clientSecret))
        .type('form')
        .send({ grant_type: 'client_credentials', authorization_details: JSON.stringify([detail]) });
    const introspect = async (token: string) =>
      (await t.http.post('/oauth/introspect').set('Authorization', `Bearer ${pep}`).type('form').send({ token })).body as {
        active: boolean;
      };
    /** Retires behind the service's back (legacy data, a restore), then reloads the policy view as a replica would. */
    const behindTheBack = async (table: string, where: Record<string, string>, status: 'retired' | 'active') => {
      await t.container
        .db(table)
        .where(where)
        .update({ status, retired_at: status === 'retired' ? new Date().toISOString() : null });
      await t.container.accessEngine.load();
    };

    beforeAll(async () => {
      asset = await f.asset('RETAIL', PROFILE, 'olivia');
      detail.locations = [asset.key];
      grant = await approvedGrant(vendor, asset.key);
      const res = await t.http
        .post(`/v1/vendors/${vendor}/clients`)
        .set(await auth('vic'))
        .send({ name: 'Dialler', scopes: [], tokenEndpointAuthMethod: 'client_secret_basic' });
      expect(res.status).toBe(201);
      client = { clientId: res.body.clientId, clientSecret: res.body.clientSecret };
    });

    it.each([
      [
        'a retired field',
        'data_asset_fields',
        () => ({ asset_id: asset.id, name: 'phone' }),
        { allowedFields: ['name'], deniedFields: [{ field: 'phone', reason: 'field_not_granted' }] },
      ],
      [
        'a retired asset',
        'data_assets',
        () => ({ id: asset.id }),
        {
          allowedFields: [],
          deniedFields: [
            { field: 'name', reason: 'no_grant' },
            { field: 'phone', reason: 'no_grant' },
          ],
        },
      ],
      [
        'a retired purpose',
        'purposes',
        () => ({ key: 'collections' }),
        {
          allowedFields: [],
          deniedFields: [
            { field: 'name', reason: 'purpose_mismatch' },
            { field: 'phone', reason: 'purpose_mismatch' },
          ],
        },
      ],
    ])(
      'never allows %s: decisions deny, tokens are refused and go inactive, the report names the grant',
      async (_label, table, where, expected) => {
        const token = (await askToken().expect(200)).body.access_token as string;
        expect((await introspect(token)).active).toBe(true);
        await behindTheBack(table, where(), 'retired');
        try {
          const decision = await decide(vendor, asset.key, ['name', 'phone']).expect(200);
          expect(decision.body).toMatchObject({ decision: expected.allowedFields.length > 0 ? 'partial' : 'deny', ...expected });
          const refused = await askToken();
          expect(refused.status).toBe(400);
          expect(refused.body.error).toBe('invalid_authorization_details');
          expect(await introspect(token)).toEqual({ active: false });
          const check = (await report()).grants_on_retired_subjects;
          expect(check.status).toBe('fail');
          expect(check.examples).toContain(grant);
        } finally {
          await behindTheBack(table, where(), 'active');
        }
        expect((await decide(vendor, asset.key, ['name', 'phone'])).body.decision).toBe('allow');
        expect((await report()).grants_on_retired_subjects).toMatchObject({ status: 'pass', count: 0 });
      },
    );
  });
});

describe('vendor security assessment before any approval (finding 19)', () => {
  it.each([
    ['no assessment', null],
    ['a failed latest assessment', { assessedAt: dateDaysAgo(10), result: 'fail' as const }],
    ['a conditional latest assessment', { assessedAt: dateDaysAgo(10), result: 'conditional' as const }],
    ['a passed assessment 400 days old', { assessedAt: dateDaysAgo(400), result: 'pass' as const }],
    ['a passed assessment 367 days old', { assessedAt: dateDaysAgo(367), result: 'pass' as const }],
  ])('refuses approval for a vendor with %s (409, stable code), recording nothing', async (_label, assessment) => {
    const vendor = await f.vendor({ purposes: ['collections'], manager: 'vic', assessment });
    const asset = await f.asset('RETAIL', PROFILE, 'olivia');
    for (const fields of [['name'], ['name', 'balance']]) {
      const id = await requestGrant(vendor, asset.key, { fields });
      for (const who of fields.includes('balance') ? ['olivia', 'pat'] : ['olivia']) {
        const res = await approve(id, who);
        expectProblem(res, 409, 'security_assessment_not_current');
        expect(res.body.assessment).toEqual(assessment);
      }
      expect(await grantStatus(id)).toBe('requested');
      expect(await auditActions(id)).toEqual(['access_grant.requested']);
    }
  });

  it('approves once a passed assessment from the last 12 months is recorded', async () => {
    const vendor = await f.vendor({
      purposes: ['collections'],
      manager: 'vic',
      assessment: { assessedAt: dateDaysAgo(400), result: 'pass' },
    });
    const asset = await f.asset('RETAIL', PROFILE, 'olivia');
    const id = await requestGrant(vendor, asset.key);
    expectProblem(await approve(id), 409, 'security_assessment_not_current');
    await t.http
      .patch(`/v1/vendors/${vendor}`)
      .set(await auth('vic'))
      .send({ securityAssessment: { assessedAt: dateDaysAgo(360), result: 'pass', reference: 'SA-2026-9' } })
      .expect(200);
    expect((await approve(id)).body.status).toBe('active');
  });

  it('refuses the second approval of a sensitive grant when the assessment failed in between', async () => {
    const vendor = await f.vendor({ purposes: ['collections'], manager: 'vic' });
    const asset = await f.asset('RETAIL', PROFILE, 'olivia');
    const id = await requestGrant(vendor, asset.key, { fields: ['balance'] });
    expect((await approve(id)).body.status).toBe('requested');
    await t.http
      .patch(`/v1/vendors/${vendor}`)
      .set(await auth('vic'))
      .send({ securityAssessment: { assessedAt: dateDaysAgo(0), result: 'fail' } })
      .expect(200);
    expectProblem(await approve(id, 'pat'), 409, 'security_assessment_not_current');
    expect(await grantStatus(id)).toBe('requested');
  });

  it('reports active grants of vendors whose assessment lapsed, failed or was never passed since', async () => {
    const before = await report();
    expect(before.grants_of_vendors_without_current_assessment).toMatchObject({ status: 'pass', count: 0 });
    const failing = await f.vendor({ purposes: ['collections'], manager: 'vic' });
    const ageing = await f.vendor({ purposes: ['collections'], manager: 'vic' });
    const asset = await f.asset('RETAIL', PROFILE, 'olivia');
    const failed = await approvedGrant(failing, asset.key);
    const aged = await approvedGrant(ageing, asset.key);
    expect((await report()).grants_of_vendors_without_current_assessment.count).toBe(0);
    await t.http
      .patch(`/v1/vendors/${failing}`)
      .set(await auth('vic'))
      .send({ securityAssessment: { assessedAt: dateDaysAgo(1), result: 'fail' } })
      .expect(200);
    // Time passes: the passed assessment is now 13 months old.
    await t.container
      .db('vendors')
      .where({ id: ageing })
      .update({ security_assessment: JSON.stringify({ assessedAt: dateDaysAgo(396), result: 'pass' }) });
    const lapsed = (await report()).grants_of_vendors_without_current_assessment;
    expect(lapsed).toMatchObject({ status: 'fail', count: 2 });
    expect([...lapsed.examples].sort()).toEqual([failed, aged].sort());
    await revoke(failed);
    await revoke(aged);
    expect((await report()).grants_of_vendors_without_current_assessment.count).toBe(0);
  });
});

describe('notices and grants agree on sensitive data (finding 17)', () => {
  const told = {
    title: 'Card offers',
    body: 'We use your details to tell you about cards that suit you.',
    controller: { name: 'Example Bank Co., Ltd.', contact: 'Personal Information Protection Office', email: 'privacy@bank.example' },
    piCategories: ['name', 'mobile phone number'],
    sensitivePiCategories: [] as unknown[],
    rights: {
      access: 'App › Privacy',
      copy: 'App › Privacy › Export',
      correct: 'App › Profile',
      delete: 'Call 95555',
      withdraw: 'App › Privacy › Consents',
    },
    complaintChannel: { phone: '95555' },
  };
  const balanceCategory = (over: Record<string, unknown> = {}) => ({
    category: 'account balance',
    necessity: 'To size offers to means',
    impact: 'Financial loss if leaked',
    ...over,
  });

  /** Publishes the purpose's next general notice version; answers the publish response. */
  async function publish(purpose: string, vendors: string[], changes: Record<string, unknown> = {}) {
    const officer = await auth('pat');
    const thirdParties = vendors.map((vendorId, i) => ({ name: `Vendor ${i}`, kind: 'entrusted', vendorId }));
    const latest = await t.http.get(`/v1/notices?purpose=${purpose}&status=published&limit=1`).set(officer);
    const draft = latest.body.items.length
      ? await t.http
          .patch(`/v1/notices/${latest.body.items[0].id}`)
          .set(officer)
          .send({ thirdParties, ...changes })
      : await t.http
          .post('/v1/notices')
          .set(officer)
          .send({ purpose, ...told, thirdParties, ...changes });
    expect(draft.status).toBe(201);
    const res = await t.http.post(`/v1/notices/${draft.body.id}/publish`).set(officer);
    if (res.status !== 200) await t.http.delete(`/v1/notices/${draft.body.id}`).set(officer);
    return res;
  }

  it('refuses a sensitive grant under a consent purpose with no notice, and one its notice does not disclose (the finding)', async () => {
    await f.purpose('card_offers', 'consent', 'pat');
    const vendor = await f.vendor({ purposes: ['card_offers'], manager: 'vic' });
    const asset = await f.asset('RETAIL', PROFILE, 'olivia');
    const sensitive = await requestGrant(vendor, asset.key, { fields: ['name', 'balance'], purpose: 'card_offers' });
    const noNotice = await approve(sensitive);
    expectProblem(noNotice, 409, 'sensitive_data_not_in_notice');
    expect(noNotice.body).toMatchObject({ missing: [{ asset: asset.key, field: 'balance' }], notices: [] });
    // Personal (not sensitive) fields need no disclosure of this kind.
    const plain = await approvedGrant(vendor, asset.key, { fields: ['name'], purpose: 'card_offers' });

    const v1 = await publish('card_offers', [vendor], { sensitivePiCategories: [] });
    expect(v1.status).toBe(200);
    for (const who of ['olivia', 'pat']) {
      const res = await approve(sensitive, who);
      expectProblem(res, 409, 'sensitive_data_not_in_notice');
      expect(res.body).toMatchObject({
        missing: [{ asset: asset.key, field: 'balance' }],
        notices: [{ id: v1.body.id, app: null, version: 1 }],
      });
    }
    // A category that does not name the field discloses nothing about it.
    expect(
      (await publish('card_offers', [vendor], { sensitivePiCategories: [balanceCategory({ category: 'bank account numbers' })] })).status,
    ).toBe(200);
    expectProblem(await approve(sensitive), 409, 'sensitive_data_not_in_notice');
    expect(await grantStatus(sensitive)).toBe('requested');
    expect(await grantStatus(plain)).toBe('active');
  });

  it.each([
    ['listing the field by asset and name', (key: string) => [balanceCategory({ fields: [`${key}.balance`] })]],
    ['listing the field by name', () => [balanceCategory({ category: 'financial information', fields: ['balance'] })]],
    ['a category that is the field’s name', () => [balanceCategory({ category: 'Balance' })]],
  ])('approves once the notice discloses the field, %s', async (_label, categories) => {
    const purpose = f.unique('offers_');
    await f.purpose(purpose, 'consent', 'pat');
    const vendor = await f.vendor({ purposes: [purpose], manager: 'vic' });
    const asset = await f.asset('RETAIL', PROFILE, 'olivia');
    expect((await publish(purpose, [vendor], { sensitivePiCategories: categories(asset.key) })).status).toBe(200);
    const id = await approvedGrant(vendor, asset.key, { fields: ['name', 'balance'], purpose });
    expect(await grantStatus(id)).toBe('active');
  });

  it('refuses to publish a notice that omits sensitive data live grants release, naming the fields and grants (409), publishing nothing', async () => {
    const purpose = f.unique('offers_');
    await f.purpose(purpose, 'consent', 'pat');
    const vendor = await f.vendor({ purposes: [purpose], manager: 'vic' });
    const asset = await f.asset('RETAIL', PROFILE, 'olivia');
    expect((await publish(purpose, [vendor], { sensitivePiCategories: [balanceCategory({ fields: ['balance'] })] })).status).toBe(200);
    const now = await approvedGrant(vendor, asset.key, { fields: ['balance'], purpose });
    const later = await approvedGrant(vendor, asset.key, {
      fields: ['name', 'balance'],
      purpose,
      validFrom: inDays(3),
      validUntil: inDays(20),
    });

    for (const sensitivePiCategories of [[], [balanceCategory({ category: 'bank account numbers' })]]) {
      const res = await publish(purpose, [vendor], { sensitivePiCategories });
      expectProblem(res, 409, 'notice_omits_sensitive_data');
      expect(res.body.missing).toEqual([{ asset: asset.key, field: 'balance', grants: [now, later].sort() }]);
      expect(res.body.detail).toContain(`${asset.key}.balance`);
    }
    const published = await t.http.get(`/v1/notices?purpose=${purpose}&status=published`).set(await auth('pat'));
    expect(published.body.items.map((n: { version: number }) => n.version)).toEqual([1]);

    // Once the grants are revoked the notice may stop mentioning it.
    await revoke(now);
    expectProblem(await publish(purpose, [vendor], { sensitivePiCategories: [] }), 409, 'notice_omits_sensitive_data');
    await revoke(later);
    expect((await publish(purpose, [vendor], { sensitivePiCategories: [] })).status).toBe(200);
  });

  it('holds for an app’s own notice as for the general one', async () => {
    const purpose = f.unique('wallet_');
    await f.purpose(purpose, 'consent', 'pat');
    const vendor = await f.vendor({ purposes: [purpose], manager: 'vic' });
    const asset = await f.asset('RETAIL', PROFILE, 'olivia');
    await t.grantRole('apu', 'app_manager', 'RETAIL');
    const app = await t.http
      .post('/v1/apps')
      .set(await auth('apu'))
      .send({
        name: f.unique('Wallet '),
        kind: 'mini_program',
        audience: 'customer',
        leadDepartment: 'RETAIL',
        owningDepartment: 'RETAIL',
        responsiblePerson: 'Li Lei',
      });
    expect(app.status).toBe(201);
    const officer = await auth('pat');
    const thirdParties = [{ name: 'Wallet vendor', kind: 'entrusted', vendorId: vendor }];
    const publishApp = async (sensitivePiCategories: unknown[]) => {
      const latest = await t.http.get(`/v1/notices?purpose=${purpose}&app=${app.body.id}&status=published&limit=1`).set(officer);
      const draft = latest.body.items.length
        ? await t.http.patch(`/v1/notices/${latest.body.items[0].id}`).set(officer).send({ sensitivePiCategories })
        : await t.http
            .post('/v1/notices')
            .set(officer)
            .send({ purpose, app: app.body.id, ...told, thirdParties, sensitivePiCategories });
      expect(draft.status).toBe(201);
      const res = await t.http.post(`/v1/notices/${draft.body.id}/publish`).set(officer);
      if (res.status !== 200) await t.http.delete(`/v1/notices/${draft.body.id}`).set(officer);
      return res;
    };
    expect((await publish(purpose, [vendor], { sensitivePiCategories: [balanceCategory({ fields: ['balance'] })] })).status).toBe(200);
    const own = await publishApp([]);
    expect(own.status).toBe(200);
    const id = await requestGrant(vendor, asset.key, { fields: ['balance'], purpose });
    const refused = await approve(id);
    expectProblem(refused, 409, 'sensitive_data_not_in_notice');
    expect(refused.body.notices).toEqual([{ id: own.body.id, app: app.body.id, version: own.body.version }]);

    expect((await publishApp([balanceCategory({ category: 'balance' })])).status).toBe(200);
    expect((await approve(id)).body.status).toBe('requested');
    expect((await approve(id, 'pat')).body.status).toBe('active');
    expectProblem(await publishApp([]), 409, 'notice_omits_sensitive_data');
    await revoke(id);
  });

  it('never lets a racing approval and publication both succeed', async () => {
    const purpose = f.unique('race_');
    await f.purpose(purpose, 'consent', 'pat');
    const vendor = await f.vendor({ purposes: [purpose], manager: 'vic' });
    const asset = await f.asset('RETAIL', PROFILE, 'olivia');
    expect((await publish(purpose, [vendor], { sensitivePiCategories: [balanceCategory({ fields: ['balance'] })] })).status).toBe(200);
    const id = await requestGrant(vendor, asset.key, { fields: ['balance'], purpose });
    expect((await approve(id)).body.status).toBe('requested');
    const officer = await auth('pat');
    const latest = await t.http.get(`/v1/notices?purpose=${purpose}&status=published&limit=1`).set(officer);
    const draft = await t.http.patch(`/v1/notices/${latest.body.items[0].id}`).set(officer).send({ sensitivePiCategories: [] }).expect(201);
    const [approval, publication] = await Promise.all([
      approve(id, 'pat'),
      t.http.post(`/v1/notices/${draft.body.id}/publish`).set(officer),
    ]);
    expect([approval.status, publication.status].sort()).toEqual([200, 409]);
    const r = await report();
    expect(r.sensitive_grants_undisclosed.count).toBe(0);
    expect(r.notices_omitting_granted_sensitive_data.count).toBe(0);
    if (approval.status === 200) await revoke(id);
  });

  it('holds for purposes on other legal bases once they publish a notice', async () => {
    const purpose = f.unique('servicing_');
    await f.purpose(purpose, 'contract', 'pat');
    const vendor = await f.vendor({ purposes: [purpose], manager: 'vic' });
    const asset = await f.asset('RETAIL', PROFILE, 'olivia');
    // No notice: a contract purpose is not required to have one here (the report's notice check is for consent).
    const before = await approvedGrant(vendor, asset.key, { fields: ['balance'], purpose });
    expectProblem(await publish(purpose, [vendor], { sensitivePiCategories: [] }), 409, 'notice_omits_sensitive_data');
    // Named with its asset, the category discloses this asset's balance, not another asset's.
    expect(
      (await publish(purpose, [vendor], { sensitivePiCategories: [balanceCategory({ fields: [`${asset.key}.balance`] })] })).status,
    ).toBe(200);
    const other = await f.asset('RETAIL', PROFILE, 'olivia');
    const id = await requestGrant(vendor, other.key, { fields: ['balance'], purpose });
    expectProblem(await approve(id), 409, 'sensitive_data_not_in_notice');
    await revoke(before);
  });

  it('reports both sides of the pair when they disagree (legacy data)', async () => {
    const clean = await report();
    expect(clean.sensitive_grants_undisclosed).toMatchObject({ status: 'pass', count: 0 });
    expect(clean.notices_omitting_granted_sensitive_data).toMatchObject({ status: 'pass', count: 0 });
    const purpose = f.unique('legacy_');
    await f.purpose(purpose, 'consent', 'pat');
    const vendor = await f.vendor({ purposes: [purpose], manager: 'vic' });
    const asset = await f.asset('RETAIL', PROFILE, 'olivia');
    const notice = await publish(purpose, [vendor], { sensitivePiCategories: [] });
    expect(notice.status).toBe(200);
    const id = await requestGrant(vendor, asset.key, { fields: ['name'], purpose });
    expect((await approve(id)).status).toBe(200);
    // Legacy: the grant's fields were widened outside the service.
    await t.container
      .db('access_grants')
      .where({ id })
      .update({ fields: ['name', 'balance'] });
    const r = await report();
    expect(r.sensitive_grants_undisclosed).toMatchObject({ status: 'fail', count: 1, examples: [id] });
    expect(r.notices_omitting_granted_sensitive_data).toMatchObject({ status: 'fail', count: 1, examples: [notice.body.id] });
    await revoke(id);
    const after = await report();
    expect(after.sensitive_grants_undisclosed.count).toBe(0);
    expect(after.notices_omitting_granted_sensitive_data.count).toBe(0);
  });
});
