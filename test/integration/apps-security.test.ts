import { parse } from 'csv-parse/sync';
import { createTestApp, expectProblem, type TestApp } from '../helpers/app';
import { APP_OWNERS, AppWorld, auditCount as countAuditEvents } from '../helpers/app-world';
import { Factories } from '../helpers/factories';

// Thresholds from configuration: the report must use these, not the defaults (1000 and 3).
const env = { APP_LOW_ACTIVITY_MAU: '500', APP_POOR_SATISFACTION_BELOW: '3.5' };

let t: TestApp;
let f: Factories;
let world: AppWorld;
const auth = async (sub: string) => ({ Authorization: `Bearer ${await t.staffToken(sub)}` });
const DAY = 86_400_000;
const daysAgo = (n: number) => new Date(Date.now() - n * DAY).toISOString().slice(0, 10);
const at = (days: number) => new Date(Date.now() + days * DAY).toISOString();

const newApp = (overrides: Record<string, unknown> = {}) =>
  world.newApp({ ...APP_OWNERS, monthlyActiveUsers: 50_000, satisfaction: 4.5, ...overrides });

async function securityTest(id: string, body: Record<string, unknown>) {
  return t.http
    .post(`/v1/apps/${id}/security-tests`)
    .set(await auth('amy'))
    .send({
      kind: 'penetration',
      performedAt: daysAgo(1),
      result: 'pass',
      performer: 'Red Team Ltd',
      reportReference: f.unique('PT-'),
      ...body,
    });
}

async function vulnerability(id: string, body: Record<string, unknown>) {
  return t.http
    .post(`/v1/apps/${id}/vulnerabilities`)
    .set(await auth('amy'))
    .send({ title: 'Token in log', severity: 'high', reportedAt: at(-10), dueAt: at(20), ...body });
}

/** Enters an app and takes it to released (filing number, fresh passed tests of every kind). */
async function liveApp(overrides: Record<string, unknown> = {}): Promise<string> {
  const id = await newApp({ filingNumber: f.unique('FN-'), ...overrides });
  for (const kind of ['penetration', 'compatibility', 'privacy_review']) expect((await securityTest(id, { kind })).status).toBe(201);
  await f.businessReviewed(id);
  for (const to of ['approved', 'developing', 'testing', 'released']) {
    // Maker-checker: amy proposed the app, so ben approves and releases it.
    const res = await t.http
      .post(`/v1/apps/${id}/transitions`)
      .set(await auth(to === 'approved' || to === 'released' ? 'ben' : 'amy'))
      .send({ to });
    if (res.status !== 200) throw new Error(`${to}: ${res.status} ${JSON.stringify(res.body)}`);
  }
  return id;
}

const auditCount = () => countAuditEvents(t);

beforeAll(async () => {
  t = await createTestApp({ env });
  f = new Factories(t);
  world = new AppWorld(t, f);
  await f.department('DIGITAL');
  await f.department('RETAIL');
  await t.http
    .put('/v1/app-management/lead-department')
    .set(await auth('root-admin'))
    .send({ department: 'DIGITAL' })
    .expect(200);
  await f.department('CORP');
  await t.grantRole('amy', 'app_manager', '*');
  await t.grantRole('ben', 'app_manager', '*');
  await t.grantRole('audrey', 'auditor', '*');
  await t.grantRole('dora', 'data_owner', 'RETAIL');
});
afterAll(() => t.close());

