import type { CreateSecurityTest, CreateVulnerability } from '../../services/apps/security-schemas';
import { ledgerOnFakes, putApp } from '../fakes/apps';
import { problemCode, problemOf, staff } from '../fakes/ports';

const amy = staff('amy');
const NOW = '2026-06-15T08:00:00.000Z';
const DAY = 86_400_000;
const at = (days: number) => new Date(Date.parse(NOW) + days * DAY).toISOString();
const UNKNOWN = '00000000-0000-4000-8000-000000000000';

const testBody = (over: Partial<CreateSecurityTest> = {}): CreateSecurityTest => ({
  kind: 'penetration',
  performedAt: '2026-06-14',
  result: 'pass',
  performer: 'Red Team Ltd',
  reportReference: 'PT-1',
  ...over,
});
const finding = (over: Partial<CreateVulnerability> = {}): CreateVulnerability => ({
  title: 'Token in log',
  severity: 'medium',
  reportedAt: at(-10),
  dueAt: at(20),
  ...over,
});
const regulator = (deadlineDays: number) => ({
  source: 'regulator_notice' as const,
  regulatorReference: 'NFRA-2026-041',
  regulatorDeadline: at(deadlineDays),
  dueAt: undefined,
});

function world() {
  const w = ledgerOnFakes();
  const app = putApp(w.store);
  return { ...w, app, service: w.securityService };
}

describe('app security tests (in memory)', () => {
  it('records tests, audited, and lists them most recently performed first, filtered and paged', async () => {
    const { service, app, audit } = world();
    const older = await service.recordTest(amy, app.id, testBody({ performedAt: '2026-05-16', result: 'fail' }));
    expect(older).toMatchObject({
      appId: app.id,
      kind: 'penetration',
      performedAt: '2026-05-16',
      result: 'fail',
      recordedBy: 'amy',
      recordedAt: NOW,
    });
    const review = await service.recordTest(
      amy,
      app.id,
      testBody({ kind: 'privacy_review', performedAt: '2026-06-10', result: 'conditional' }),
    );
    const compat = await service.recordTest(amy, app.id, testBody({ kind: 'compatibility', performedAt: '2026-06-13' }));
    const ids = (page: { items: Array<{ id: string }> }) => page.items.map((x) => x.id);
    const all = await service.listTests(app.id, { limit: 50 });
    expect(ids(all)).toEqual([compat.id, review.id, older.id]);
    expect(ids(await service.listTests(app.id, { limit: 50, kind: 'penetration' }))).toEqual([older.id]);
    const page1 = await service.listTests(app.id, { limit: 2 });
    const page2 = await service.listTests(app.id, { limit: 2, cursor: page1.nextCursor ?? undefined });
    expect([...ids(page1), ...ids(page2)]).toEqual(ids(all));
    expect(page2.nextCursor).toBeNull();
    expect(audit.actions()).toEqual(Array(3).fill('app.security_test_recorded'));
    expect(audit.events[0].details).toEqual({ securityTest: older });
  });

  it('refuses a test performed in the future; today anywhere on earth (up to UTC+14) is not the future', async () => {
    const { service, app, clock } = world();
    clock.set('2026-06-15T23:00:00.000Z');
    await expect(service.recordTest(amy, app.id, testBody({ performedAt: '2026-06-16' }))).resolves.toMatchObject({
      performedAt: '2026-06-16',
    });
    const problem = await problemOf(service.recordTest(amy, app.id, testBody({ performedAt: '2026-06-17' })));
    expect(problem.toProblem()).toMatchObject({ code: 'validation_failed', errors: [{ path: 'body.performedAt' }] });
  });

  it('refuses tests of a retired app (409) or an unknown one (404)', async () => {
    const { service, store, audit } = world();
    const retired = putApp(store, { lifecycleState: 'retired' });
    expect(await problemCode(service.recordTest(amy, retired.id, testBody()))).toBe('app_retired');
    expect(await problemCode(service.recordTest(amy, UNKNOWN, testBody()))).toBe('not_found');
    expect(await problemCode(service.listTests(UNKNOWN, { limit: 10 }))).toBe('not_found');
    expect(await problemCode(service.reportVulnerability(amy, retired.id, finding()))).toBe('app_retired');
    expect(audit.events).toHaveLength(0);
  });
});

