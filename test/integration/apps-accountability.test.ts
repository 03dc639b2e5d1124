import { parse } from 'csv-parse/sync';
import { createTestApp, expectProblem, type TestApp } from '../helpers/app';
import { APP_OWNERS, AppWorld, auditCount as countAuditEvents } from '../helpers/app-world';
import { Factories } from '../helpers/factories';

// The Notice, item 1: one lead department approves app entry and exit; each app keeps its owners and
// a responsibility matrix (business, data, security, operations), exported as JSON and CSV.

let t: TestApp;
let f: Factories;
let world: AppWorld;
const auth = async (sub: string) => ({ Authorization: `Bearer ${await t.staffToken(sub)}` });
const LEAD = '/v1/app-management/lead-department';
const matrix = {
  business: { department: 'RETAIL', person: 'Zhao Min' },
  data: { department: 'RETAIL', person: 'Qian Li' },
  security: { department: 'DIGITAL', person: 'Sun Hao' },
  operations: { department: 'DIGITAL', person: 'Zhou Yu' },
};

const newApp = (overrides: Record<string, unknown> = {}) => world.newApp({ ...APP_OWNERS, ...overrides });

const transition = async (id: string, to: string, as: string) =>
  t.http
    .post(`/v1/apps/${id}/transitions`)
    .set(await auth(as))
    .send({ to });
const auditOf = async (action: string) =>
  (await t.container.audit.list({ action }, 100)) as Array<{ actorId: string; details: Record<string, unknown> }>;
const auditCount = () => countAuditEvents(t);
const check = (code: string) => world.complianceCheck(code);

beforeAll(async () => {
  t = await createTestApp();
  f = new Factories(t);
  world = new AppWorld(t, f);
  await f.department('DIGITAL', 'technology');
  await f.department('RETAIL');
  await t.grantRole('amy', 'app_manager', '*');
  await t.grantRole('rita', 'app_manager', 'RETAIL');
  await t.grantRole('dina', 'app_manager', 'DIGITAL');
  await t.grantRole('dora', 'data_owner', 'RETAIL');
  await t.grantRole('erin', 'auditor', '*');
  await t.grantRole('ada', 'admin', 'RETAIL');
});
afterAll(() => t.close());

