import { createTestApp, expectProblem, type TestApp } from '../helpers/app';
import { AppWorld, auditCount as countAuditEvents } from '../helpers/app-world';
import { Factories } from '../helpers/factories';

// The Notice, item 8: the institution's licensed business scope and regions; each app's declared
// business, third-party cooperative business and product sales; a compliance review (reviewer not
// the app's proposer, declarer or business owner) that the release gate needs; the report's checks.

let t: TestApp;
let f: Factories;
const auth = async (sub: string) => ({ Authorization: `Bearer ${await t.staffToken(sub)}` });
const DAY = 86_400_000;
const date = (days: number) => new Date(Date.now() + days * DAY).toISOString().slice(0, 10);
const SCOPE = '/v1/app-management/licensed-scope';

const licence = (overrides: Record<string, unknown> = {}) => ({
  licenceReference: 'B0001H111000001',
  businessLines: [
    { code: 'personal_deposits', name: 'Personal deposits' },
    { code: 'wealth_management', name: 'Wealth management distribution' },
  ],
  regions: ['CN-BJ', 'CN-TJ'],
  ...overrides,
});
const partner = (overrides: Record<string, unknown> = {}) => ({
  name: 'Huaxia Insurance',
  cooperation: 'Insurance agency in the app',
  agreementReference: 'COOP-2026-017',
  agreementFrom: date(-100),
  agreementUntil: date(265),
  review: { on: date(-30), result: 'passed' },
  ...overrides,
});
const sale = (overrides: Record<string, unknown> = {}) => ({
  product: 'Steady Income No. 3',
  traceable: true,
  traceabilityMethod: 'In-app audio and video recording of the sales process (双录), kept 10 years',
  disclosureUrl: 'https://bank.example/disclosures/steady-income-3',
  ...overrides,
});
const profile = (overrides: Record<string, unknown> = {}) => ({
  businessLines: ['personal_deposits', 'wealth_management'],
  regions: ['CN-BJ'],
  partners: [partner()],
  productSales: [sale()],
  ...overrides,
});
const review = (overrides: Record<string, unknown> = {}) => ({
  reviewedOn: date(0),
  outcome: 'passed',
  summary: 'Deposits and wealth distribution in Beijing, within the licence',
  findings: [],
  ...overrides,
});

const newApp = (owningDepartment = 'RETAIL'): Promise<string> =>
  new AppWorld(t, f).newApp({ owningDepartment, businessOwner: 'bob', technologyOwner: 'Chen Jie', filingNumber: f.unique('FN-') });

const setScope = async (who: string, body: Record<string, unknown>) =>
  t.http
    .put(SCOPE)
    .set(await auth(who))
    .send(body);
const declare = async (id: string, body: Record<string, unknown>, who = 'rita') =>
  t.http
    .put(`/v1/apps/${id}/business-profile`)
    .set(await auth(who))
    .send(body);
const recordReview = async (id: string, body: Record<string, unknown>, who = 'cora') =>
  t.http
    .post(`/v1/apps/${id}/compliance-reviews`)
    .set(await auth(who))
    .send(body);
const transition = async (id: string, to: string, as: string) =>
  t.http
    .post(`/v1/apps/${id}/transitions`)
    .set(await auth(as))
    .send({ to });
async function step(id: string, to: string, as: string): Promise<void> {
  const res = await transition(id, to, as);
  if (res.status !== 200) throw new Error(`${to}: ${res.status} ${JSON.stringify(res.body)}`);
}

/** An app in testing with every test passed: only the business review stands between it and release. */
async function appInTesting(): Promise<string> {
  const id = await newApp();
  for (const kind of ['penetration', 'compatibility', 'privacy_review']) {
    await t.http
      .post(`/v1/apps/${id}/security-tests`)
      .set(await auth('amy'))
      .send({ kind, performedAt: date(-1), result: 'pass', performer: 'QA Lab', reportReference: f.unique('R-') })
      .expect(201);
  }
  await step(id, 'approved', 'ben');
  await step(id, 'developing', 'amy');
  await step(id, 'testing', 'amy');
  return id;
}

