import { createTestApp, expectProblem, type TestApp } from '../helpers/app';

let t: TestApp;
const tokens: Record<string, string> = {};
const bearer = (who: string) => `Bearer ${tokens[who]}`;

const customerProfile = {
  key: 'retail.customer_profile',
  name: 'Customer profile',
  description: 'Who our retail customers are',
  owningDepartment: 'RETAIL',
  classification: 4,
  fields: [
    { name: 'name', piCategory: 'personal' },
    { name: 'phone', piCategory: 'personal', description: 'Mobile number' },
    { name: 'id_number', piCategory: 'sensitive' },
    { name: 'segment', piCategory: 'none' },
  ],
};

/** Row counts of everything this feature writes, and of the audit log. */
async function counts() {
  const db = t.container.db;
  const n = async (table: string) => Number(((await db(table).count('* as n')) as Array<{ n: number | string }>)[0].n);
  return {
    assets: await n('data_assets'),
    fields: await n('data_asset_fields'),
    transfers: await n('ownership_transfers'),
    audit: await n('audit_events'),
  };
}

function create(who: string, body: Record<string, unknown>) {
  return t.http.post('/v1/data-assets').set('Authorization', bearer(who)).send(body);
}

async function auditOf(objectId: string) {
  const res = await t.http.get(`/v1/audit?objectId=${objectId}`).set('Authorization', bearer('admin')).expect(200);
  return res.body.items as Array<{ action: string; actorId: string; objectType: string; details: Record<string, unknown> }>;
}

beforeAll(async () => {
  t = await createTestApp();
  for (const who of ['admin', 'alice', 'ruth', 'bob', 'erin', 'vera', 'nobody']) {
    tokens[who] = await t.staffToken(who === 'admin' ? 'root-admin' : who);
  }
  for (const [code, kind] of [
    ['RETAIL', 'business'],
    ['CORPORATE', 'business'],
    ['IT', 'technology'],
  ]) {
    await t.http.post('/v1/departments').set('Authorization', bearer('admin')).send({ code, name: code, kind }).expect(201);
  }
  await t.grantRole('alice', 'data_owner', 'RETAIL');
  await t.grantRole('ruth', 'data_owner', 'RETAIL');
  await t.grantRole('bob', 'data_owner', 'CORPORATE');
  await t.grantRole('erin', 'auditor', '*');
  await t.grantRole('vera', 'vendor_manager', '*');
});
afterAll(() => t.close());

