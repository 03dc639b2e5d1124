import { ManualClock } from '../../services/platform/clock';
import { AccountabilityEventStore, SupervisionService, SupervisionStore } from '../../services/apps/supervision';
import { AppStore } from '../../services/apps/store';
import { createTestApp, expectProblem, type TestApp } from '../helpers/app';
import { AppWorld, auditCount as countAuditEvents } from '../helpers/app-world';
import { Factories } from '../helpers/factories';

// The Notice, item 9: inspection findings (on-site and off-site, by the regulator or internal audit)
// with rectification items, owners and due dates; accountability decisions for major events and
// overdue rectification; the compliance report's three checks. The service's rules on their own are
// tested on fakes in test/unit/apps-supervision-rules.test.ts.

let t: TestApp;
let f: Factories;
const DAY = 86_400_000;
const auth = async (sub: string) => ({ Authorization: `Bearer ${await t.staffToken(sub)}` });
const inDays = (n: number) => new Date(Date.now() + n * DAY).toISOString();
const dateInDays = (n: number) => inDays(n).slice(0, 10);
const auditCount = () => countAuditEvents(t);
const count = async (table: string, appId: string) =>
  Number(((await t.container.db(table).where({ app_id: appId }).count({ n: '*' })) as Array<{ n: number }>)[0].n);

const item = (overrides: Record<string, unknown> = {}) => ({
  action: 'Encrypt the session token at rest on the device',
  owner: 'olga',
  ownerDepartment: 'RETAIL',
  dueAt: inDays(30),
  ...overrides,
});
const finding = (overrides: Record<string, unknown> = {}) => ({
  inspection: 'off_site',
  inspector: 'regulator',
  inspectionReference: 'NFRA-OFFSITE-2026-17',
  inspectedOn: dateInDays(-3),
  title: 'Session token stored in plain text',
  description: 'The off-site review found the session token in plain text in the app sandbox.',
  rectifications: [item(), item({ action: 'Add a jailbreak check', owner: 'paul' })],
  ...overrides,
});
const decision = (subject: { kind: string; id: string }, overrides: Record<string, unknown> = {}) => ({
  subject,
  accountable: { person: 'olga', department: 'RETAIL' },
  measure: 'criticism',
  description: 'Circulated criticism: the token storage was not reviewed before release',
  decidedOn: dateInDays(0),
  ...overrides,
});

const newApp = (owningDepartment = 'RETAIL'): Promise<string> => new AppWorld(t, f).newApp({ owningDepartment });

async function register(appId: string, body: Record<string, unknown> = finding(), as = 'rita') {
  return t.http
    .post(`/v1/apps/${appId}/inspection-findings`)
    .set(await auth(as))
    .send(body);
}

async function decide(appId: string, body: Record<string, unknown>, as = 'rita') {
  return t.http
    .post(`/v1/apps/${appId}/accountability-decisions`)
    .set(await auth(as))
    .send(body);
}

/** A finding registered 10 days ago whose item fell due 5 days ago (a service on a clock set back). */
async function overdueFinding(appId: string): Promise<{ findingId: string; itemId: string }> {
  const db = t.container.db;
  const clock = new ManualClock(new Date(Date.now() - 10 * DAY));
  const service = new SupervisionService(
    db,
    new AppStore(db),
    new SupervisionStore(db),
    new AccountabilityEventStore(db),
    t.container.audit,
    t.container.departments,
    clock,
  );
  const registered = await service.registerFinding({ actor: { kind: 'staff', subject: 'rita' }, requestId: null }, appId, {
    inspection: 'on_site',
    inspector: 'internal_audit',
    inspectionReference: 'IA-2026-09',
    inspectedOn: clock.now().toISOString().slice(0, 10),
    title: 'No monitoring of the login API',
    description: 'Internal audit found no alerting on failed logins.',
    rectifications: [{ action: 'Alert on failed logins', owner: 'olga', ownerDepartment: 'RETAIL', dueAt: inDays(-5) }],
  });
  return { findingId: registered.id, itemId: registered.rectifications[0].id };
}