describe('the lead department for app management', () => {
  it('is unnamed at first: entry approval is refused with 409, and the compliance report fails once there are apps', async () => {
    expect(
      (
        await t.http
          .get(LEAD)
          .set(await auth('amy'))
          .expect(200)
      ).body,
    ).toEqual({ department: null, setBy: null, setAt: null });
    const id = await newApp();
    expectProblem(await transition(id, 'approved', 'rita'), 409, 'lead_department_not_configured');
    expect(await check('apps_lead_department_named')).toMatchObject({ status: 'fail', count: 1, examples: ['lead_department'] });
    expect(await t.container.apps.compliance.leadDepartmentNamed()).toEqual({ count: 1, examples: ['lead_department'], examined: 1 });
  });

  it('is named only by an administrator holding the role everywhere, audited with before and after', async () => {
    for (const who of ['amy', 'ada', 'erin', 'dora'])
      expectProblem(
        await t.http
          .put(LEAD)
          .set(await auth(who))
          .send({ department: 'DIGITAL' }),
        403,
        'forbidden',
      );
    const res = await t.http
      .put(LEAD)
      .set(await auth('root-admin'))
      .send({ department: 'DIGITAL' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ department: 'DIGITAL', setBy: 'root-admin' });
    expect(
      (
        await t.http
          .get(LEAD)
          .set(await auth('erin'))
          .expect(200)
      ).body.department,
    ).toBe('DIGITAL');
    const [event] = await auditOf('app.lead_department_set');
    expect(event).toMatchObject({ actorId: 'root-admin', details: { before: null, after: 'DIGITAL' } });
    const before = await auditCount();
    expect(
      (
        await t.http
          .put(LEAD)
          .set(await auth('root-admin'))
          .send({ department: 'DIGITAL' })
      ).status,
    ).toBe(200);
    expect(await auditCount()).toBe(before);
    expect(await check('apps_lead_department_named')).toMatchObject({ status: 'pass', count: 0 });
  });

  it.each([
    ['an unknown department', { department: 'NOWHERE' }],
    ['no department', {}],
    ['an extra property', { department: 'DIGITAL', by: 'me' }],
    ['a malformed code', { department: 'a b' }],
  ])('refuses %s with 400, changing nothing', async (_label, body) => {
    const before = await auditCount();
    expectProblem(
      await t.http
        .put(LEAD)
        .set(await auth('root-admin'))
        .send(body),
      400,
      'validation_failed',
    );
    expect(await auditCount()).toBe(before);
    expect((await t.http.get(LEAD).set(await auth('amy'))).body.department).toBe('DIGITAL');
  });

  it('lets only the lead department’s app managers approve entry and retire; the owning department’s cannot', async () => {
    const id = await newApp();
    expectProblem(await transition(id, 'approved', 'rita'), 403, 'forbidden');
    expect((await t.http.get(`/v1/apps/${id}`).set(await auth('amy'))).body.lifecycleState).toBe('proposed');
    expect((await transition(id, 'approved', 'dina')).status).toBe(200);
    // Development steps stay with the owning department: dina holds nothing in RETAIL.
    expectProblem(await transition(id, 'developing', 'dina'), 403, 'forbidden');
    expect((await transition(id, 'developing', 'rita')).status).toBe(200);
  });

  it('moves approval with the lead department when an administrator names another one', async () => {
    const id = await newApp();
    await t.http
      .put(LEAD)
      .set(await auth('root-admin'))
      .send({ department: 'RETAIL' })
      .expect(200);
    try {
      expectProblem(await transition(id, 'approved', 'dina'), 403, 'forbidden');
      expect((await transition(id, 'approved', 'rita')).status).toBe(200);
    } finally {
      await t.http
        .put(LEAD)
        .set(await auth('root-admin'))
        .send({ department: 'DIGITAL' })
        .expect(200);
    }
    expect((await auditOf('app.lead_department_set')).map((e) => e.details)).toEqual([
      { before: 'RETAIL', after: 'DIGITAL' },
      { before: 'DIGITAL', after: 'RETAIL' },
      { before: null, after: 'DIGITAL' },
    ]);
  });

  it('needs the business and technology owners before entry approval (409 naming what is missing)', async () => {
    const id = await newApp({ businessOwner: undefined, technologyOwner: undefined });
    const res = await transition(id, 'approved', 'dina');
    expectProblem(res, 409, 'owners_missing');
    expect(res.body.missing).toEqual(['businessOwner', 'technologyOwner']);
    await t.http
      .patch(`/v1/apps/${id}`)
      .set(await auth('amy'))
      .send({ businessOwner: 'Zhao Min' })
      .expect(200);
    expect((await transition(id, 'approved', 'dina')).body.missing).toEqual(['technologyOwner']);
    await t.http
      .patch(`/v1/apps/${id}`)
      .set(await auth('amy'))
      .send({ technologyOwner: 'Chen Jie' })
      .expect(200);
    expect((await transition(id, 'approved', 'dina')).status).toBe(200);
  });
});