describe('registering and reading data assets', () => {
  let assetId: string;

  it('lets a data owner register an asset of their department, audited with each field', async () => {
    const res = await create('alice', customerProfile).expect(201);
    assetId = res.body.id;
    expect(res.body).toMatchObject({
      key: 'retail.customer_profile',
      owningDepartment: 'RETAIL',
      classification: 4,
      status: 'active',
      retiredAt: null,
    });
    expect(res.body.fields.map((f: { name: string; piCategory: string; status: string }) => [f.name, f.piCategory, f.status])).toEqual([
      ['name', 'personal', 'active'],
      ['phone', 'personal', 'active'],
      ['id_number', 'sensitive', 'active'],
      ['segment', 'none', 'active'],
    ]);
    const created = await auditOf(assetId);
    expect(created.map((e) => [e.action, e.actorId])).toEqual([['data_asset.created', 'alice']]);
    const added = (await t.http.get('/v1/audit?action=data_asset_field.added').set('Authorization', bearer('admin')).expect(200)).body
      .items;
    expect(added).toHaveLength(4);
    expect(added.every((e: { details: { assetId: string } }) => e.details.assetId === assetId)).toBe(true);
  });

  it('shows the asset with its fields and (empty) transfer history to its department and to auditors', async () => {
    for (const who of ['alice', 'ruth', 'erin', 'admin']) {
      const res = await t.http.get(`/v1/data-assets/${assetId}`).set('Authorization', bearer(who)).expect(200);
      expect(res.body).toMatchObject({ id: assetId, owningDepartment: 'RETAIL', ownershipTransfers: [] });
      expect(res.body.fields).toHaveLength(4);
    }
  });

  it('lets an administrator register an asset for any department', async () => {
    const res = await create('admin', {
      key: 'corporate.loan_book',
      name: 'Loan book',
      owningDepartment: 'CORPORATE',
      classification: 3,
      fields: [
        { name: 'borrower_name', piCategory: 'personal' },
        { name: 'outstanding', piCategory: 'sensitive' },
      ],
    }).expect(201);
    expect(res.body.owningDepartment).toBe('CORPORATE');
  });

  it('lists only the departments the caller may read, with filters and pages', async () => {
    await create('alice', {
      key: 'retail.branch_list',
      name: 'Branches',
      owningDepartment: 'RETAIL',
      classification: 1,
      fields: [{ name: 'branch_code', piCategory: 'none' }],
    }).expect(201);
    const keys = async (who: string, query = '') =>
      (await t.http.get(`/v1/data-assets${query}`).set('Authorization', bearer(who)).expect(200)).body.items.map(
        (a: { key: string }) => a.key,
      );

    expect(await keys('alice')).toEqual(['retail.branch_list', 'retail.customer_profile']);
    expect(await keys('bob')).toEqual(['corporate.loan_book']);
    expect(await keys('erin')).toEqual(['corporate.loan_book', 'retail.branch_list', 'retail.customer_profile']);
    expect(await keys('alice', '?department=CORPORATE')).toEqual([]);
    expect(await keys('erin', '?department=RETAIL&classification=4')).toEqual(['retail.customer_profile']);
    expect(await keys('erin', '?piCategory=sensitive')).toEqual(['corporate.loan_book', 'retail.customer_profile']);
    expect(await keys('erin', '?piCategory=none')).toEqual(['retail.branch_list', 'retail.customer_profile']);
    expect(await keys('erin', '?status=retired')).toEqual([]);

    const first = await t.http.get('/v1/data-assets?limit=2').set('Authorization', bearer('erin')).expect(200);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.items[0].fields.length).toBeGreaterThan(0);
    const second = await t.http
      .get(`/v1/data-assets?limit=2&cursor=${first.body.nextCursor}`)
      .set('Authorization', bearer('erin'))
      .expect(200);
    expect(second.body.items.map((a: { key: string }) => a.key)).toEqual(['retail.customer_profile']);
    expect(second.body.nextCursor).toBeNull();
  });

  it('lets the owning department change name, description and classification (audited), never the owner', async () => {
    const res = await t.http
      .patch(`/v1/data-assets/${assetId}`)
      .set('Authorization', bearer('ruth'))
      .send({ name: 'Retail customer profile', description: null, classification: 5 })
      .expect(200);
    expect(res.body).toMatchObject({ name: 'Retail customer profile', description: null, classification: 5, owningDepartment: 'RETAIL' });
    const [updated] = await auditOf(assetId);
    expect(updated).toMatchObject({
      action: 'data_asset.updated',
      actorId: 'ruth',
      details: { before: { classification: 4, name: 'Customer profile' }, after: { classification: 5, name: 'Retail customer profile' } },
    });

    const before = await counts();
    const moved = await t.http
      .patch(`/v1/data-assets/${assetId}`)
      .set('Authorization', bearer('alice'))
      .send({ owningDepartment: 'CORPORATE' });
    expectProblem(moved, 400, 'validation_failed');
    expect(moved.body.errors[0].message).toMatch(/owningDepartment/);
    expect(await counts()).toEqual(before);
    expect((await t.http.get(`/v1/data-assets/${assetId}`).set('Authorization', bearer('alice'))).body.owningDepartment).toBe('RETAIL');
  });
});