describe('security tests', () => {
  it('records tests (audited) and lists them most recently performed first, filtered and paged', async () => {
    const id = await newApp();
    const older = await securityTest(id, { performedAt: daysAgo(30), result: 'fail' });
    expect(older.status).toBe(201);
    expect(older.body).toMatchObject({
      appId: id,
      kind: 'penetration',
      performedAt: daysAgo(30),
      result: 'fail',
      performer: 'Red Team Ltd',
      recordedBy: 'amy',
    });
    const review = await securityTest(id, { kind: 'privacy_review', performedAt: daysAgo(5), result: 'conditional' });
    const compat = await securityTest(id, { kind: 'compatibility', performedAt: daysAgo(2) });

    const as = await auth('audrey');
    const all = await t.http.get(`/v1/apps/${id}/security-tests`).set(as).expect(200);
    expect(all.body.items.map((x: { id: string }) => x.id)).toEqual([compat.body.id, review.body.id, older.body.id]);
    const pen = await t.http.get(`/v1/apps/${id}/security-tests?kind=penetration`).set(as).expect(200);
    expect(pen.body.items.map((x: { id: string }) => x.id)).toEqual([older.body.id]);
    const page1 = await t.http.get(`/v1/apps/${id}/security-tests?limit=2`).set(as).expect(200);
    const page2 = await t.http.get(`/v1/apps/${id}/security-tests?limit=2&cursor=${page1.body.nextCursor}`).set(as).expect(200);
    expect([...page1.body.items, ...page2.body.items].map((x: { id: string }) => x.id)).toEqual(
      all.body.items.map((x: { id: string }) => x.id),
    );
    expect(page2.body.nextCursor).toBeNull();

    const audit = await t.http.get(`/v1/audit?objectType=app&objectId=${id}`).set(as).expect(200);
    expect(audit.body.items.filter((e: { action: string }) => e.action === 'app.security_test_recorded')).toHaveLength(3);
  });
});

describe('vulnerabilities', () => {
  it('are open, overdue or fixed; a fix needs evidence and is recorded once', async () => {
    const id = await newApp();
    const open = await vulnerability(id, { title: 'Weak TLS', severity: 'medium' });
    expect(open.status).toBe(201);
    expect(open.body).toMatchObject({ status: 'open', fixedAt: null, fixEvidence: null, severity: 'medium', recordedBy: 'amy' });
    const late = await vulnerability(id, { title: 'SQL injection', severity: 'critical', reportedAt: at(-40), dueAt: at(-10) });
    expect(late.body.status).toBe('overdue');

    const as = await auth('audrey');
    const overdue = await t.http.get(`/v1/apps/${id}/vulnerabilities?status=overdue`).set(as).expect(200);
    expect(overdue.body.items.map((v: { id: string }) => v.id)).toEqual([late.body.id]);

    const fixedAt = at(-1);
    const fixed = await t.http
      .post(`/v1/apps/${id}/vulnerabilities/${late.body.id}/fix`)
      .set(await auth('amy'))
      .send({ evidence: 'Retest report PT-2026-11 shows parameterised queries', fixedAt });
    expect(fixed.status).toBe(200);
    expect(fixed.body).toMatchObject({
      status: 'fixed',
      fixedBy: 'amy',
      fixEvidence: 'Retest report PT-2026-11 shows parameterised queries',
      fixedAt,
    });
    const audit = await t.http.get(`/v1/audit?objectType=app&objectId=${id}`).set(as).expect(200);
    expect(audit.body.items[0]).toMatchObject({
      action: 'app.vulnerability_fixed',
      details: { vulnerability: late.body.id, overdue: true },
    });

    const other = await newApp();
    const before = await auditCount();
    expectProblem(
      await t.http
        .post(`/v1/apps/${id}/vulnerabilities/${late.body.id}/fix`)
        .set(await auth('amy'))
        .send({ evidence: 'again' }),
      409,
      'vulnerability_already_fixed',
    );
    expectProblem(
      await t.http
        .post(`/v1/apps/${id}/vulnerabilities/${open.body.id}/fix`)
        .set(await auth('amy'))
        .send({ evidence: 'x', fixedAt: at(-30) }),
      400,
      'validation_failed',
    );
    expectProblem(
      await t.http
        .post(`/v1/apps/${other}/vulnerabilities/${open.body.id}/fix`)
        .set(await auth('amy'))
        .send({ evidence: 'x' }),
      404,
      'not_found',
    );
    expect(await auditCount()).toBe(before);

    const list = await t.http.get(`/v1/apps/${id}/vulnerabilities`).set(as).expect(200);
    expect(list.body.items.map((v: { id: string; status: string }) => [v.id, v.status])).toEqual([
      [open.body.id, 'open'],
      [late.body.id, 'fixed'],
    ]);
    const fixedOnly = await t.http.get(`/v1/apps/${id}/vulnerabilities?status=fixed&severity=critical`).set(as).expect(200);
    expect(fixedOnly.body.items).toHaveLength(1);
  });
});