const check = async (code: string) => {
  const res = await t.http
    .get('/v1/reports/compliance')
    .set(await auth('erin'))
    .expect(200);
  return (res.body.checks as Array<{ code: string; status: string; count: number; examined: number }>).find((c) => c.code === code) as {
    status: string;
    count: number;
    examined: number;
  };
};

beforeAll(async () => {
  t = await createTestApp();
  f = new Factories(t);
  await f.department('DIGITAL', 'technology');
  await f.department('RETAIL');
  await f.department('CARDS');
  await t.grantRole('amy', 'app_manager', '*');
  await t.grantRole('rita', 'app_manager', 'RETAIL');
  await t.grantRole('olga', 'app_manager', 'RETAIL');
  await t.grantRole('lena', 'app_manager', 'DIGITAL');
  await t.grantRole('carl', 'app_manager', 'CARDS');
  await t.grantRole('dora', 'data_owner', 'RETAIL');
  await t.grantRole('aud', 'auditor', 'RETAIL');
  await t.grantRole('erin', 'auditor', '*');
  await t.http
    .put('/v1/app-management/lead-department')
    .set(await auth('root-admin'))
    .send({ department: 'DIGITAL' })
    .expect(200);
});
afterAll(() => t.close());

describe('inspection findings', () => {
  it('are registered with their rectification items by the owning department’s app managers, audited, and read by its readers', async () => {
    const id = await newApp();
    const res = await register(id);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ appId: id, inspection: 'off_site', inspector: 'regulator', recordedBy: 'rita' });
    expect(
      res.body.rectifications.map((i: { owner: string; status: string; closedLate: null }) => [i.owner, i.status, i.closedLate]),
    ).toEqual([
      ['olga', 'open', null],
      ['paul', 'open', null],
    ]);
    const [event] = (await t.container.audit.list(
      { action: 'app.inspection_finding_registered', objectId: res.body.id },
      1,
    )) as unknown as Array<{
      actorId: string;
      details: { rectifications: unknown[] };
    }>;
    expect(event.actorId).toBe('rita');
    expect(event.details.rectifications).toHaveLength(2);
    for (const reader of ['aud', 'dora', 'erin']) {
      const list = await t.http
        .get(`/v1/apps/${id}/inspection-findings`)
        .set(await auth(reader))
        .expect(200);
      expect(list.body.items.map((x: { id: string }) => x.id)).toEqual([res.body.id]);
    }
    expectProblem(await t.http.get(`/v1/apps/${id}/inspection-findings`).set(await auth('carl')), 403, 'forbidden');
  });

  it('are refused to other departments and readers, and bad input is a 400; neither writes anything', async () => {
    const id = await newApp();
    const before = await auditCount();
    for (const who of ['carl', 'dora', 'aud', 'erin']) expectProblem(await register(id, finding(), who), 403, 'forbidden');
    const bad: Array<Record<string, unknown>> = [
      finding({ rectifications: [] }),
      finding({ rectifications: Array.from({ length: 21 }, () => item()) }),
      finding({ rectifications: [item({ dueAt: inDays(-1) })] }),
      finding({ rectifications: [item({ ownerDepartment: 'NOWHERE' })] }),
      finding({ rectifications: [item({ owner: '' })] }),
      finding({ rectifications: [item({ extra: 1 })] }),
      finding({ inspectedOn: dateInDays(3) }),
      finding({ inspector: 'police' }),
      finding({ inspection: 'remote' }),
      finding({ title: 't'.repeat(301) }),
      finding({ description: undefined }),
      finding({ inspectionReference: 'ref\u202E' }),
      finding({ recordedBy: 'someone-else' }),
    ];
    for (const body of bad) expectProblem(await register(id, body), 400);
    expect(await auditCount()).toBe(before);
    expect(await count('app_inspection_findings', id)).toBe(0);
    expect(await count('app_rectification_items', id)).toBe(0);
  });
});