describe('fields', () => {
  let assetId: string;
  beforeAll(async () => {
    assetId = (
      await create('alice', {
        key: 'retail.deposits',
        name: 'Deposits',
        owningDepartment: 'RETAIL',
        classification: 4,
        fields: [
          { name: 'account_number', piCategory: 'sensitive' },
          { name: 'account_balance', piCategory: 'sensitive' },
        ],
      }).expect(201)
    ).body.id;
  });

  it('adds fields, audited one event per field', async () => {
    const res = await t.http
      .post(`/v1/data-assets/${assetId}/fields`)
      .set('Authorization', bearer('alice'))
      .send({
        fields: [
          { name: 'opened_on', piCategory: 'none' },
          { name: 'holder_phone', piCategory: 'personal', description: 'for alerts' },
        ],
      })
      .expect(201);
    expect(res.body.fields.map((f: { name: string }) => f.name)).toEqual([
      'account_number',
      'account_balance',
      'opened_on',
      'holder_phone',
    ]);
    const holderPhone = res.body.fields.find((f: { name: string }) => f.name === 'holder_phone');
    const [event] = await auditOf(holderPhone.id);
    expect(event).toMatchObject({
      action: 'data_asset_field.added',
      objectType: 'data_asset_field',
      actorId: 'alice',
      details: { assetId },
    });
  });

  it('retires a field (never deletes it), audited; a retired name stays reserved', async () => {
    const res = await t.http
      .post(`/v1/data-assets/${assetId}/fields/holder_phone/retire`)
      .set('Authorization', bearer('ruth'))
      .send({ reason: 'alerts moved to the app' })
      .expect(200);
    const field = res.body.fields.find((f: { name: string }) => f.name === 'holder_phone');
    expect(field).toMatchObject({ status: 'retired', retiredReason: 'alerts moved to the app' });
    expect(field.retiredAt).toEqual(expect.any(String));
    expect((await auditOf(field.id)).map((e) => e.action)).toEqual(['data_asset_field.retired', 'data_asset_field.added']);

    const before = await counts();
    expectProblem(
      await t.http
        .post(`/v1/data-assets/${assetId}/fields`)
        .set('Authorization', bearer('alice'))
        .send({ fields: [{ name: 'holder_phone', piCategory: 'personal' }] }),
      409,
      'field_retired',
    );
    expectProblem(
      await t.http
        .post(`/v1/data-assets/${assetId}/fields`)
        .set('Authorization', bearer('alice'))
        .send({ fields: [{ name: 'opened_on', piCategory: 'none' }] }),
      409,
      'field_exists',
    );
    expectProblem(
      await t.http
        .post(`/v1/data-assets/${assetId}/fields/holder_phone/retire`)
        .set('Authorization', bearer('alice'))
        .send({ reason: 'again' }),
      409,
      'field_retired',
    );
    expectProblem(
      await t.http
        .post(`/v1/data-assets/${assetId}/fields/no_such_field/retire`)
        .set('Authorization', bearer('alice'))
        .send({ reason: 'x' }),
      404,
      'not_found',
    );
    expect(await counts()).toEqual(before);
  });

  it('refuses a batch that mixes a new and an existing name, writing none of it', async () => {
    const before = await counts();
    expectProblem(
      await t.http
        .post(`/v1/data-assets/${assetId}/fields`)
        .set('Authorization', bearer('alice'))
        .send({
          fields: [
            { name: 'brand_new', piCategory: 'none' },
            { name: 'account_number', piCategory: 'sensitive' },
          ],
        }),
      409,
      'field_exists',
    );
    expect(await counts()).toEqual(before);
  });
});