describe('compliance facts about apps', () => {
  it('counts apps in service without a filing number or a recent passed penetration test, and overdue vulnerabilities', async () => {
    const facts = t.container.apps.compliance;
    const base = {
      filing: await facts.releasedWithoutFilingNumber(),
      pen: await facts.releasedWithoutRecentPenetrationTest(),
      overdue: await facts.overdueVulnerabilities(),
    };
    const good = await liveApp();
    const stale = await liveApp();
    // Its release was fine; its most recent penetration test has since failed.
    expect((await securityTest(stale, { performedAt: daysAgo(0), result: 'fail' })).status).toBe(201);
    // Filing numbers cannot be dropped through the API once live; the check still guards the table.
    const noFiling = await liveApp();
    await t.container.db('apps').where({ id: noFiling }).update({ filing_number: null });
    const notLive = await newApp();
    const late = await vulnerability(good, { reportedAt: at(-30), dueAt: at(-1) });
    await vulnerability(notLive, { reportedAt: at(-30), dueAt: at(-2) });
    await vulnerability(good, { reportedAt: at(-30), dueAt: at(5) });

    const filing = await facts.releasedWithoutFilingNumber();
    expect(filing.count).toBe(base.filing.count + 1);
    expect(filing.examples).toContain(noFiling);
    const pen = await facts.releasedWithoutRecentPenetrationTest();
    expect(pen.count).toBe(base.pen.count + 1);
    expect(pen.examples).toEqual(expect.arrayContaining([stale]));
    expect(pen.examples).not.toContain(good);
    // A year on, every one of those tests is out of date.
    const nextYear = await facts.releasedWithoutRecentPenetrationTest(new Date(Date.now() + 400 * DAY));
    expect(nextYear.examples).toEqual(expect.arrayContaining([good, stale, noFiling]));
    const overdue = await facts.overdueVulnerabilities();
    expect(overdue.count).toBe(base.overdue.count + 2);
    expect(overdue.examples).toContain(late.body.id);
    expect((await facts.overdueVulnerabilities(new Date(), 1)).examples).toHaveLength(1);
  });
});