const auditCount = () => countAuditEvents(t);
const events = async (action: string, objectId?: string) =>
  (await t.container.audit.list({ action, ...(objectId ? { objectId } : {}) }, 20)) as Array<{
    actorId: string;
    objectId: string;
    details: Record<string, unknown>;
  }>;
const check = async (code: string) => {
  const res = await t.http
    .get('/v1/reports/compliance')
    .set(await auth('erin'))
    .expect(200);
  return (res.body.checks as Array<{ code: string; status: string; count: number; examined: number; examples: string[] }>).find(
    (c) => c.code === code,
  );
};
const unmetOf = (body: { unmet?: Array<{ requirement: string }> }) => (body.unmet ?? []).map((u) => u.requirement);

beforeAll(async () => {
  t = await createTestApp();
  f = new Factories(t);
  await f.department('DIGITAL');
  await f.department('RETAIL');
  await f.department('CARDS');
  await t.http
    .put('/v1/app-management/lead-department')
    .set(await auth('root-admin'))
    .send({ department: 'DIGITAL' })
    .expect(200);
  for (const who of ['amy', 'ben']) await t.grantRole(who, 'app_manager', '*');
  await t.grantRole('rita', 'app_manager', 'RETAIL');
  await t.grantRole('carl', 'app_manager', 'CARDS');
  await t.grantRole('cora', 'compliance_officer', '*');
  await t.grantRole('cody', 'compliance_officer', 'RETAIL');
  await t.grantRole('cleo', 'compliance_officer', 'CARDS');
  // rita declares; she also holds the compliance role in RETAIL: separation of duties must stop her.
  await t.grantRole('rita', 'compliance_officer', 'RETAIL');
  // amy proposes every app here; bob is named the business owner.
  await t.grantRole('amy', 'compliance_officer', '*');
  await t.grantRole('bob', 'compliance_officer', '*');
  await t.grantRole('erin', 'auditor', '*');
  await t.grantRole('aud', 'auditor', 'RETAIL');
  await t.grantRole('dora', 'data_owner', 'RETAIL');
  await t.grantRole('root-admin', 'admin', '*');
});
afterAll(() => t.close());

describe('the licensed scope', () => {
  it('is empty until set; refused to everyone but compliance officers holding the role everywhere, and to bad input, writing nothing', async () => {
    expect(
      (
        await t.http
          .get(SCOPE)
          .set(await auth('rita'))
          .expect(200)
      ).body,
    ).toEqual({
      licenceReference: null,
      businessLines: [],
      regions: [],
      setBy: null,
      setAt: null,
    });
    const before = await auditCount();
    // A compliance officer of one department, an administrator, app managers, an auditor, a data owner.
    for (const who of ['cody', 'root-admin', 'rita', 'ben', 'erin', 'dora'])
      expectProblem(await setScope(who, licence()), 403, 'forbidden');
    const bad: Array<[string, Record<string, unknown>]> = [
      ['unknown region', licence({ regions: ['CN-XX'] })],
      ['lower-case region', licence({ regions: ['cn-bj'] })],
      ['region twice', licence({ regions: ['CN-BJ', 'CN-BJ'] })],
      ['no regions', licence({ regions: [] })],
      ['no business lines', licence({ businessLines: [] })],
      [
        'line twice',
        licence({
          businessLines: [
            { code: 'cards', name: 'A' },
            { code: 'cards', name: 'B' },
          ],
        }),
      ],
      ['bad line code', licence({ businessLines: [{ code: 'Cards!', name: 'Cards' }] })],
      ['unknown field', { ...licence(), extra: true }],
      ['no licence reference', licence({ licenceReference: '' })],
    ];
    for (const [label, body] of bad) {
      const res = await setScope('cora', body);
      expect({ label, status: res.status, code: res.body.code }).toEqual({ label, status: 400, code: 'validation_failed' });
    }
    expect(await auditCount()).toBe(before);
    expect(
      (
        await t.http
          .get(SCOPE)
          .set(await auth('erin'))
          .expect(200)
      ).body.setAt,
    ).toBeNull();
  });

  it('is set by a bank-wide compliance officer, audited with before and after; the same scope again writes nothing', async () => {
    const first = await setScope('cora', licence({ regions: ['CN-BJ'] }));
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ licenceReference: 'B0001H111000001', regions: ['CN-BJ'], setBy: 'cora' });
    await setScope('cora', licence()).then((r) => expect(r.status).toBe(200));
    const count = await auditCount();
    await setScope('cora', licence()).then((r) => expect(r.body.regions).toEqual(['CN-BJ', 'CN-TJ']));
    expect(await auditCount()).toBe(count);
    const [latest, earlier] = await events('app.licensed_scope_set');
    expect(latest).toMatchObject({ actorId: 'cora', details: { before: { regions: ['CN-BJ'] }, after: { regions: ['CN-BJ', 'CN-TJ'] } } });
    expect(earlier.details.before).toBeNull();
    for (const reader of ['rita', 'erin', 'dora', 'root-admin', 'cody'])
      await t.http
        .get(SCOPE)
        .set(await auth(reader))
        .expect(200);
  });
});