describe('rectification items', () => {
  it('are added to a finding, and closed once with evidence by someone other than their owner', async () => {
    const id = await newApp();
    const registered = (await register(id)).body as { id: string; rectifications: Array<{ id: string }> };
    const added = await t.http
      .post(`/v1/apps/${id}/inspection-findings/${registered.id}/rectification-items`)
      .set(await auth('rita'))
      .send(item({ action: 'Retest after the fix', owner: 'rita' }));
    expect(added.status).toBe(201);
    expectProblem(
      await t.http
        .post(`/v1/apps/${id}/inspection-findings/00000000-0000-4000-8000-000000000000/rectification-items`)
        .set(await auth('rita'))
        .send(item()),
      404,
    );
    const close = async (itemId: string, as: string, body: Record<string, unknown> = { evidence: 'Release 8.2.1, retest report RT-77' }) =>
      t.http
        .post(`/v1/apps/${id}/rectification-items/${itemId}/close`)
        .set(await auth(as))
        .send(body);
    const olgas = registered.rectifications[0].id;
    const before = await auditCount();
    expectProblem(await close(olgas, 'olga'), 403, 'separation_of_duties');
    expectProblem(await close(added.body.id as string, 'rita'), 403, 'separation_of_duties');
    for (const who of ['aud', 'dora', 'carl']) expectProblem(await close(olgas, who), 403, 'forbidden');
    for (const body of [{}, { evidence: '' }, { evidence: 'e'.repeat(4001) }, { evidence: 'ok', closedBy: 'x' }]) {
      expectProblem(await close(olgas, 'rita', body), 400);
    }
    expect(await auditCount()).toBe(before);
    const closed = await close(olgas, 'rita');
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({
      status: 'closed',
      closedBy: 'rita',
      closedLate: false,
      evidence: 'Release 8.2.1, retest report RT-77',
    });
    expectProblem(await close(olgas, 'olga'), 409, 'rectification_item_closed');
    const [event] = (await t.container.audit.list({ action: 'app.rectification_item_closed', objectId: olgas }, 1)) as unknown as Array<{
      details: { late: boolean; owner: string };
    }>;
    expect(event.details).toMatchObject({ late: false, owner: 'olga' });
  });

  it('past their due date are overdue, fail the compliance check until closed, and closing them late is recorded', async () => {
    const id = await newApp();
    const before = await check('app_rectification_items_overdue');
    const { itemId } = await overdueFinding(id);
    const during = await check('app_rectification_items_overdue');
    expect(during).toMatchObject({ status: 'fail', count: before.count + 1, examined: before.examined + 1 });
    const list = await t.http
      .get(`/v1/apps/${id}/inspection-findings`)
      .set(await auth('aud'))
      .expect(200);
    expect(list.body.items[0].rectifications[0]).toMatchObject({ id: itemId, status: 'overdue' });
    const closed = await t.http
      .post(`/v1/apps/${id}/rectification-items/${itemId}/close`)
      .set(await auth('rita'))
      .send({ evidence: 'Alert rule AL-12 in production' });
    expect(closed.body).toMatchObject({ status: 'closed', closedLate: true });
    expect((await check('app_rectification_items_overdue')).count).toBe(before.count);
  });
});

