import { createTestApp, expectProblem, type TestApp } from '../helpers/app';
import { Factories } from '../helpers/factories';

let t: TestApp;
let f: Factories;
let asset: { id: string; key: string };
let retailApp: string;
let corpApp: string;
const auth = async (sub: string) => ({ Authorization: `Bearer ${await t.staffToken(sub)}` });
const DAY = 86_400_000;
const today = () => new Date().toISOString().slice(0, 10);

const appBody = (overrides: Record<string, unknown> = {}) => ({
  name: f.unique('App '),
  kind: 'mini_program',
  platform: 'WeChat',
  audience: 'customer',
  leadDepartment: 'DIGITAL',
  owningDepartment: 'RETAIL',
  responsiblePerson: 'Zhang San',
  ...overrides,
});

async function newApp(overrides: Record<string, unknown> = {}, as = 'amy'): Promise<string> {
  const res = await t.http
    .post('/v1/apps')
    .set(await auth(as))
    .send(appBody(overrides));
  if (res.status !== 201) throw new Error(`app: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

const counts = async () => {
  const db = t.container.db;
  const n = async (table: string) => Number(((await db(table).count({ n: '*' })) as Array<{ n: number }>)[0].n);
  return {
    audit: await n('audit_events'),
    apps: await n('apps'),
    transitions: await n('app_transitions'),
    dataUses: await n('app_data_uses'),
    tests: await n('app_security_tests'),
    vulnerabilities: await n('app_vulnerabilities'),
  };
};

beforeAll(async () => {
  t = await createTestApp();
  f = new Factories(t);
  await f.department('DIGITAL');
  await f.department('RETAIL');
  await f.department('CORP');
  await f.purpose('account_servicing', 'contract');
  await f.purpose('old_purpose', 'contract');
  await t.grantRole('amy', 'app_manager', '*');
  await t.grantRole('rita', 'app_manager', 'RETAIL');
  await t.grantRole('audrey', 'auditor', '*');
  await t.grantRole('dora', 'data_owner', 'RETAIL');
  await t.grantRole('otto', 'data_owner', 'CORP');
  asset = await f.asset(
    'RETAIL',
    [
      ['name', 'personal'],
      ['phone', 'personal'],
      ['legacy_code', 'none'],
    ],
    'dora',
  );
  await t.http
    .post(`/v1/data-assets/${asset.id}/fields/legacy_code/retire`)
    .set(await auth('dora'))
    .send({ reason: 'unused' })
    .expect(200);
  await t.http
    .post('/v1/purposes/old_purpose/retire')
    .set(await auth('po-factory'))
    .expect(200);
  retailApp = await newApp({ name: 'Retail Wallet', businessScenarios: ['Payments', 'credit_card', 'payments'] });
  corpApp = await newApp({
    name: 'Corporate Portal',
    kind: 'h5',
    audience: 'internal',
    owningDepartment: 'CORP',
    businessScenarios: ['cash_management'],
  });
});
afterAll(() => t.close());

describe('app ledger', () => {
  it('enters an app as proposed with its details, reads, lists and updates it, each change audited', async () => {
    const created = await t.http
      .post('/v1/apps')
      .set(await auth('amy'))
      .send(
        appBody({
          name: 'Mobile Bank',
          kind: 'app',
          platform: 'iOS, Android',
          filingNumber: '沪ICP备00000001号-1A',
          monthlyActiveUsers: 1_200_000,
          satisfaction: 4.35,
          businessScenarios: ['Wealth', '理财'],
          thirdPartySdks: [{ name: 'MapKit', vendor: 'Maps Co', purpose: 'branch finder' }, { name: 'CrashLog' }],
        }),
      );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'Mobile Bank',
      kind: 'app',
      lifecycleState: 'proposed',
      monthlyActiveUsers: 1_200_000,
      satisfaction: 4.35,
      businessScenarios: ['wealth', '理财'],
      thirdPartySdks: [
        { name: 'MapKit', vendor: 'Maps Co', purpose: 'branch finder' },
        { name: 'CrashLog', vendor: null, purpose: null },
      ],
      createdBy: 'amy',
    });
    const id = created.body.id as string;

    const got = await t.http
      .get(`/v1/apps/${id}`)
      .set(await auth('audrey'))
      .expect(200);
    expect(got.body).toEqual({ ...created.body, transitions: [] });

    const updated = await t.http
      .patch(`/v1/apps/${id}`)
      .set(await auth('amy'))
      .send({ monthlyActiveUsers: 900_000, satisfaction: null, platform: null, leadDepartment: 'RETAIL' });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({
      monthlyActiveUsers: 900_000,
      satisfaction: null,
      platform: null,
      leadDepartment: 'RETAIL',
      name: 'Mobile Bank',
    });

    const audit = await t.http
      .get(`/v1/audit?objectType=app&objectId=${id}`)
      .set(await auth('audrey'))
      .expect(200);
    expect(audit.body.items.map((e: { action: string }) => e.action)).toEqual(['app.updated', 'app.created']);
    expect(audit.body.items[0].details).toMatchObject({
      before: { monthlyActiveUsers: 1_200_000 },
      after: { monthlyActiveUsers: 900_000 },
    });
  });

  it('stores business scenarios lower-case without duplicates', async () => {
    const got = await t.http
      .get(`/v1/apps/${retailApp}`)
      .set(await auth('amy'))
      .expect(200);
    expect(got.body.businessScenarios).toEqual(['payments', 'credit_card']);
  });

  it('keeps names unique regardless of case (409), writing nothing', async () => {
    const before = await counts();
    expectProblem(
      await t.http
        .post('/v1/apps')
        .set(await auth('amy'))
        .send(appBody({ name: 'retail wallet' })),
      409,
      'app_name_taken',
    );
    expectProblem(
      await t.http
        .patch(`/v1/apps/${corpApp}`)
        .set(await auth('amy'))
        .send({ name: 'RETAIL WALLET' }),
      409,
      'app_name_taken',
    );
    expect(await counts()).toEqual(before);
  });

  it('filters and pages the list by name', async () => {
    const as = await auth('amy');
    const filtered = await t.http.get('/v1/apps?audience=internal&kind=h5').set(as).expect(200);
    expect(filtered.body.items.map((a: { id: string }) => a.id)).toEqual([corpApp]);
    const byScenario = await t.http.get('/v1/apps?businessScenario=CREDIT_CARD').set(as).expect(200);
    expect(byScenario.body.items.map((a: { id: string }) => a.id)).toEqual([retailApp]);
    expect((await t.http.get('/v1/apps?owningDepartment=CORP&lifecycleState=proposed').set(as).expect(200)).body.items).toHaveLength(1);
    expect((await t.http.get('/v1/apps?lifecycleState=released').set(as).expect(200)).body.items).toHaveLength(0);

    const all = (await t.http.get('/v1/apps?limit=200').set(as).expect(200)).body.items.map((a: { name: string }) => a.name);
    expect(all.indexOf('Corporate Portal')).toBeLessThan(all.indexOf('Retail Wallet'));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { body: { items: Array<{ name: string }>; nextCursor: string | null } } = await t.http
        .get(`/v1/apps?limit=1${cursor ? `&cursor=${cursor}` : ''}`)
        .set(as)
        .expect(200);
      seen.push(...res.body.items.map((a) => a.name));
      cursor = res.body.nextCursor;
    } while (cursor !== null);
    expect(seen).toEqual(all);
  });
});

describe('app permissions', () => {
  it('lets the owning department’s data owner read but not change; another department’s data owner gets 403', async () => {
    const dora = await auth('dora');
    await t.http.get(`/v1/apps/${retailApp}`).set(dora).expect(200);
    await t.http.get(`/v1/apps/${retailApp}/data-uses`).set(dora).expect(200);
    await t.http.get(`/v1/apps/${retailApp}/security-tests`).set(dora).expect(200);
    await t.http.get(`/v1/apps/${retailApp}/vulnerabilities`).set(dora).expect(200);
    const listed = (await t.http.get('/v1/apps?limit=200').set(dora).expect(200)).body.items;
    expect(listed.every((a: { owningDepartment: string }) => a.owningDepartment === 'RETAIL')).toBe(true);
    expect(listed.map((a: { id: string }) => a.id)).toContain(retailApp);

    const before = await counts();
    expectProblem(await t.http.patch(`/v1/apps/${retailApp}`).set(dora).send({ monthlyActiveUsers: 1 }), 403, 'forbidden');
    expectProblem(await t.http.post(`/v1/apps/${retailApp}/transitions`).set(dora).send({ to: 'approved' }), 403, 'forbidden');
    expectProblem(
      await t.http
        .post(`/v1/apps/${retailApp}/data-uses`)
        .set(dora)
        .send({ asset: asset.key, fields: ['name'], purpose: 'account_servicing' }),
      403,
    );
    expectProblem(
      await t.http
        .post(`/v1/apps/${retailApp}/security-tests`)
        .set(dora)
        .send({ kind: 'penetration', performedAt: today(), result: 'pass', performer: 'x', reportReference: 'y' }),
      403,
    );
    expectProblem(await t.http.post('/v1/apps').set(dora).send(appBody()), 403);

    const otto = await auth('otto');
    expectProblem(await t.http.get(`/v1/apps/${retailApp}`).set(otto), 403, 'forbidden');
    expectProblem(await t.http.get(`/v1/apps/${retailApp}/vulnerabilities`).set(otto), 403, 'forbidden');
    const ottoList = (await t.http.get('/v1/apps?limit=200').set(otto).expect(200)).body.items.map((a: { id: string }) => a.id);
    expect(ottoList).toEqual([corpApp]);
    expect(await counts()).toEqual(before);
  });

  it('lets an auditor read everything and change nothing', async () => {
    const audrey = await auth('audrey');
    await t.http.get(`/v1/apps/${corpApp}`).set(audrey).expect(200);
    expect((await t.http.get('/v1/apps?limit=200').set(audrey).expect(200)).body.items.length).toBeGreaterThanOrEqual(2);
    expectProblem(await t.http.patch(`/v1/apps/${corpApp}`).set(audrey).send({ monthlyActiveUsers: 1 }), 403);
    expectProblem(await t.http.post('/v1/apps').set(audrey).send(appBody()), 403);
  });

  it('limits a department-scoped app manager to that department’s apps', async () => {
    const rita = await auth('rita');
    expect((await t.http.post('/v1/apps').set(rita).send(appBody())).status).toBe(201);
    expectProblem(
      await t.http
        .post('/v1/apps')
        .set(rita)
        .send(appBody({ owningDepartment: 'CORP' })),
      403,
    );
    expectProblem(await t.http.patch(`/v1/apps/${corpApp}`).set(rita).send({ monthlyActiveUsers: 1 }), 403);
    const before = await counts();
    expectProblem(await t.http.patch(`/v1/apps/${retailApp}`).set(rita).send({ owningDepartment: 'CORP' }), 403);
    expect(await counts()).toEqual(before);
  });

  it('refuses staff without a role, and unauthenticated calls', async () => {
    expectProblem(await t.http.get('/v1/apps').set(await auth('nobody')), 403);
    expectProblem(await t.http.get(`/v1/apps/${retailApp}`), 401);
  });

  it('answers 404 for an unknown app', async () => {
    expectProblem(await t.http.get('/v1/apps/6f1c1f49-1d77-4b5e-8e3f-2d1f6e0b9a11').set(await auth('amy')), 404, 'not_found');
    expectProblem(
      await t.http
        .post('/v1/apps/6f1c1f49-1d77-4b5e-8e3f-2d1f6e0b9a11/transitions')
        .set(await auth('amy'))
        .send({ to: 'approved' }),
      404,
    );
  });
});

describe('app data uses', () => {
  it('records live fields of a live asset for a purpose, audited, and lists them', async () => {
    const res = await t.http
      .post(`/v1/apps/${retailApp}/data-uses`)
      .set(await auth('amy'))
      .send({ asset: asset.id, fields: ['name', 'phone'], purpose: 'account_servicing' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      appId: retailApp,
      asset: { id: asset.id, key: asset.key },
      fields: ['name', 'phone'],
      purpose: 'account_servicing',
      createdBy: 'amy',
    });

    const list = await t.http
      .get(`/v1/apps/${retailApp}/data-uses`)
      .set(await auth('audrey'))
      .expect(200);
    expect(list.body).toEqual({ items: [res.body], nextCursor: null });
    const audit = await t.http
      .get(`/v1/audit?objectType=app&objectId=${retailApp}`)
      .set(await auth('audrey'))
      .expect(200);
    expect(audit.body.items[0]).toMatchObject({
      action: 'app.data_use_added',
      details: { dataUse: { id: res.body.id }, legalBasis: 'contract' },
    });

    const before = await counts();
    expectProblem(
      await t.http
        .post(`/v1/apps/${retailApp}/data-uses`)
        .set(await auth('amy'))
        .send({ asset: asset.key, fields: ['name'], purpose: 'account_servicing' }),
      409,
      'data_use_exists',
    );
    expect(await counts()).toEqual(before);
  });

  it.each([
    ['an unknown asset', { asset: 'retail.nothing_here', fields: ['name'], purpose: 'account_servicing' }, 'body.asset'],
    ['a field the asset does not have', { fields: ['email'], purpose: 'account_servicing' }, 'body.fields'],
    ['a retired field', { fields: ['legacy_code'], purpose: 'account_servicing' }, 'body.fields'],
    ['a field twice', { fields: ['name', 'name'], purpose: 'account_servicing' }, 'body.fields'],
    ['no fields', { fields: [], purpose: 'account_servicing' }, 'body.fields'],
    ['an unknown purpose', { fields: ['name'], purpose: 'no_such_purpose' }, 'body.purpose'],
    ['a retired purpose', { fields: ['name'], purpose: 'old_purpose' }, 'body.purpose'],
    ['a malformed purpose', { fields: ['name'], purpose: 'Bad Purpose' }, 'body.purpose'],
    ['an unknown property', { fields: ['name'], purpose: 'account_servicing', why: 'x' }, 'body'],
  ])('refuses %s with 400, writing nothing', async (_label, body, path) => {
    const before = await counts();
    const res = await t.http
      .post(`/v1/apps/${corpApp}/data-uses`)
      .set(await auth('amy'))
      .send({ asset: asset.key, ...body });
    expectProblem(res, 400, 'validation_failed');
    expect(res.body.errors[0].path.startsWith(path)).toBe(true);
    expect(await counts()).toEqual(before);
  });
});

describe('bad input on every app endpoint', () => {
  const vulnerability = '0b4f6a3e-2b8e-4c55-9a0e-6f2d7b1c9e01';
  const now = () => new Date().toISOString();
  const cases: Array<[string, 'get' | 'post' | 'patch', () => string, unknown]> = [
    [
      'create: missing name',
      'post',
      () => '/v1/apps',
      { kind: 'app', audience: 'customer', leadDepartment: 'DIGITAL', owningDepartment: 'RETAIL', responsiblePerson: 'x' },
    ],
    ['create: bad kind', 'post', () => '/v1/apps', { kind: 'desktop' }],
    ['create: bad audience', 'post', () => '/v1/apps', { audience: 'partners' }],
    ['create: satisfaction above 5', 'post', () => '/v1/apps', { satisfaction: 5.5 }],
    ['create: satisfaction with three decimals', 'post', () => '/v1/apps', { satisfaction: 4.125 }],
    ['create: negative monthly active users', 'post', () => '/v1/apps', { monthlyActiveUsers: -1 }],
    ['create: fractional monthly active users', 'post', () => '/v1/apps', { monthlyActiveUsers: 10.5 }],
    ['create: unknown lead department', 'post', () => '/v1/apps', { leadDepartment: 'NOWHERE' }],
    ['create: unknown property', 'post', () => '/v1/apps', { colour: 'blue' }],
    ['create: bad scenario tag', 'post', () => '/v1/apps', { businessScenarios: ['credit card!'] }],
    ['create: sdk without a name', 'post', () => '/v1/apps', { thirdPartySdks: [{ vendor: 'x' }] }],
    ['create: lifecycle state given', 'post', () => '/v1/apps', { lifecycleState: 'released' }],
    ['list: page size 0', 'get', () => '/v1/apps?limit=0', undefined],
    ['list: unknown filter', 'get', () => '/v1/apps?colour=blue', undefined],
    ['list: bad state', 'get', () => '/v1/apps?lifecycleState=live', undefined],
    ['list: forged cursor', 'get', () => '/v1/apps?cursor=bm90LWEtdXVpZA', undefined],
    ['get: malformed id', 'get', () => '/v1/apps/not-a-uuid', undefined],
    ['update: empty body', 'patch', () => `/v1/apps/${retailApp}`, {}],
    ['update: lifecycle state', 'patch', () => `/v1/apps/${retailApp}`, { lifecycleState: 'retired' }],
    ['update: unknown owning department', 'patch', () => `/v1/apps/${retailApp}`, { owningDepartment: 'NOWHERE' }],
    ['update: empty name', 'patch', () => `/v1/apps/${retailApp}`, { name: '   ' }],
    ['transition: unknown state', 'post', () => `/v1/apps/${retailApp}/transitions`, { to: 'launched' }],
    ['transition: missing state', 'post', () => `/v1/apps/${retailApp}/transitions`, { note: 'go' }],
    ['transition: unknown property', 'post', () => `/v1/apps/${retailApp}/transitions`, { to: 'approved', by: 'me' }],
    [
      'data uses: bad asset reference',
      'post',
      () => `/v1/apps/${retailApp}/data-uses`,
      { asset: 'Not A Key', fields: ['name'], purpose: 'account_servicing' },
    ],
    ['data uses: bad page size', 'get', () => `/v1/apps/${retailApp}/data-uses?limit=500`, undefined],
    [
      'security test: bad kind',
      'post',
      () => `/v1/apps/${retailApp}/security-tests`,
      { kind: 'fuzzing', performedAt: today(), result: 'pass', performer: 'x', reportReference: 'y' },
    ],
    [
      'security test: bad date',
      'post',
      () => `/v1/apps/${retailApp}/security-tests`,
      { kind: 'penetration', performedAt: '2026-13-01', result: 'pass', performer: 'x', reportReference: 'y' },
    ],
    [
      'security test: future date',
      'post',
      () => `/v1/apps/${retailApp}/security-tests`,
      {
        kind: 'penetration',
        performedAt: new Date(Date.now() + 3 * DAY).toISOString().slice(0, 10),
        result: 'pass',
        performer: 'x',
        reportReference: 'y',
      },
    ],
    [
      'security test: bad result',
      'post',
      () => `/v1/apps/${retailApp}/security-tests`,
      { kind: 'penetration', performedAt: today(), result: 'ok', performer: 'x', reportReference: 'y' },
    ],
    [
      'security test: no performer',
      'post',
      () => `/v1/apps/${retailApp}/security-tests`,
      { kind: 'penetration', performedAt: today(), result: 'pass', reportReference: 'y' },
    ],
    ['security tests: bad filter', 'get', () => `/v1/apps/${retailApp}/security-tests?kind=fuzzing`, undefined],
    [
      'vulnerability: bad severity',
      'post',
      () => `/v1/apps/${retailApp}/vulnerabilities`,
      { title: 'x', severity: 'severe', reportedAt: now(), dueAt: now() },
    ],
    [
      'vulnerability: due before reported',
      'post',
      () => `/v1/apps/${retailApp}/vulnerabilities`,
      { title: 'x', severity: 'high', reportedAt: now(), dueAt: new Date(Date.now() - DAY).toISOString() },
    ],
    [
      'vulnerability: reported in the future',
      'post',
      () => `/v1/apps/${retailApp}/vulnerabilities`,
      {
        title: 'x',
        severity: 'high',
        reportedAt: new Date(Date.now() + DAY).toISOString(),
        dueAt: new Date(Date.now() + 2 * DAY).toISOString(),
      },
    ],
    [
      'vulnerability: not a timestamp',
      'post',
      () => `/v1/apps/${retailApp}/vulnerabilities`,
      { title: 'x', severity: 'high', reportedAt: 'yesterday', dueAt: now() },
    ],
    ['vulnerabilities: bad status filter', 'get', () => `/v1/apps/${retailApp}/vulnerabilities?status=closed`, undefined],
    ['fix: no evidence', 'post', () => `/v1/apps/${retailApp}/vulnerabilities/${vulnerability}/fix`, {}],
    ['fix: malformed vulnerability id', 'post', () => `/v1/apps/${retailApp}/vulnerabilities/123/fix`, { evidence: 'retest PT-2' }],
    [
      'fix: in the future',
      'post',
      () => `/v1/apps/${retailApp}/vulnerabilities/${vulnerability}/fix`,
      { evidence: 'retest', fixedAt: new Date(Date.now() + DAY).toISOString() },
    ],
    ['report: unknown parameter', 'get', () => '/v1/reports/app-consolidation?format=xml', undefined],
  ];

  it.each(cases)('%s → 400 problem+json, nothing written', async (_label, method, path, body) => {
    const before = await counts();
    const payload =
      body !== undefined && _label.startsWith('create') && !_label.startsWith('create: missing')
        ? appBody(body as Record<string, unknown>)
        : body;
    const req = t.http[method](path()).set(await auth('amy'));
    const res = payload === undefined ? await req : await req.send(payload as object);
    expectProblem(res, 400);
    expect(res.body.detail).toEqual(expect.any(String));
    expect(await counts()).toEqual(before);
  });

  it('answers 415 for a body that is not JSON, and 406 for a report format it cannot produce', async () => {
    const before = await counts();
    expectProblem(
      await t.http
        .post('/v1/apps')
        .set(await auth('amy'))
        .set('Content-Type', 'text/plain')
        .send('name=x'),
      415,
    );
    expectProblem(
      await t.http
        .get('/v1/reports/app-consolidation')
        .set(await auth('amy'))
        .set('Accept', 'application/xml'),
      406,
    );
    expect(await counts()).toEqual(before);
  });
});
