import { createTestApp, expectProblem, type TestApp } from '../helpers/app';
import { APP_OWNERS, AppWorld, DAY, auditCount as countAuditEvents, dateDaysAgo } from '../helpers/app-world';
import { Factories } from '../helpers/factories';

// Maker-checker on app entry, and a release gate that names every unmet test kind and every open
// blocking finding. Maker-checker on release and exit is tested on fakes (test/unit/apps-lifecycle-rules.test.ts).

let t: TestApp;
let f: Factories;
let world: AppWorld;
const auth = async (sub: string) => ({ Authorization: `Bearer ${await t.staffToken(sub)}` });
const daysAgo = dateDaysAgo;
const at = (days: number) => new Date(Date.now() + days * DAY).toISOString();
const disposal = { dataDeleted: 'Device records erased', userNotice: 'SMS 30 days ahead', userNotifiedAt: at(-1) };

// Its business declared within the licence and reviewed (Notice item 8): the release gate asks for both.
const newApp = (as: string) => world.reviewedApp({ ...APP_OWNERS, filingNumber: f.unique('FN-') }, as);
// Retiring an app says how its data and users were dealt with.
const transition = (id: string, to: string, as: string) => world.transition(id, to, as, to === 'retired' ? { disposal } : {});
const step = (id: string, to: string, as: string) => world.step(id, to, as, to === 'retired' ? { disposal } : {});