describe('app vulnerabilities (in memory)', () => {
  it('are open, overdue or fixed; a fix needs evidence, is audited with whether it was late, and is recorded once', async () => {
    const { service, app, store, audit } = world();
    const open = await service.reportVulnerability(amy, app.id, finding({ title: 'Weak TLS' }));
    expect(open).toMatchObject({
      status: 'open',
      fixedAt: null,
      fixEvidence: null,
      severity: 'medium',
      recordedBy: 'amy',
      blocksRelease: false,
    });
    const late = await service.reportVulnerability(
      amy,
      app.id,
      finding({ title: 'SQL injection', severity: 'critical', reportedAt: at(-40), dueAt: at(-10) }),
    );
    expect(late).toMatchObject({ status: 'overdue', blocksRelease: true });
    expect((await service.listVulnerabilities(app.id, { limit: 50, status: 'overdue' })).items.map((v) => v.id)).toEqual([late.id]);

    const fixed = await service.fixVulnerability(amy, app.id, late.id, { evidence: 'Retest report PT-2026-11', fixedAt: at(-1) });
    expect(fixed).toMatchObject({ status: 'fixed', fixedBy: 'amy', fixEvidence: 'Retest report PT-2026-11', fixedAt: at(-1) });
    expect(audit.events.at(-1)).toMatchObject({
      action: 'app.vulnerability_fixed',
      details: { vulnerability: late.id, fixedAt: at(-1), evidence: 'Retest report PT-2026-11', overdue: true },
    });

    const before = audit.events.length;
    expect(await problemCode(service.fixVulnerability(amy, app.id, late.id, { evidence: 'again' }))).toBe('vulnerability_already_fixed');
    const early = await problemOf(service.fixVulnerability(amy, app.id, open.id, { evidence: 'x', fixedAt: at(-30) }));
    expect(early.toProblem()).toMatchObject({ code: 'validation_failed', errors: [{ path: 'body.fixedAt' }] });
    expect(await problemCode(service.fixVulnerability(amy, app.id, open.id, { evidence: 'x', fixedAt: at(1) }))).toBe('validation_failed');
    const other = putApp(store);
    expect(await problemCode(service.fixVulnerability(amy, other.id, open.id, { evidence: 'x' }))).toBe('not_found');
    expect(audit.events).toHaveLength(before);

    expect((await service.listVulnerabilities(app.id, { limit: 50 })).items.map((v) => [v.id, v.status])).toEqual([
      [open.id, 'open'],
      [late.id, 'fixed'],
    ]);
    expect((await service.listVulnerabilities(app.id, { limit: 50, status: 'fixed', severity: 'critical' })).items).toHaveLength(1);
    expect(await problemCode(service.listVulnerabilities(UNKNOWN, { limit: 10 }))).toBe('not_found');
  });

  it('refuses a report in the future and a due date before the report', async () => {
    const { service, app } = world();
    const future = await problemOf(service.reportVulnerability(amy, app.id, finding({ reportedAt: at(1) })));
    expect(future.toProblem()).toMatchObject({ code: 'validation_failed', errors: [{ path: 'body.reportedAt' }] });
    const early = await problemOf(service.reportVulnerability(amy, app.id, finding({ dueAt: at(-11) })));
    expect(early.toProblem()).toMatchObject({ code: 'validation_failed', errors: [{ path: 'body.dueAt' }] });
  });

  it('block release when high, critical, found by a privacy review or marked so; the finding takes the kind of the test named', async () => {
    const { service, app } = world();
    const review = await service.recordTest(amy, app.id, testBody({ kind: 'privacy_review' }));
    const privacy = await service.reportVulnerability(
      amy,
      app.id,
      finding({ title: 'SDK collects the device id', severity: 'low', securityTestId: review.id }),
    );
    expect(privacy).toMatchObject({ testKind: 'privacy_review', securityTestId: review.id, blocksRelease: true, severity: 'low' });
    const blocks = async (over: Partial<CreateVulnerability>) =>
      (await service.reportVulnerability(amy, app.id, finding(over))).blocksRelease;
    expect(await blocks({ severity: 'high' })).toBe(true);
    expect(await blocks({ severity: 'critical', testKind: 'penetration' })).toBe(true);
    expect(await blocks({ severity: 'low', testKind: 'penetration' })).toBe(false);
    expect(await blocks({ severity: 'medium', testKind: 'compatibility', blocksRelease: true })).toBe(true);
  });

  it.each([
    ['a high finding marked not blocking', { severity: 'high', blocksRelease: false }, 'body.blocksRelease'],
    ['a critical finding marked not blocking', { severity: 'critical', blocksRelease: false }, 'body.blocksRelease'],
    ['a privacy-review finding marked not blocking', { testKind: 'privacy_review', blocksRelease: false }, 'body.blocksRelease'],
    ['another app’s test', { securityTestId: 'OTHER' }, 'body.securityTestId'],
    ['an unknown test', { securityTestId: '6f1c1f49-1d77-4b5e-8e3f-2d1f6e0b9a11' }, 'body.securityTestId'],
    ['a test kind that contradicts the test', { securityTestId: 'PEN', testKind: 'privacy_review' }, 'body.testKind'],
  ] as Array<[string, Partial<CreateVulnerability>, string]>)('refuses %s with 400, writing nothing', async (_label, over, path) => {
    const { service, app, store, security, audit } = world();
    const pen = await service.recordTest(amy, app.id, testBody());
    const otherAppTest = await service.recordTest(amy, putApp(store).id, testBody({ kind: 'privacy_review' }));
    const resolved = { ...over };
    if (resolved.securityTestId === 'OTHER') resolved.securityTestId = otherAppTest.id;
    if (resolved.securityTestId === 'PEN') resolved.securityTestId = pen.id;
    const before = audit.events.length;
    const problem = await problemOf(service.reportVulnerability(amy, app.id, finding({ severity: 'low', ...resolved })));
    expect(problem.code).toBe('validation_failed');
    expect(JSON.stringify(problem.toProblem().errors)).toContain(path);
    expect(audit.events).toHaveLength(before);
    expect(security.vulnerabilities.size).toBe(0);
  });
});