describe('accountability decisions', () => {
  it('record who is held accountable for an inspection finding, by whom; never by the person held accountable', async () => {
    const id = await newApp();
    const findingId = (await register(id)).body.id as string;
    const subject = { kind: 'inspection_finding', id: findingId };
    const before = await auditCount();
    expectProblem(await decide(id, decision(subject), 'olga'), 403, 'separation_of_duties');
    for (const who of ['aud', 'dora', 'erin', 'carl']) expectProblem(await decide(id, decision(subject), who), 403, 'forbidden');
    expect(await auditCount()).toBe(before);
    const res = await decide(id, decision(subject), 'lena');
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      appId: id,
      subject,
      accountable: { person: 'olga', department: 'RETAIL' },
      measure: 'criticism',
      decidedBy: 'lena',
    });
    const [event] = (await t.container.audit.list({ action: 'app.accountability_decided', objectId: res.body.id }, 1)) as Array<{
      actorId: string;
    }>;
    expect(event.actorId).toBe('lena');
    const list = await t.http
      .get(`/v1/apps/${id}/accountability-decisions`)
      .set(await auth('aud'))
      .expect(200);
    expect(list.body.items.map((d: { id: string }) => d.id)).toEqual([res.body.id]);
    await expect(
      t.container.db('app_accountability_decisions').where({ id: res.body.id }).update({ measure: 'no_measure' }),
    ).rejects.toThrow(/append-only/);
  });

  it('refuses bad input with a 400 and writing nothing', async () => {
    const id = await newApp();
    const other = await newApp();
    const findingId = (await register(id)).body.id as string;
    const otherFinding = (await register(other)).body.id as string;
    const subject = { kind: 'inspection_finding', id: findingId };
    const before = await auditCount();
    const bad: Array<Record<string, unknown>> = [
      decision(subject, { accountable: null }),
      decision(subject, { accountable: { person: 'olga', department: 'NOWHERE' } }),
      decision(subject, { decidedOn: dateInDays(3) }),
      decision(subject, { measure: 'flogging' }),
      decision(subject, { description: '' }),
      decision({ kind: 'inspection_finding', id: otherFinding }),
      decision({ kind: 'inspection_finding', id: '00000000-0000-4000-8000-000000000000' }),
      decision({ kind: 'incident', id: findingId }),
      decision(subject, { decidedBy: 'someone' }),
    ];
    for (const body of bad) expectProblem(await decide(id, body), 400);
    expect(await auditCount()).toBe(before);
    expect(await count('app_accountability_decisions', id)).toBe(0);
  });

  it('are only for major events and overdue rectification: a major warning, a regulator-reported vulnerability, an overdue item', async () => {
    const id = await newApp();
    await t.http
      .put(`/v1/apps/${id}/monitoring`)
      .set(await auth('rita'))
      .send({
        clients: [],
        thresholds: [
          { kind: 'security_alert', windowMinutes: 60, warnAtCount: 1, majorAtCount: 2 },
          { kind: 'availability', windowMinutes: 60, warnBelowPercent: 99 },
        ],
      })
      .expect(200);
    const signal = async (body: Record<string, unknown>) =>
      (
        await t.http
          .post(`/v1/apps/${id}/signals`)
          .set(await auth('rita'))
          .send({ observedAt: new Date(Date.now() - 60_000).toISOString(), ...body })
          .expect(201)
      ).body.warning as { id: string; severity: string };
    const minor = await signal({ kind: 'availability', availabilityPercent: 90 });
    await signal({ kind: 'security_alert', alertType: 'credential_stuffing' });
    const major = await signal({ kind: 'security_alert', alertType: 'credential_stuffing' });
    expect([minor.severity, major.severity]).toEqual(['minor', 'major']);
    const vulnerability = async (body: Record<string, unknown>) =>
      (
        await t.http
          .post(`/v1/apps/${id}/vulnerabilities`)
          .set(await auth('rita'))
          .send({ title: 'Token in log', severity: 'medium', reportedAt: inDays(-2), ...body })
          .expect(201)
      ).body.id as string;
    const internal = await vulnerability({ dueAt: inDays(20) });
    const regulator = await vulnerability({
      source: 'regulator_notice',
      regulatorReference: 'NFRA-2026-041',
      regulatorDeadline: inDays(20),
    });
    const openItem = ((await register(id)).body as { rectifications: Array<{ id: string }> }).rectifications[0].id;
    const { itemId: overdueItem } = await overdueFinding(id);

    const before = await check('app_events_with_accountability');
    for (const subject of [
      { kind: 'warning', id: minor.id },
      { kind: 'vulnerability', id: internal },
      { kind: 'rectification_item', id: openItem },
    ]) {
      expectProblem(await decide(id, decision(subject), 'lena'), 409, 'not_a_major_event');
    }
    const events = await t.http
      .get(`/v1/apps/${id}/accountability-events`)
      .set(await auth('aud'))
      .expect(200);
    const undecided = (events.body.items as Array<{ kind: string; id: string; decided: boolean }>).filter((e) => !e.decided);
    expect(undecided.map((e) => `${e.kind}:${e.id}`).sort()).toEqual(
      [
        `warning:${major.id}`,
        `vulnerability:${regulator}`,
        `rectification_item:${overdueItem}`,
        ...(await findingsOf(id)).map((x) => `inspection_finding:${x}`),
      ].sort(),
    );
    for (const subject of [
      { kind: 'warning', id: major.id },
      { kind: 'vulnerability', id: regulator },
      { kind: 'rectification_item', id: overdueItem },
    ]) {
      expect(
        (
          await decide(
            id,
            decision(subject, { accountable: null, measure: 'no_measure', description: 'Looked into: a vendor defect' }),
            'lena',
          )
        ).status,
      ).toBe(201);
    }
    const after = await check('app_events_with_accountability');
    expect(after).toMatchObject({ status: 'fail', count: before.count - 3 });
  });

  it('leave no unacknowledged warning or undecided event unreported: the compliance report counts both', async () => {
    const id = await newApp();
    await t.http
      .put(`/v1/apps/${id}/monitoring`)
      .set(await auth('rita'))
      .send({ clients: [], thresholds: [{ kind: 'security_alert', windowMinutes: 60, warnAtCount: 1, majorAtCount: 1 }] })
      .expect(200);
    const warningsBefore = await check('app_warnings_acknowledged');
    const eventsBefore = await check('app_events_with_accountability');
    const warning = (
      await t.http
        .post(`/v1/apps/${id}/signals`)
        .set(await auth('rita'))
        .send({ kind: 'security_alert', alertType: 'tampering', observedAt: new Date(Date.now() - 60_000).toISOString() })
        .expect(201)
    ).body.warning as { id: string };
    expect(await check('app_warnings_acknowledged')).toMatchObject({ status: 'fail', count: warningsBefore.count + 1 });
    expect((await check('app_events_with_accountability')).count).toBe(eventsBefore.count + 1);
    await t.http
      .post(`/v1/apps/${id}/warnings/${warning.id}/acknowledge`)
      .set(await auth('rita'))
      .send({ note: 'Repackaged build found in a third-party store; takedown requested' })
      .expect(200);
    expect((await check('app_warnings_acknowledged')).count).toBe(warningsBefore.count);
    await decide(id, decision({ kind: 'warning', id: warning.id }), 'lena').then((r) => expect(r.status).toBe(201));
    expect((await check('app_events_with_accountability')).count).toBe(eventsBefore.count);
  });
});