describe('an app’s business profile', () => {
  it('is declared by the owning department’s app manager, flagged where it leaves the licence, and audited with before and after', async () => {
    const id = await newApp();
    expectProblem(await t.http.get(`/v1/apps/${id}/business-profile`).set(await auth('rita')), 404, 'not_found');
    const res = await declare(id, profile({ regions: ['CN-BJ', 'CN-GD'], businessLines: ['personal_deposits', 'credit_cards'] }));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      appId: id,
      outsideLicence: { businessLines: ['credit_cards'], regions: ['CN-GD'] },
      withinLicence: false,
      declaredBy: 'rita',
      partners: [{ name: 'Huaxia Insurance', current: true }],
      productSales: [{ product: 'Steady Income No. 3', traceable: true }],
    });
    const within = await declare(id, profile());
    expect(within.body).toMatchObject({ outsideLicence: { businessLines: [], regions: [] }, withinLicence: true });
    for (const reader of ['aud', 'dora', 'erin', 'cody']) {
      expect((await t.http.get(`/v1/apps/${id}/business-profile`).set(await auth(reader))).body.withinLicence).toBe(true);
    }
    const [latest, first] = await events('app.business_profile_declared', id);
    expect(first.details.before).toBeNull();
    expect(latest.details).toMatchObject({ before: { regions: ['CN-BJ', 'CN-GD'] }, after: { regions: ['CN-BJ'] } });
  });

  it('marks a partner whose agreement has ended or whose review is missing, failed or stale as not current', async () => {
    const id = await newApp();
    const res = await declare(
      id,
      profile({
        partners: [
          partner({ name: 'Ended', agreementFrom: date(-400), agreementUntil: date(-1) }),
          partner({ name: 'Never reviewed', review: null }),
          partner({ name: 'Failed review', review: { on: date(-10), result: 'failed' } }),
          partner({ name: 'Stale review', review: { on: date(-400), result: 'passed' } }),
          partner({ name: 'Not yet started', agreementFrom: date(5), agreementUntil: date(100) }),
          partner({ name: 'Current' }),
        ],
      }),
    );
    expect(res.status).toBe(200);
    expect(Object.fromEntries(res.body.partners.map((p: { name: string; current: boolean }) => [p.name, p.current]))).toEqual({
      Current: true,
      Ended: false,
      'Failed review': false,
      'Never reviewed': false,
      'Not yet started': false,
      'Stale review': false,
    });
  });

  it('is refused to other departments, compliance officers, readers and bad input, writing nothing', async () => {
    const id = await newApp();
    const before = await auditCount();
    for (const who of ['carl', 'cora', 'cody', 'aud', 'dora', 'erin']) {
      expectProblem(await declare(id, profile(), who), 403, 'forbidden');
    }
    const bad: Array<[string, Record<string, unknown>]> = [
      ['agreement ends before it starts', profile({ partners: [partner({ agreementFrom: date(10), agreementUntil: date(1) })] })],
      ['partner review in the future', profile({ partners: [partner({ review: { on: date(3), result: 'passed' } })] })],
      ['partner twice', profile({ partners: [partner(), partner({ name: 'huaxia insurance' })] })],
      ['traceable without a method', profile({ productSales: [sale({ traceabilityMethod: undefined })] })],
      ['method on an untraceable sale', profile({ productSales: [sale({ traceable: false })] })],
      ['disclosure over http', profile({ productSales: [sale({ disclosureUrl: 'http://bank.example/d' })] })],
      ['disclosure not a URL', profile({ productSales: [sale({ disclosureUrl: 'see branch' })] })],
      ['product twice', profile({ productSales: [sale(), sale()] })],
      ['unknown region', profile({ regions: ['CN-XX'] })],
      ['no regions', profile({ regions: [] })],
      ['no business lines', profile({ businessLines: [] })],
      ['partners missing', { businessLines: ['personal_deposits'], regions: ['CN-BJ'], productSales: [] }],
    ];
    for (const [label, body] of bad) {
      const res = await declare(id, body);
      expect({ label, status: res.status, code: res.body.code }).toEqual({ label, status: 400, code: 'validation_failed' });
    }
    expect(await auditCount()).toBe(before);
    expectProblem(await declare('00000000-0000-4000-8000-000000000000', profile(), 'amy'), 404);
  });
});