describe('vulnerability sources (in memory)', () => {
  it('default to internal_test; an external report keeps its own due date', async () => {
    const { service, app } = world();
    await expect(service.reportVulnerability(amy, app.id, finding())).resolves.toMatchObject({
      source: 'internal_test',
      regulatorReference: null,
    });
    await expect(service.reportVulnerability(amy, app.id, finding({ source: 'external_report' }))).resolves.toMatchObject({
      source: 'external_report',
      regulatorReference: null,
      status: 'open',
      dueAt: at(20),
    });
  });

  it('take the regulator’s exact deadline as the due date, with the notice’s reference, audited in the record', async () => {
    const { service, app, audit } = world();
    const deadline = '2030-03-31T16:00:00.000Z';
    const reported = await service.reportVulnerability(amy, app.id, finding({ ...regulator(15), regulatorDeadline: deadline }));
    expect(reported).toMatchObject({ source: 'regulator_notice', regulatorReference: 'NFRA-2026-041', status: 'open', dueAt: deadline });
    expect(audit.events[0]).toMatchObject({
      action: 'app.vulnerability_reported',
      details: { vulnerability: { source: 'regulator_notice', regulatorReference: 'NFRA-2026-041', dueAt: deadline } },
    });
    const bySource = async (source: 'regulator_notice' | 'internal_test') =>
      (await service.listVulnerabilities(app.id, { limit: 10, source })).items.map((v) => v.id);
    expect(await bySource('regulator_notice')).toEqual([reported.id]);
    expect(await bySource('internal_test')).toEqual([]);
  });

  it.each([
    [
      'a regulator notice without a deadline',
      { source: 'regulator_notice', regulatorReference: 'N-1', dueAt: undefined },
      'body.regulatorDeadline',
    ],
    [
      'a regulator notice without a reference',
      { source: 'regulator_notice', regulatorDeadline: at(5), dueAt: undefined },
      'body.regulatorReference',
    ],
    ['a regulator notice with its own dueAt', { ...regulator(5), dueAt: at(3) }, 'body.dueAt'],
    ['a regulator deadline before the report', regulator(-20), 'body.regulatorDeadline'],
    ['a regulator deadline on an internal finding', { dueAt: at(5), regulatorDeadline: at(5) }, 'body.regulatorDeadline'],
    [
      'a regulator reference on an external report',
      { source: 'external_report', dueAt: at(5), regulatorReference: 'N-1' },
      'body.regulatorReference',
    ],
    ['no due date on an internal finding', { dueAt: undefined }, 'body.dueAt'],
  ] as Array<[string, Partial<CreateVulnerability>, string]>)('refuses %s with 400, recording nothing', async (_label, over, path) => {
    const { service, app, audit } = world();
    const problem = await problemOf(service.reportVulnerability(amy, app.id, finding(over)));
    expect(problem.code).toBe('validation_failed');
    expect(JSON.stringify(problem.toProblem())).toContain(path);
    expect(audit.events).toHaveLength(0);
  });
});