describe('retiring an asset', () => {
  it('retires it with a reason (audited) and then refuses every change', async () => {
    const id = (
      await create('alice', {
        key: 'retail.old_campaigns',
        name: 'Old campaigns',
        owningDepartment: 'RETAIL',
        classification: 2,
        fields: [{ name: 'campaign_code', piCategory: 'none' }],
      }).expect(201)
    ).body.id;
    const res = await t.http
      .post(`/v1/data-assets/${id}/retire`)
      .set('Authorization', bearer('alice'))
      .send({ reason: 'campaigns ended' })
      .expect(200);
    expect(res.body).toMatchObject({ status: 'retired', retiredReason: 'campaigns ended' });
    expect((await auditOf(id))[0]).toMatchObject({
      action: 'data_asset.retired',
      details: { before: { status: 'active' }, after: { status: 'retired' } },
    });

    const before = await counts();
    const as = (req: ReturnType<typeof t.http.post>) => req.set('Authorization', bearer('alice'));
    expectProblem(await as(t.http.patch(`/v1/data-assets/${id}`)).send({ name: 'x' }), 409, 'asset_retired');
    expectProblem(await as(t.http.post(`/v1/data-assets/${id}/retire`)).send({ reason: 'again' }), 409, 'asset_retired');
    expectProblem(
      await as(t.http.post(`/v1/data-assets/${id}/fields`)).send({ fields: [{ name: 'x', piCategory: 'none' }] }),
      409,
      'asset_retired',
    );
    expectProblem(await as(t.http.post(`/v1/data-assets/${id}/fields/campaign_code/retire`)).send({ reason: 'x' }), 409, 'asset_retired');
    expectProblem(
      await as(t.http.post(`/v1/data-assets/${id}/ownership-transfers`)).send({ toDepartment: 'CORPORATE', reason: 'x' }),
      409,
      'asset_retired',
    );
    expect(await counts()).toEqual(before);

    const retired = await t.http.get('/v1/data-assets?status=retired').set('Authorization', bearer('alice')).expect(200);
    expect(retired.body.items.map((a: { key: string }) => a.key)).toEqual(['retail.old_campaigns']);
  });
});

describe('permissions', () => {
  let retailId: string;
  beforeAll(async () => {
    retailId = (
      await create('alice', {
        key: 'retail.card_transactions',
        name: 'Card transactions (secret project)',
        owningDepartment: 'RETAIL',
        classification: 4,
        fields: [{ name: 'card_number', piCategory: 'sensitive' }],
      }).expect(201)
    ).body.id;
  });

  it('never lets a data owner of another department read, change, retire or extend the asset', async () => {
    const before = await counts();
    const snapshot = (await t.http.get(`/v1/data-assets/${retailId}`).set('Authorization', bearer('admin'))).body;
    const attempts = [
      t.http.get(`/v1/data-assets/${retailId}`),
      t.http.get(`/v1/data-assets/${retailId}/ownership-transfers`),
      t.http.patch(`/v1/data-assets/${retailId}`).send({ name: 'stolen' }),
      t.http.post(`/v1/data-assets/${retailId}/retire`).send({ reason: 'mine now' }),
      t.http.post(`/v1/data-assets/${retailId}/fields`).send({ fields: [{ name: 'x', piCategory: 'none' }] }),
      t.http.post(`/v1/data-assets/${retailId}/fields/card_number/retire`).send({ reason: 'x' }),
      t.http.post(`/v1/data-assets/${retailId}/ownership-transfers`).send({ toDepartment: 'CORPORATE', reason: 'give it to me' }),
    ];
    for (const attempt of attempts) {
      const res = await attempt.set('Authorization', bearer('bob'));
      expectProblem(res, 403, 'forbidden');
      // The refusal names the permission, never the asset (instance only echoes the caller's own URL).
      expect(JSON.stringify({ ...res.body, instance: undefined })).not.toMatch(/card_transactions|secret project|card_number/);
    }
    expect(await counts()).toEqual(before);
    expect((await t.http.get(`/v1/data-assets/${retailId}`).set('Authorization', bearer('admin'))).body).toEqual(snapshot);
  });

  it('refuses registering an asset for another department, and read-only roles changing anything', async () => {
    const before = await counts();
    expectProblem(await create('bob', { ...customerProfile, key: 'retail.sneaky' }), 403, 'forbidden');
    expectProblem(await create('erin', { ...customerProfile, key: 'retail.sneaky' }), 403, 'forbidden');
    expectProblem(await t.http.patch(`/v1/data-assets/${retailId}`).set('Authorization', bearer('erin')).send({ name: 'x' }), 403);
    expectProblem(await t.http.patch(`/v1/data-assets/${retailId}`).set('Authorization', bearer('vera')).send({ name: 'x' }), 403);
    expectProblem(await t.http.get('/v1/data-assets').set('Authorization', bearer('nobody')), 403);
    expectProblem(await t.http.get(`/v1/data-assets/${retailId}`).set('Authorization', bearer('nobody')), 403);
    expectProblem(await t.http.get('/v1/data-assets'), 401);
    expect(await counts()).toEqual(before);
  });

  it('answers 404 for an unknown asset id', async () => {
    expectProblem(
      await t.http.get('/v1/data-assets/6a1f1c1e-0000-4000-8000-000000000000').set('Authorization', bearer('alice')),
      404,
      'not_found',
    );
    expectProblem(
      await t.http.patch('/v1/data-assets/6a1f1c1e-0000-4000-8000-000000000000').set('Authorization', bearer('admin')).send({ name: 'x' }),
      404,
    );
  });
});