async function findingsOf(appId: string): Promise<string[]> {
  return ((await t.container.db('app_inspection_findings').where({ app_id: appId }).select('id')) as Array<{ id: string }>).map(
    (r) => r.id,
  );
}

describe('the release gate', () => {
  const step = async (id: string, to: string, as: string) =>
    t.http
      .post(`/v1/apps/${id}/transitions`)
      .set(await auth(as))
      .send({ to });

  it('refuses to release an app with a rectification item open past its due date, naming it; closing it lifts the block', async () => {
    const res = await t.http
      .post('/v1/apps')
      .set(await auth('amy'))
      .send({
        name: f.unique('App '),
        kind: 'app',
        audience: 'customer',
        leadDepartment: 'DIGITAL',
        owningDepartment: 'RETAIL',
        responsiblePerson: 'Li Wei',
        businessOwner: 'Zhao Min',
        technologyOwner: 'Chen Jie',
        filingNumber: f.unique('FN-'),
      })
      .expect(201);
    const id = res.body.id as string;
    for (const kind of ['penetration', 'compatibility', 'privacy_review']) {
      await t.http
        .post(`/v1/apps/${id}/security-tests`)
        .set(await auth('rita'))
        .send({ kind, performedAt: dateInDays(-1), result: 'pass', performer: 'QA Lab', reportReference: f.unique('R-') })
        .expect(201);
    }
    expect((await step(id, 'approved', 'lena')).status).toBe(200);
    expect((await step(id, 'developing', 'amy')).status).toBe(200);
    expect((await step(id, 'testing', 'amy')).status).toBe(200);
    await f.businessReviewed(id);
    await register(id).then((r) => expect(r.status).toBe(201));
    const { itemId } = await overdueFinding(id);
    const blocked = await step(id, 'released', 'rita');
    expectProblem(blocked, 409, 'release_gate_failed');
    expect(blocked.body.unmet).toEqual([expect.objectContaining({ requirement: 'rectification_overdue', rectificationItemId: itemId })]);
    await t.http
      .post(`/v1/apps/${id}/rectification-items/${itemId}/close`)
      .set(await auth('rita'))
      .send({ evidence: 'Alert rule AL-12 in production' })
      .expect(200);
    expect((await step(id, 'released', 'rita')).status).toBe(200);
  });
});