describe('the responsibility matrix', () => {
  let id: string;
  beforeAll(async () => {
    id = await newApp();
  });

  it('is set by an app manager of the owning department, audited, and read per app', async () => {
    const res = await t.http
      .put(`/v1/apps/${id}/responsibility-matrix`)
      .set(await auth('rita'))
      .send(matrix);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      appId: id,
      businessOwner: 'Zhao Min',
      technologyOwner: 'Chen Jie',
      responsiblePerson: 'Li Wei',
      security: { department: 'DIGITAL', person: 'Sun Hao', setBy: 'rita' },
    });
    const got = await t.http
      .get(`/v1/apps/${id}/responsibility-matrix`)
      .set(await auth('dora'))
      .expect(200);
    expect(got.body).toEqual(res.body);
    const [event] = await auditOf('app.responsibility_matrix_set');
    expect(event).toMatchObject({ actorId: 'rita', details: { before: { business: null }, after: { data: { person: 'Qian Li' } } } });
  });

  it('refuses those who do not manage the app’s department', async () => {
    for (const who of ['dina', 'dora', 'erin'])
      expectProblem(
        await t.http
          .put(`/v1/apps/${id}/responsibility-matrix`)
          .set(await auth(who))
          .send(matrix),
        403,
        'forbidden',
      );
  });

  it.each([
    ['a missing area', { business: matrix.business, data: matrix.data, security: matrix.security }],
    ['an unknown department', { ...matrix, data: { department: 'NOWHERE', person: 'X' } }],
    ['an empty person', { ...matrix, security: { department: 'DIGITAL', person: '  ' } }],
    ['an unknown area', { ...matrix, legal: { department: 'RETAIL', person: 'Y' } }],
    ['an extra property in an area', { ...matrix, business: { ...matrix.business, phone: '1' } }],
  ])('refuses %s with 400, writing nothing', async (_label, body) => {
    const before = await auditCount();
    expectProblem(
      await t.http
        .put(`/v1/apps/${id}/responsibility-matrix`)
        .set(await auth('amy'))
        .send(body),
      400,
      'validation_failed',
    );
    expect(await auditCount()).toBe(before);
  });

  it('answers 404 for an unknown app', async () => {
    expectProblem(await t.http.get('/v1/apps/6f1c1f49-1d77-4b5e-8e3f-2d1f6e0b9a11/responsibility-matrix').set(await auth('amy')), 404);
  });

  it('is exported for every app not retired, as JSON and as CSV (one row per app and area)', async () => {
    const json = await t.http
      .get('/v1/reports/app-responsibility-matrix')
      .set(await auth('erin'))
      .expect(200);
    expect(json.body.leadDepartment).toBe('DIGITAL');
    const mine = json.body.apps.find((a: { appId: string }) => a.appId === id);
    expect(mine).toMatchObject({ business: { person: 'Zhao Min' }, operations: { person: 'Zhou Yu' } });
    const unset = json.body.apps.find((a: { appId: string; business: unknown }) => a.appId !== id && a.business === null);
    expect(unset).toBeDefined();

    const csv = await t.http
      .get('/v1/reports/app-responsibility-matrix')
      .set(await auth('amy'))
      .set('Accept', 'text/csv')
      .expect(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const rows = parse(csv.text, { columns: true }) as Array<Record<string, string>>;
    expect(rows.filter((r) => r.app_id === id).map((r) => [r.area, r.department, r.person])).toEqual([
      ['business', 'RETAIL', 'Zhao Min'],
      ['data', 'RETAIL', 'Qian Li'],
      ['security', 'DIGITAL', 'Sun Hao'],
      ['operations', 'DIGITAL', 'Zhou Yu'],
    ]);
    expect(rows).toHaveLength(json.body.apps.length * 4);
    expectProblem(await t.http.get('/v1/reports/app-responsibility-matrix').set(await auth('dora')), 403, 'forbidden');
    expect(
      (
        await t.http
          .get('/v1/reports/app-responsibility-matrix')
          .set(await auth('amy'))
          .set('Accept', 'application/xml')
      ).status,
    ).toBe(406);
  });

  it('counts apps without owners or a full matrix in the compliance report, with how many it examined', async () => {
    const res = await t.http
      .get('/v1/reports/compliance')
      .set(await auth('erin'))
      .expect(200);
    const apps = (await t.http.get('/v1/reports/app-responsibility-matrix').set(await auth('erin'))).body.apps as Array<{
      appId: string;
      business: unknown;
      businessOwner: unknown;
      technologyOwner: unknown;
    }>;
    const offenders = apps.filter((a) => a.business === null || a.businessOwner === null || a.technologyOwner === null);
    const found = (res.body.checks as Array<{ code: string }>).find((c) => c.code === 'apps_without_accountability');
    expect(found).toMatchObject({ status: 'fail', count: offenders.length });
    expect(await t.container.apps.compliance.withoutAccountability()).toMatchObject({ count: offenders.length, examined: apps.length });
    expect(apps.length).toBeGreaterThan(offenders.length);
  });
});