describe('app consolidation report', () => {
  let quiet: string;
  let unloved: string;
  let internalTwin: string;
  let vulnerable: string;
  let healthy: string;
  let critical: string;

  beforeAll(async () => {
    quiet = await liveApp({
      name: 'Quiet, "Lite" App',
      monthlyActiveUsers: 120,
      satisfaction: 4.8,
      businessScenarios: ['credit_card', 'loans'],
    });
    unloved = await liveApp({ name: 'Card Hub', monthlyActiveUsers: 90_000, satisfaction: 2.9, businessScenarios: ['credit_card'] });
    internalTwin = await liveApp({ name: 'Staff Cards', audience: 'internal', businessScenarios: ['credit_card', 'loans'] });
    vulnerable = await liveApp({ name: 'Wealth Plus', monthlyActiveUsers: 20_000, satisfaction: 3.5, businessScenarios: ['wealth'] });
    healthy = await liveApp({ name: 'Healthy', monthlyActiveUsers: 500, satisfaction: 3.5, businessScenarios: ['insurance'] });
    await newApp({ name: 'Not Yet Live', monthlyActiveUsers: 0, satisfaction: 1, businessScenarios: ['credit_card'] });
    critical = (await vulnerability(vulnerable, { severity: 'critical', reportedAt: at(-20), dueAt: at(-5) })).body.id;
    await vulnerability(vulnerable, { severity: 'low' });
    const fixedHigh = (await vulnerability(vulnerable, { severity: 'high' })).body.id;
    await t.http
      .post(`/v1/apps/${vulnerable}/vulnerabilities/${fixedHigh}/fix`)
      .set(await auth('amy'))
      .send({ evidence: 'retest' })
      .expect(200);
    await vulnerability(healthy, { severity: 'medium' });
  });

  const candidateOf = (body: { candidates: Array<{ app: { id: string }; reasons: unknown[] }> }, id: string) =>
    body.candidates.find((c) => c.app.id === id);

  it('lists each app in service with its reasons and numbers, using the configured thresholds', async () => {
    const res = await t.http
      .get('/v1/reports/app-consolidation')
      .set(await auth('audrey'))
      .expect(200);
    expect(res.headers.vary).toContain('Accept');
    expect(res.body.thresholds).toEqual({ lowActivityMau: 500, poorSatisfactionBelow: 3.5 });
    expect(
      res.body.candidates.every((c: { app: { lifecycleState: string } }) =>
        ['released', 'operating', 'consolidating'].includes(c.app.lifecycleState),
      ),
    ).toBe(true);
    expect(res.body.candidates.map((c: { app: { name: string } }) => c.app.name)).not.toContain('Not Yet Live');

    expect(candidateOf(res.body, quiet)?.reasons).toEqual([
      { code: 'low_activity', detail: '120 monthly active users, below the threshold of 500', monthlyActiveUsers: 120, threshold: 500 },
      {
        code: 'overlapping_scenarios',
        detail: 'shares credit_card with Card Hub',
        overlaps: [{ appId: unloved, appName: 'Card Hub', scenarios: ['credit_card'] }],
      },
    ]);
    expect(candidateOf(res.body, unloved)?.reasons).toEqual([
      { code: 'poor_satisfaction', detail: 'satisfaction 2.9 of 5, below 3.5', satisfaction: 2.9, threshold: 3.5 },
      {
        code: 'overlapping_scenarios',
        detail: 'shares credit_card with Quiet, "Lite" App',
        overlaps: [{ appId: quiet, appName: 'Quiet, "Lite" App', scenarios: ['credit_card'] }],
      },
    ]);
    // Same scenarios, other audience: not an overlap.
    expect(candidateOf(res.body, internalTwin)).toBeUndefined();
    expect(candidateOf(res.body, vulnerable)?.reasons).toEqual([
      {
        code: 'open_high_severity_vulnerabilities',
        detail: '1 critical and 0 high vulnerabilities open, 1 of them overdue',
        high: 0,
        critical: 1,
        overdue: 1,
        vulnerabilities: [critical],
      },
    ]);
    // At the thresholds (500 users, 3.5) and with only a medium vulnerability: not a candidate.
    expect(candidateOf(res.body, healthy)).toBeUndefined();
  });

  // That no app name reaches a spreadsheet as a live formula is tested on fakes (test/unit/apps-ledger-rules.test.ts).
  it('exports RFC 4180 CSV, one row per app and reason, escaping commas, quotes and line breaks', async () => {
    const third = await liveApp({ name: 'Card Lite', businessScenarios: ['credit_card'] });
    const json = await t.http
      .get('/v1/reports/app-consolidation')
      .set(await auth('amy'))
      .expect(200);
    const res = await t.http
      .get('/v1/reports/app-consolidation')
      .set(await auth('amy'))
      .set('Accept', 'text/csv')
      .expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toContain('app-consolidation.csv');
    expect(res.text).toContain('"Quiet, ""Lite"" App"');
    expect(res.text).toContain('"shares credit_card with Card Hub\nshares credit_card with Card Lite"');
    const rows = parse(res.text, { columns: true }) as Array<Record<string, string>>;
    const expected = json.body.candidates.flatMap(
      (c: { app: { id: string; name: string }; reasons: Array<{ code: string; detail: string }> }) =>
        c.reasons.map((r) => ({ app_id: c.app.id, app_name: c.app.name, reason: r.code, detail: r.detail })),
    );
    expect(rows.map((r) => ({ app_id: r.app_id, app_name: r.app_name, reason: r.reason, detail: r.detail }))).toEqual(expected);
    expect(rows.find((r) => r.app_id === third && r.reason === 'overlapping_scenarios')?.detail).toBe(
      'shares credit_card with Card Hub\nshares credit_card with Quiet, "Lite" App',
    );
  });

  it('is for app managers and auditors only', async () => {
    await t.http
      .get('/v1/reports/app-consolidation')
      .set(await auth('amy'))
      .expect(200);
    expectProblem(await t.http.get('/v1/reports/app-consolidation').set(await auth('dora')), 403, 'forbidden');
    expectProblem(await t.http.get('/v1/reports/app-consolidation').set(await auth('nobody')), 403);
    expectProblem(await t.http.get('/v1/reports/app-consolidation'), 401);
  });
});