describe('the compliance review', () => {
  it('needs a declared business, and is refused to the app’s proposer, declarer and business owner even when they hold the role', async () => {
    const id = await newApp();
    expectProblem(await recordReview(id, review()), 409, 'business_profile_missing');
    await declare(id, profile()).then((r) => expect(r.status).toBe(200));
    const before = await auditCount();
    for (const [who, conflict] of [
      ['amy', 'proposed the app'],
      ['rita', 'declared its business'],
      ['bob', 'owns its business'],
    ]) {
      const res = await recordReview(id, review(), who);
      expectProblem(res, 403, 'separation_of_duties');
      expect(res.body.conflict).toBe(conflict);
    }
    for (const who of ['cleo', 'ben', 'carl', 'erin', 'dora']) expectProblem(await recordReview(id, review(), who), 403, 'forbidden');
    expect(await auditCount()).toBe(before);
  });

  it('refuses bad input and a pass for business outside the licence, writing nothing', async () => {
    const id = await newApp();
    await declare(id, profile({ regions: ['CN-BJ', 'CN-SH'] })).then((r) => expect(r.status).toBe(200));
    const before = await auditCount();
    const outside = await recordReview(id, review());
    expectProblem(outside, 409, 'outside_licensed_scope');
    expect(outside.body.outsideLicence).toEqual({ businessLines: [], regions: ['CN-SH'] });
    const bad: Array<[string, Record<string, unknown>]> = [
      ['failed without findings', review({ outcome: 'failed' })],
      ['review in the future', review({ reviewedOn: date(3) })],
      ['finding due before the review', review({ findings: [{ title: 'Fix', dueOn: date(-1) }] })],
      ['unknown outcome', review({ outcome: 'conditional' })],
      ['empty summary', review({ summary: ' ' })],
      ['no findings list', { reviewedOn: date(0), outcome: 'passed', summary: 'ok' }],
    ];
    for (const [label, body] of bad) {
      const res = await recordReview(id, body);
      expect({ label, status: res.status, code: res.body.code }).toEqual({ label, status: 400, code: 'validation_failed' });
    }
    expect(await auditCount()).toBe(before);
    // Failing the app for serving outside the licence is what the review is for.
    const failed = await recordReview(id, review({ outcome: 'failed', findings: [{ title: 'Stop serving Shanghai', dueOn: date(30) }] }));
    expect(failed.status).toBe(201);
    expect(failed.body).toMatchObject({ outcome: 'failed', examined: { regions: ['CN-BJ', 'CN-SH'] }, reviewedBy: 'cora' });
  });

  it('is recorded by a compliance officer of the owning department, audited, listed latest first, and its findings closed with evidence', async () => {
    const id = await newApp();
    const other = await newApp('CARDS');
    await declare(id, profile()).then((r) => expect(r.status).toBe(200));
    const res = await recordReview(
      id,
      review({ reviewedOn: date(-5), findings: [{ title: 'Publish the fee schedule beside the product', dueOn: date(25) }] }),
      'cody',
    );
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ outcome: 'passed', reviewedBy: 'cody', findings: [{ overdue: false, closedAt: null }] });
    const findingId = res.body.findings[0].id as string;
    const [event] = await events('app.compliance_review_recorded', res.body.id);
    expect(event).toMatchObject({
      actorId: 'cody',
      details: { appId: id, outcome: 'passed', findings: [{ id: findingId, dueOn: date(25) }] },
    });
    await recordReview(id, review(), 'cora').then((r) => expect(r.status).toBe(201));
    const list = await t.http
      .get(`/v1/apps/${id}/compliance-reviews`)
      .set(await auth('aud'))
      .expect(200);
    expect(list.body.items.map((r: { reviewedBy: string }) => r.reviewedBy)).toEqual(['cora', 'cody']);
    const page = await t.http
      .get(`/v1/apps/${id}/compliance-reviews?limit=1`)
      .set(await auth('aud'))
      .expect(200);
    const next = await t.http
      .get(`/v1/apps/${id}/compliance-reviews?limit=1&cursor=${page.body.nextCursor}`)
      .set(await auth('aud'))
      .expect(200);
    expect(next.body.items.map((r: { reviewedBy: string }) => r.reviewedBy)).toEqual(['cody']);

    const close = async (app: string, who: string, body: Record<string, unknown> = { evidence: 'Fee schedule published, ticket C-17' }) =>
      t.http
        .post(`/v1/apps/${app}/compliance-findings/${findingId}/close`)
        .set(await auth(who))
        .send(body);
    for (const who of ['ben', 'cleo', 'aud']) expectProblem(await close(id, who), 403, 'forbidden');
    expectProblem(await close(id, 'cody', { evidence: '' }), 400, 'validation_failed');
    expectProblem(await close(other, 'cora'), 404);
    const closed = await close(id, 'cody');
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({ closedBy: 'cody', evidence: 'Fee schedule published, ticket C-17', overdue: false });
    expectProblem(await close(id, 'cora'), 409, 'finding_already_closed');
    const [closedEvent] = await events('app.compliance_finding_closed', findingId);
    expect(closedEvent.details).toMatchObject({ appId: id, late: false });
    // The review itself is evidence: the table refuses changes.
    await expect(t.container.db('app_compliance_reviews').where({ app_id: id }).update({ outcome: 'failed' })).rejects.toThrow(
      /append-only/,
    );
  });
});