async function securityTest(id: string, kind: string, result = 'pass', performedAt = daysAgo(1)) {
  const res = await t.http
    .post(`/v1/apps/${id}/security-tests`)
    .set(await auth('amy'))
    .send({ kind, performedAt, result, performer: 'QA Lab', reportReference: f.unique('R-') });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

const finding = async (id: string, body: Record<string, unknown>) =>
  t.http
    .post(`/v1/apps/${id}/vulnerabilities`)
    .set(await auth('amy'))
    .send({ title: 'Finding', severity: 'low', reportedAt: at(-2), dueAt: at(20), ...body });

const state = async (id: string) => (await t.http.get(`/v1/apps/${id}`).set(await auth('amy'))).body.lifecycleState as string;
const auditCount = () => countAuditEvents(t);

beforeAll(async () => {
  t = await createTestApp();
  f = new Factories(t);
  world = new AppWorld(t, f);
  await f.department('DIGITAL');
  await f.department('RETAIL');
  await t.http
    .put('/v1/app-management/lead-department')
    .set(await auth('root-admin'))
    .send({ department: 'DIGITAL' })
    .expect(200);
  for (const who of ['amy', 'ben', 'cat', 'dan']) await t.grantRole(who, 'app_manager', '*');
});
afterAll(() => t.close());

describe('maker-checker on the app lifecycle', () => {
  it('refuses the proposer approving their own app with 403 separation_of_duties, writing nothing; another manager approves', async () => {
    const id = await newApp('amy');
    const before = await auditCount();
    const res = await transition(id, 'approved', 'amy');
    expectProblem(res, 403, 'separation_of_duties');
    expect(res.body).toMatchObject({ step: 'approved', makerStep: 'proposed' });
    expect(res.body.detail).toContain('amy proposed the app');
    expect(await auditCount()).toBe(before);
    expect(await state(id)).toBe('proposed');
    await step(id, 'approved', 'ben');
    const got = await t.http.get(`/v1/apps/${id}`).set(await auth('amy'));
    expect(got.body.transitions[0]).toMatchObject({ to: 'approved', transitionedBy: 'ben' });
  });

  it('still answers an illegal transition with 409, whoever asks', async () => {
    const id = await newApp('amy');
    expectProblem(await transition(id, 'released', 'amy'), 409, 'illegal_transition');
  });
});

describe('release gate: every test kind and every blocking finding', () => {
  let id: string;
  const release = () => transition(id, 'released', 'ben');
  const unmet = (res: { body: { unmet?: Array<{ requirement: string; testKind?: string; findingId?: string }> } }) => res.body.unmet ?? [];

  beforeAll(async () => {
    id = await newApp('amy');
    await step(id, 'approved', 'ben');
    await step(id, 'developing', 'amy');
    await step(id, 'testing', 'amy');
  });

  it('refuses a failed compatibility test and an open privacy-review finding, naming both, writing nothing', async () => {
    await securityTest(id, 'penetration');
    await securityTest(id, 'compatibility', 'fail');
    const review = await securityTest(id, 'privacy_review');
    const privacyFinding = await finding(id, { title: 'SDK collects the device id before consent', securityTestId: review });
    expect(privacyFinding.status).toBe(201);
    expect(privacyFinding.body).toMatchObject({ testKind: 'privacy_review', securityTestId: review, blocksRelease: true, severity: 'low' });

    const before = await auditCount();
    const res = await release();
    expectProblem(res, 409, 'release_gate_failed');
    expect(unmet(res)).toEqual([
      expect.objectContaining({ requirement: 'compatibility_test_not_passed', testKind: 'compatibility' }),
      expect.objectContaining({ requirement: 'blocking_finding_open', findingId: privacyFinding.body.id }),
    ]);
    expect(res.body.detail).toContain('compatibility test');
    expect(res.body.detail).toContain('SDK collects the device id before consent');
    expect(await auditCount()).toBe(before);
    expect(await state(id)).toBe('testing');
  });

  it('names every open blocking finding, high and critical ones included, and not the non-blocking ones', async () => {
    const high = await finding(id, { title: 'Token in log', severity: 'high' });
    const critical = await finding(id, { title: 'SQL injection', severity: 'critical', testKind: 'penetration' });
    const low = await finding(id, { title: 'Verbose banner', severity: 'low', testKind: 'penetration' });
    const marked = await finding(id, { title: 'Crash on Android 10', severity: 'medium', testKind: 'compatibility', blocksRelease: true });
    expect([high.body.blocksRelease, critical.body.blocksRelease, low.body.blocksRelease, marked.body.blocksRelease]).toEqual([
      true,
      true,
      false,
      true,
    ]);
    const named = unmet(await release())
      .filter((u) => u.requirement === 'blocking_finding_open')
      .map((u) => u.findingId);
    expect(named).toEqual(expect.arrayContaining([high.body.id, critical.body.id, marked.body.id]));
    expect(named).toHaveLength(4);
    expect(named).not.toContain(low.body.id);

    const blocking = await t.http
      .get(`/v1/apps/${id}/vulnerabilities?blocksRelease=true`)
      .set(await auth('amy'))
      .expect(200);
    expect(blocking.body.items).toHaveLength(4);
    const notBlocking = await t.http
      .get(`/v1/apps/${id}/vulnerabilities?blocksRelease=false`)
      .set(await auth('amy'))
      .expect(200);
    expect(notBlocking.body.items.map((v: { id: string }) => v.id)).toEqual([low.body.id]);
  });

  it('releases once the compatibility test passes and every blocking finding is fixed, recording each test as evidence', async () => {
    const compat = await securityTest(id, 'compatibility', 'pass', daysAgo(0));
    const open = await t.http
      .get(`/v1/apps/${id}/vulnerabilities?blocksRelease=true`)
      .set(await auth('amy'))
      .expect(200);
    for (const v of open.body.items as Array<{ id: string }>) {
      await t.http
        .post(`/v1/apps/${id}/vulnerabilities/${v.id}/fix`)
        .set(await auth('amy'))
        .send({ evidence: 'Retest report R-9' })
        .expect(200);
    }
    const res = await release();
    expect(res.status).toBe(200);
    expect(res.body.transitions.at(-1).releaseEvidence).toMatchObject({
      compatibilityTest: { id: compat },
      privacyReview: { performedAt: daysAgo(1) },
    });
  });
});

describe('findings: bad input', () => {
  let id: string;
  beforeAll(async () => {
    id = await newApp('amy');
  });

  // The service's own refusals (a high finding marked not blocking, another app's test…) are tested on
  // fakes in test/unit/apps-security-rules.test.ts; here, what the request schema refuses.
  it.each([
    ['an unknown test kind', { testKind: 'smoke' }, 'body.testKind'],
    ['a non-boolean blocksRelease', { blocksRelease: 'yes' }, 'body.blocksRelease'],
    ['a malformed test id', { securityTestId: 'not-a-uuid' }, 'body.securityTestId'],
  ])('refuses %s with 400, writing nothing', async (_label, body, path) => {
    const before = await auditCount();
    const res = await finding(id, body);
    expectProblem(res, 400, 'validation_failed');
    expect(JSON.stringify(res.body.errors)).toContain(path);
    expect(await auditCount()).toBe(before);
  });

  it('refuses a bad blocksRelease filter', async () => {
    expectProblem(await t.http.get(`/v1/apps/${id}/vulnerabilities?blocksRelease=maybe`).set(await auth('amy')), 400, 'validation_failed');
  });
});