describe('bad input is a 4xx problem and writes nothing', () => {
  let assetId: string;
  beforeAll(async () => {
    assetId = (
      await create('alice', {
        key: 'retail.savings',
        name: 'Savings',
        owningDepartment: 'RETAIL',
        classification: 3,
        fields: [{ name: 'balance', piCategory: 'sensitive' }],
      }).expect(201)
    ).body.id;
  });

  const valid = {
    key: 'retail.new_asset',
    name: 'New',
    owningDepartment: 'RETAIL',
    classification: 2,
    fields: [{ name: 'a', piCategory: 'none' }],
  };
  const without = (k: string) => Object.fromEntries(Object.entries(valid).filter(([key]) => key !== k));

  it.each([
    ['missing key', without('key')],
    ['missing name', without('name')],
    ['missing owningDepartment', without('owningDepartment')],
    ['missing classification', without('classification')],
    ['missing fields', without('fields')],
    ['no fields', { ...valid, fields: [] }],
    ['name of the wrong type', { ...valid, name: 42 }],
    ['classification as a string', { ...valid, classification: '3' }],
    ['classification 0', { ...valid, classification: 0 }],
    ['classification 6', { ...valid, classification: 6 }],
    ['fractional classification', { ...valid, classification: 2.5 }],
    ['unknown property', { ...valid, owner: 'alice' }],
    ['upper-case key', { ...valid, key: 'Retail.New' }],
    ['undotted key', { ...valid, key: 'retail_new' }],
    ['key with spaces', { ...valid, key: 'retail.new asset' }],
    ['key with an empty segment', { ...valid, key: 'retail..new' }],
    ['bad field name', { ...valid, fields: [{ name: 'Phone-Number', piCategory: 'personal' }] }],
    ['bad PI category', { ...valid, fields: [{ name: 'a', piCategory: 'secret' }] }],
    ['unknown field property', { ...valid, fields: [{ name: 'a', piCategory: 'none', value: '13800000000' }] }],
    [
      'duplicate field names',
      {
        ...valid,
        fields: [
          { name: 'a', piCategory: 'none' },
          { name: 'a', piCategory: 'personal' },
        ],
      },
    ],
    ['unknown department', { ...valid, owningDepartment: 'NOWHERE' }],
    ['malformed department code', { ...valid, owningDepartment: 'retail' }],
    ['a body that is an array', [valid]],
  ])('POST /v1/data-assets: %s → 400', async (_label, body) => {
    const before = await counts();
    const res = await create('admin', body as Record<string, unknown>);
    expectProblem(res, 400, 'validation_failed');
    expect(await counts()).toEqual(before);
  });

  it('POST /v1/data-assets: a duplicate key → 409', async () => {
    const before = await counts();
    expectProblem(await create('alice', { ...valid, key: 'retail.savings' }), 409, 'data_asset_exists');
    expect(await counts()).toEqual(before);
  });

  const bodyEndpoints = () => [
    ['POST', '/v1/data-assets'],
    ['PATCH', `/v1/data-assets/${assetId}`],
    ['POST', `/v1/data-assets/${assetId}/retire`],
    ['POST', `/v1/data-assets/${assetId}/fields`],
    ['POST', `/v1/data-assets/${assetId}/fields/balance/retire`],
  ];
  const send = (method: string, path: string) =>
    (method === 'PATCH' ? t.http.patch(path) : t.http.post(path)).set('Authorization', bearer('admin'));

  it('malformed JSON, a wrong media type and an oversized body are refused on every endpoint with a body', async () => {
    const before = await counts();
    for (const [method, path] of bodyEndpoints()) {
      expectProblem(await send(method, path).set('Content-Type', 'application/json').send('{"name":'), 400);
      expectProblem(await send(method, path).set('Content-Type', 'text/plain').send('name=x'), 415);
      expectProblem(await send(method, path).send({ name: 'x'.repeat(200 * 1024), reason: 'x', fields: [] }), 413);
    }
    expect(await counts()).toEqual(before);
  });

  it.each([
    ['PATCH with nothing to change', 'patch', '', {}],
    ['PATCH with an unknown property', 'patch', '', { colour: 'red' }],
    ['PATCH with classification 9', 'patch', '', { classification: 9 }],
    ['PATCH with an empty name', 'patch', '', { name: '  ' }],
    ['retire without a reason', 'post', '/retire', {}],
    ['retire with an empty reason', 'post', '/retire', { reason: '' }],
    ['fields: not a list', 'post', '/fields', { fields: { name: 'a', piCategory: 'none' } }],
    ['fields: empty list', 'post', '/fields', { fields: [] }],
    [
      'fields: duplicates',
      'post',
      '/fields',
      {
        fields: [
          { name: 'b', piCategory: 'none' },
          { name: 'b', piCategory: 'none' },
        ],
      },
    ],
    ['fields: missing PI category', 'post', '/fields', { fields: [{ name: 'b' }] }],
    ['field retire: unknown property', 'post', '/fields/balance/retire', { reason: 'x', force: true }],
    ['field retire: bad field name in the path', 'post', '/fields/Bad-Name/retire', { reason: 'x' }],
  ])('%s → 400', async (_label, method, suffix, body) => {
    const before = await counts();
    const snapshot = (await t.http.get(`/v1/data-assets/${assetId}`).set('Authorization', bearer('admin'))).body;
    const path = `/v1/data-assets/${assetId}${suffix}`;
    const res = await (method === 'patch' ? t.http.patch(path) : t.http.post(path)).set('Authorization', bearer('admin')).send(body);
    expectProblem(res, 400, 'validation_failed');
    expect(await counts()).toEqual(before);
    expect((await t.http.get(`/v1/data-assets/${assetId}`).set('Authorization', bearer('admin'))).body).toEqual(snapshot);
  });

  it.each([
    ['/v1/data-assets/not-a-uuid'],
    ['/v1/data-assets?classification=9'],
    ['/v1/data-assets?classification=high'],
    ['/v1/data-assets?piCategory=secret'],
    ['/v1/data-assets?status=deleted'],
    ['/v1/data-assets?department=retail'],
    ['/v1/data-assets?owner=alice'],
    ['/v1/data-assets?limit=0'],
    ['/v1/data-assets?cursor=%25%25%25'],
  ])('GET %s → 400', async (path) => {
    expectProblem(await t.http.get(path).set('Authorization', bearer('admin')), 400);
  });
});