describe('the release gate', () => {
  it('names the missing declaration and review, business outside the licence, a failed or stale review, and overdue findings', async () => {
    const id = await appInTesting();
    const release = () => transition(id, 'released', 'ben');
    let res = await release();
    expectProblem(res, 409, 'release_gate_failed');
    expect(unmetOf(res.body)).toEqual(['business_profile_missing', 'compliance_review_missing']);

    await declare(id, profile({ regions: ['CN-BJ', 'CN-GD'] }));
    res = await release();
    expect(unmetOf(res.body)).toEqual(['business_outside_licence', 'compliance_review_missing']);
    expect(res.body.unmet[0].detail).toContain('CN-GD');

    await declare(id, profile());
    await recordReview(id, review({ reviewedOn: date(-400) })).then((r) => expect(r.status).toBe(201));
    res = await release();
    expect(unmetOf(res.body)).toEqual(['compliance_review_expired']);

    await recordReview(
      id,
      review({ reviewedOn: date(-100), outcome: 'failed', findings: [{ title: 'Disclosure missing', dueOn: date(20) }] }),
    );
    res = await release();
    expect(unmetOf(res.body)).toEqual(['compliance_review_not_passed']);

    const passed = await recordReview(
      id,
      review({ reviewedOn: date(-60), findings: [{ title: 'Record the sales process of the insurance product', dueOn: date(-30) }] }),
    );
    const audited = await auditCount();
    res = await release();
    expect(res.body.unmet).toEqual([
      expect.objectContaining({ requirement: 'compliance_finding_overdue', complianceFindingId: passed.body.findings[0].id }),
    ]);
    expect(await auditCount()).toBe(audited);

    await t.http
      .post(`/v1/apps/${id}/compliance-findings/${passed.body.findings[0].id}/close`)
      .set(await auth('cora'))
      .send({ evidence: 'Recording enabled in release 2.3' })
      .expect(200);
    const [closedEvent] = await events('app.compliance_finding_closed', passed.body.findings[0].id);
    expect(closedEvent.details.late).toBe(true);
    // Tianjin is licensed, but the passing review examined Beijing only: serving Tianjin needs a new review.
    await declare(id, profile({ regions: ['CN-BJ', 'CN-TJ'] })).then((r) => expect(r.body.withinLicence).toBe(true));
    res = await release();
    expect(unmetOf(res.body)).toEqual(['compliance_review_outdated']);
    expect(res.body.unmet[0].detail).toContain('CN-TJ');
    await declare(id, profile());
    res = await release();
    expect(res.status).toBe(200);
    expect(res.body.lifecycleState).toBe('released');
  });
});

describe('the compliance report', () => {
  it('counts apps outside the licence, partners without a current agreement or review, untraceable sales and apps without a current review', async () => {
    const id = await appInTesting();
    await f.businessReviewed(id);
    await step(id, 'released', 'ben');
    // In service now: this app, and the one the release-gate test released (it sells one traceable product).
    expect(await check('apps_outside_licensed_scope')).toMatchObject({ status: 'pass', examined: 2, count: 0 });
    expect(await check('apps_without_compliance_review')).toMatchObject({ status: 'pass', examined: 2, count: 0 });
    expect(await check('apps_with_untraceable_sales')).toMatchObject({ status: 'pass', examined: 1, count: 0 });

    const before = (await check('app_partners_without_current_agreement')) as { examined: number; count: number };
    const declared = await declare(
      id,
      profile({
        regions: ['CN-BJ', 'CN-ZJ'],
        partners: [
          partner({ name: 'Expired Partner', agreementUntil: date(-2), agreementFrom: date(-300) }),
          partner({ name: 'Good Partner' }),
        ],
        productSales: [sale(), sale({ product: 'Unrecorded Fund', traceable: false, traceabilityMethod: undefined })],
      }),
      'amy',
    );
    expect(declared.status).toBe(200);
    const expired = (declared.body.partners as Array<{ id: string; name: string }>).find((p) => p.name === 'Expired Partner')?.id;

    expect(await check('apps_outside_licensed_scope')).toMatchObject({ status: 'fail', examined: 2, count: 1, examples: [id] });
    expect(await check('apps_with_untraceable_sales')).toMatchObject({ status: 'fail', examined: 2, count: 1, examples: [id] });
    const partners = await check('app_partners_without_current_agreement');
    expect(partners).toMatchObject({ status: 'fail', examined: before.examined + 2, count: before.count + 1 });
    expect(partners?.examples).toContain(expired);
    const labelled = await t.http
      .get('/v1/reports/compliance?lang=en')
      .set(await auth('erin'))
      .expect(200);
    const partnerCheck = (labelled.body.checks as Array<{ code: string; exampleLabels: Array<{ id: string; label: string }> }>).find(
      (c) => c.code === 'app_partners_without_current_agreement',
    );
    expect(partnerCheck?.exampleLabels).toContainEqual({ id: expired, label: expect.stringMatching(/^Expired Partner · App /) });

    // A year on, both reviews are stale: the check (asked at that time) finds both apps.
    const later = await t.container.apps.businessReview.compliance.withoutCurrentReview(new Date(Date.now() + 400 * DAY));
    expect(later).toMatchObject({ examined: 2, count: 2 });
    expect(later.examples).toContain(id);
  });
});
