import { createTestApp, expectProblem, type TestApp } from '../helpers/app';
import { auditCount as countAuditEvents } from '../helpers/app-world';
import { Factories } from '../helpers/factories';

// The Notice, item 3: departments' and branches' app construction plans approved by the lead
// department, a cap on the number of apps per department, and homogeneous demands merged at entry.

let t: TestApp;
let f: Factories;
const auth = async (sub: string) => ({ Authorization: `Bearer ${await t.staffToken(sub)}` });
const DAY = 86_400_000;
const dateIn = (days: number) => new Date(Date.now() + days * DAY).toISOString().slice(0, 10);
const TODAY = dateIn(0);
const PLANNING = '/v1/app-management/planning';

const auditCount = () => countAuditEvents(t);
const appCount = async () => Number(((await t.container.db('apps').count({ n: '*' })) as Array<{ n: number }>)[0].n);
const auditOf = async (action: string, objectId?: string) =>
  (await t.container.audit.list({ action, ...(objectId ? { objectId } : {}) }, 20)) as Array<{
    actorId: string;
    details: Record<string, unknown>;
  }>;

const planned = (name: string, scenarios: string[], overrides: Record<string, unknown> = {}) => ({
  name,
  kind: 'app',
  audience: 'customer',
  businessScenarios: scenarios,
  justification: `Customers ask for ${name}`,
  ...overrides,
});
const plan = (department: string, apps: unknown[], overrides: Record<string, unknown> = {}) => ({
  department,
  periodStart: dateIn(-30),
  periodEnd: dateIn(335),
  justification: 'Annual construction plan',
  plannedApps: apps,
  ...overrides,
});

async function submit(body: unknown, as = 'rita') {
  return t.http
    .post('/v1/app-plans')
    .set(await auth(as))
    .send(body as object);
}

/** A plan submitted by `as` and approved by dina (the lead department); returns its planned apps by name. */
async function approvedPlan(department: string, apps: unknown[], as = 'rita'): Promise<{ id: string; items: Record<string, string> }> {
  const res = await submit(plan(department, apps), as);
  if (res.status !== 201) throw new Error(`plan: ${res.status} ${JSON.stringify(res.body)}`);
  await t.http
    .post(`/v1/app-plans/${res.body.id}/approve`)
    .set(await auth('dina'))
    .send({})
    .expect(200);
  const items = Object.fromEntries((res.body.plannedApps as Array<{ name: string; id: string }>).map((p) => [p.name, p.id]));
  return { id: res.body.id as string, items };
}

async function propose(fields: Record<string, unknown>, as = 'rita') {
  return t.http
    .post('/v1/apps')
    .set(await auth(as))
    .send({
      name: f.unique('App '),
      kind: 'app',
      audience: 'customer',
      leadDepartment: 'DIGITAL',
      owningDepartment: 'RETAIL',
      responsiblePerson: 'Li Wei',
      businessOwner: 'Wang Fang',
      technologyOwner: 'Zhao Lei',
      ...fields,
    });
}

const setPlansRequiredFrom = async (date: string | null, as = 'dina') =>
  t.http
    .put(PLANNING)
    .set(await auth(as))
    .send({ plansRequiredFrom: date });

const check = async (code: string) => {
  const res = await t.http
    .get('/v1/reports/compliance')
    .set(await auth('erin'))
    .expect(200);
  return (
    res.body.checks as Array<{ code: string; status: string; count: number; examined: number; examples: Array<string | { id: string }> }>
  ).find((c) => c.code === code);
};
const exampleIds = (c: { examples: Array<string | { id: string }> } | undefined) =>
  (c?.examples ?? []).map((e) => (typeof e === 'string' ? e : e.id));

beforeAll(async () => {
  t = await createTestApp();
  f = new Factories(t);
  await f.department('DIGITAL', 'technology');
  await f.department('RETAIL');
  await f.department('CARDS');
  await t.grantRole('amy', 'app_manager', '*');
  await t.grantRole('rita', 'app_manager', 'RETAIL');
  await t.grantRole('rick', 'app_manager', 'RETAIL');
  await t.grantRole('dina', 'app_manager', 'DIGITAL');
  await t.grantRole('carl', 'app_manager', 'CARDS');
  await t.grantRole('dora', 'data_owner', 'RETAIL');
  await t.grantRole('erin', 'auditor', '*');
  await t.grantRole('ada', 'admin', 'RETAIL');
});
afterAll(() => t.close());

describe('app construction plans', () => {
  it('are decided only by the lead department once it is named, never by their submitter', async () => {
    const res = await submit(plan('RETAIL', [planned('Wealth mini-program', ['wealth'])]));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ department: 'RETAIL', status: 'submitted', submittedBy: 'rita', decidedBy: null });
    expect(res.body.plannedApps).toEqual([expect.objectContaining({ name: 'Wealth mini-program', status: 'open', appId: null })]);
    const id = res.body.id as string;
    const approve = async (as: string) =>
      t.http
        .post(`/v1/app-plans/${id}/approve`)
        .set(await auth(as))
        .send({ note: 'Fits the strategy' });

    expectProblem(await approve('dina'), 409, 'lead_department_not_configured');
    await t.http
      .put('/v1/app-management/lead-department')
      .set(await auth('root-admin'))
      .send({ department: 'DIGITAL' })
      .expect(200);
    const before = await auditCount();
    expectProblem(await approve('rita'), 403, 'not_lead_department');
    expectProblem(await approve('rick'), 403, 'not_lead_department');
    expectProblem(await approve('carl'), 403, 'not_lead_department');
    expectProblem(await approve('dora'), 403, 'forbidden');
    expectProblem(await approve('erin'), 403, 'forbidden');
    expect(await auditCount()).toBe(before);

    const approved = await approve('dina');
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'approved', decidedBy: 'dina', decisionNote: 'Fits the strategy' });
    expectProblem(await approve('dina'), 409, 'app_plan_decided');
    expectProblem(
      await t.http
        .post(`/v1/app-plans/${id}/reject`)
        .set(await auth('dina'))
        .send({ reason: 'Changed my mind' }),
      409,
      'app_plan_decided',
    );
    expect((await auditOf('app_plan.submitted', id)).map((e) => e.actorId)).toEqual(['rita']);
    expect((await auditOf('app_plan.approved', id)).map((e) => [e.actorId, e.details.note])).toEqual([['dina', 'Fits the strategy']]);
  });

  it('never lets a holder of the role everywhere approve a plan they submitted; a rejection needs its reason', async () => {
    const mine = await submit(plan('CARDS', [planned('Card wallet', ['cards'])]), 'amy');
    expect(mine.status).toBe(201);
    expectProblem(
      await t.http
        .post(`/v1/app-plans/${mine.body.id}/approve`)
        .set(await auth('amy'))
        .send({}),
      403,
      'separation_of_duties',
    );
    expectProblem(
      await t.http
        .post(`/v1/app-plans/${mine.body.id}/reject`)
        .set(await auth('dina'))
        .send({}),
      400,
    );
    const rejected = await t.http
      .post(`/v1/app-plans/${mine.body.id}/reject`)
      .set(await auth('dina'))
      .send({ reason: 'Duplicates the card app' });
    expect(rejected.body).toMatchObject({ status: 'rejected', decidedBy: 'dina', decisionNote: 'Duplicates the card app' });
  });

  it('are submitted by the department’s own app managers, with a period, planned apps and scenarios', async () => {
    for (const who of ['carl', 'dora', 'erin', 'dina'])
      expectProblem(await submit(plan('RETAIL', [planned('X', ['x'])]), who), 403, 'forbidden');
    const bad: Array<[string, unknown]> = [
      ['end before start', plan('RETAIL', [planned('X', ['x'])], { periodStart: dateIn(10), periodEnd: dateIn(5) })],
      ['over five years', plan('RETAIL', [planned('X', ['x'])], { periodEnd: dateIn(6 * 366) })],
      ['past period', plan('RETAIL', [planned('X', ['x'])], { periodStart: dateIn(-400), periodEnd: dateIn(-1) })],
      ['no planned apps', plan('RETAIL', [])],
      ['no scenarios', plan('RETAIL', [planned('X', [])])],
      ['bad scenario', plan('RETAIL', [planned('X', ['credit card!'])])],
      ['same name twice', plan('RETAIL', [planned('X', ['x']), planned('x', ['y'])])],
      ['unknown field', { ...plan('RETAIL', [planned('X', ['x'])]), status: 'approved' }],
      ['bad date', plan('RETAIL', [planned('X', ['x'])], { periodStart: '2026-02-30' })],
    ];
    const before = await auditCount();
    for (const [why, body] of bad) {
      const res = await submit(body);
      expect({ why, status: res.status, type: res.headers['content-type']?.split(';')[0] }).toEqual({
        why,
        status: 400,
        type: 'application/problem+json',
      });
    }
    expectProblem(await submit(plan('NOWHERE', [planned('X', ['x'])]), 'amy'), 400);
    expect(await auditCount()).toBe(before);
  });

  it('are read by their department and the lead department, not by other departments', async () => {
    const { id } = await approvedPlan('RETAIL', [planned('Branch queue', ['queue'])]);
    for (const who of ['rita', 'dina', 'erin', 'amy']) {
      await t.http
        .get(`/v1/app-plans/${id}`)
        .set(await auth(who))
        .expect(200);
    }
    expectProblem(await t.http.get(`/v1/app-plans/${id}`).set(await auth('carl')), 403, 'forbidden');
    const listed = async (who: string) =>
      ((await t.http.get('/v1/app-plans?limit=200').set(await auth(who))).body.items as Array<{ id: string }>).map((p) => p.id);
    expect(await listed('dina')).toContain(id);
    expect(await listed('rita')).toContain(id);
    expect(await listed('carl')).not.toContain(id);
    expectProblem(await t.http.get('/v1/app-plans/00000000-0000-4000-8000-000000000000').set(await auth('amy')), 404);
  });
});

describe('the plan requirement and caps', () => {
  it('are set by the lead department or an administrator everywhere, audited with before and after', async () => {
    const before = await auditCount();
    expectProblem(await setPlansRequiredFrom(TODAY, 'rita'), 403, 'not_lead_department');
    expectProblem(await setPlansRequiredFrom(TODAY, 'ada'), 403, 'not_lead_department');
    expectProblem(await setPlansRequiredFrom(TODAY, 'dora'), 403, 'forbidden');
    expectProblem(await setPlansRequiredFrom(TODAY, 'erin'), 403, 'forbidden');
    expectProblem(await setPlansRequiredFrom('2026-13-01'), 400);
    const cap = async (code: string, body: unknown, as = 'root-admin') =>
      t.http
        .put(`/v1/app-management/app-caps/${code}`)
        .set(await auth(as))
        .send(body as object);
    expectProblem(await cap('RETAIL', { maxApps: -1 }), 400);
    expectProblem(await cap('RETAIL', { maxApps: 2.5 }), 400);
    expectProblem(await cap('RETAIL', {}), 400);
    expectProblem(await cap('NOWHERE', { maxApps: 3 }), 400);
    expectProblem(await cap('RETAIL', { maxApps: 3 }, 'rita'), 403, 'not_lead_department');
    expect(await auditCount()).toBe(before);

    // A date in the future: nothing is required yet.
    expect((await setPlansRequiredFrom(dateIn(30))).status).toBe(200);
    expect((await cap('CARDS', { maxApps: 5 }, 'dina')).body).toMatchObject({ department: 'CARDS', maxApps: 5, setBy: 'dina' });
    expect((await cap('CARDS', { maxApps: 4 })).body).toMatchObject({ maxApps: 4, setBy: 'root-admin' });
    expect((await auditOf('app_planning.cap_set', 'CARDS')).map((e) => e.details)).toEqual([
      { before: 5, after: 4 },
      { before: null, after: 5 },
    ]);
    const policy = await t.http
      .get(PLANNING)
      .set(await auth('rita'))
      .expect(200);
    expect(policy.body).toMatchObject({
      plansRequiredFrom: dateIn(30),
      setBy: 'dina',
      caps: [expect.objectContaining({ department: 'CARDS', maxApps: 4 })],
    });
  });

  it('leave apps proposed before the requirement working: they are proposed and approved without a plan', async () => {
    const legacy = await propose({ businessScenarios: ['legacy'] });
    expect(legacy.status).toBe(201);
    await t.http
      .post(`/v1/apps/${legacy.body.id}/transitions`)
      .set(await auth('dina'))
      .send({ to: 'approved' })
      .expect(200);
    const review = await t.http
      .get(`/v1/apps/${legacy.body.id}/entry-review`)
      .set(await auth('dina'))
      .expect(200);
    expect(review.body).toMatchObject({ planRequired: false, plannedApp: null, justification: null });
  });
});

describe('a proposal once plans are required', () => {
  let items: Record<string, string>;
  let planId: string;
  let existing: { id: string };
  beforeAll(async () => {
    // An app of another department proposed before plans were required.
    const legacy = await propose({ name: 'Cards Legacy', owningDepartment: 'CARDS', businessScenarios: ['credit.card'] }, 'carl');
    expect(legacy.status).toBe(201);
    existing = legacy.body as { id: string };
    ({ id: planId, items } = await approvedPlan('RETAIL', [
      planned('Credit card app', ['credit-card', 'rewards']),
      planned('Card mini-program', ['credit_card'], { kind: 'mini_program' }),
      planned('Loans H5', ['loans']),
      planned('Merged wallet', ['wallet']),
    ]));
    expect((await setPlansRequiredFrom(TODAY)).status).toBe(200);
  });

  it('is refused without an approved planned app of its department covering today, with nothing written', async () => {
    const submitted = await submit(plan('RETAIL', [planned('Unapproved', ['unapproved'])]));
    const cards = await approvedPlan('CARDS', [planned('Cards only', ['cards_only'])], 'carl');
    const before = { audit: await auditCount(), apps: await appCount() };
    expectProblem(await propose({ businessScenarios: ['loans'] }), 409, 'app_plan_required');
    expectProblem(
      await propose({ businessScenarios: ['unapproved'], planItem: submitted.body.plannedApps[0].id }),
      409,
      'app_plan_not_approved',
    );
    expectProblem(
      await propose({ businessScenarios: ['cards_only'], planItem: cards.items['Cards only'] }),
      409,
      'app_plan_other_department',
    );
    expectProblem(await propose({ businessScenarios: ['fx'], planItem: items['Loans H5'] }), 409, 'scenarios_outside_plan');
    expectProblem(await propose({ kind: 'h5', businessScenarios: ['loans'], planItem: items['Loans H5'] }), 409, 'planned_app_mismatch');
    expectProblem(await propose({ planItem: items['Loans H5'] }), 400);
    expectProblem(await propose({ businessScenarios: ['loans'], planItem: '00000000-0000-4000-8000-000000000000' }), 400);
    expectProblem(await propose({ businessScenarios: ['loans'], planItem: 'not-a-uuid' }), 400);
    expect({ audit: await auditCount(), apps: await appCount() }).toEqual(before);
  });

  it('comes from an open planned app, once; the entry review shows the plan to the approver', async () => {
    const res = await propose({ businessScenarios: ['Loans'], planItem: items['Loans H5'] });
    expect(res.status).toBe(201);
    expectProblem(await propose({ businessScenarios: ['loans'], planItem: items['Loans H5'] }), 409, 'planned_app_used');
    const review = await t.http
      .get(`/v1/apps/${res.body.id}/entry-review`)
      .set(await auth('dina'))
      .expect(200);
    expect(review.body).toMatchObject({
      planRequired: true,
      plannedApp: { planId, itemId: items['Loans H5'], name: 'Loans H5', department: 'RETAIL' },
      currentOverlaps: [],
      unresolvedOverlaps: [],
    });
    expectProblem(await t.http.get(`/v1/apps/${res.body.id}/entry-review`).set(await auth('carl')), 403, 'forbidden');
    const thePlan = await t.http
      .get(`/v1/app-plans/${planId}`)
      .set(await auth('rita'))
      .expect(200);
    expect(thePlan.body.plannedApps.find((p: { name: string }) => p.name === 'Loans H5')).toMatchObject({
      status: 'proposed',
      appId: res.body.id,
    });
    expect((await auditOf('app.entry_recorded', res.body.id)).map((e) => e.details)).toEqual([
      { planItemId: items['Loans H5'], planRequired: true, overlaps: [], justification: null },
    ]);
  });

  it('stays within its planned app when its entry changes, and moves to no department at its cap', async () => {
    const { items: mine } = await approvedPlan('RETAIL', [planned('Savings H5', ['savings', 'deposits'], { kind: 'h5' })]);
    const app = await propose({ kind: 'h5', businessScenarios: ['savings'], planItem: mine['Savings H5'] });
    expect(app.status).toBe(201);
    const patch = async (body: unknown, as = 'amy', id = app.body.id as string) =>
      t.http
        .patch(`/v1/apps/${id}`)
        .set(await auth(as))
        .send(body as object);
    const before = await auditCount();
    expectProblem(await patch({ businessScenarios: ['savings', 'fx'] }), 409, 'scenarios_outside_plan');
    expectProblem(await patch({ businessScenarios: [] }), 400);
    expectProblem(await patch({ kind: 'app' }), 409, 'planned_app_mismatch');
    expectProblem(await patch({ owningDepartment: 'CARDS' }), 409, 'app_plan_other_department');
    expect(await auditCount()).toBe(before);
    expect((await patch({ businessScenarios: ['Deposits'] }, 'rita')).body.businessScenarios).toEqual(['deposits']);

    // With CARDS at its cap, an app proposed before plans were required cannot move there either.
    const cards = Number(
      (
        (await t.container
          .db('apps')
          .where({ owning_department: 'CARDS' })
          .whereNot('lifecycle_state', 'retired')
          .count({ n: '*' })) as Array<{ n: number }>
      )[0].n,
    );
    await t.http
      .put('/v1/app-management/app-caps/CARDS')
      .set(await auth('dina'))
      .send({ maxApps: cards })
      .expect(200);
    const retailLegacy = (
      (await t.http.get('/v1/apps?limit=200&owningDepartment=RETAIL').set(await auth('amy'))).body.items as Array<{
        id: string;
        businessScenarios: string[];
      }>
    ).find((a) => a.businessScenarios.includes('legacy'));
    expectProblem(await patch({ owningDepartment: 'CARDS' }, 'amy', retailLegacy?.id), 409, 'app_cap_reached');
    await t.http
      .put('/v1/app-management/app-caps/CARDS')
      .set(await auth('dina'))
      .send({ maxApps: 4 })
      .expect(200);
  });

  it('lists the apps its normalized scenarios overlap and needs the proposer’s justification, or the demand is merged', async () => {
    const refused = await propose({ businessScenarios: ['Credit_Card', 'rewards'], planItem: items['Credit card app'] });
    expectProblem(refused, 409, 'app_overlaps_unresolved');
    expect(refused.body.overlaps).toEqual([
      { appId: existing.id, name: 'Cards Legacy', owningDepartment: 'CARDS', lifecycleState: 'proposed', sharedScenarios: ['credit_card'] },
    ]);
    expectProblem(
      await propose({ businessScenarios: ['credit_card'], planItem: items['Credit card app'], overlapJustification: '  ' }),
      400,
    );

    const justified = await propose({
      businessScenarios: ['credit_card', 'rewards'],
      planItem: items['Credit card app'],
      overlapJustification: 'Cards Legacy is retired next quarter; this replaces it',
    });
    expect(justified.status).toBe(201);
    const review = await t.http
      .get(`/v1/apps/${justified.body.id}/entry-review`)
      .set(await auth('dina'))
      .expect(200);
    expect(review.body).toMatchObject({
      justification: 'Cards Legacy is retired next quarter; this replaces it',
      justifiedBy: 'rita',
      overlapsJustified: [expect.objectContaining({ appId: existing.id })],
      unresolvedOverlaps: [],
    });

    // The other planned card app merges its demand into the existing one instead.
    const merge = async (as: string, body: unknown) =>
      t.http
        .post(`/v1/app-plans/${planId}/planned-apps/${items['Card mini-program']}/merge`)
        .set(await auth(as))
        .send(body as object);
    expectProblem(await merge('carl', { into: existing.id, note: 'x' }), 403, 'forbidden');
    expectProblem(await merge('rita', { into: existing.id }), 400);
    expectProblem(await merge('rita', { into: '00000000-0000-4000-8000-000000000000', note: 'x' }), 404);
    const merged = await merge('rita', { into: existing.id, note: 'Cards Legacy takes on the mini-program journeys' });
    expect(merged.status).toBe(200);
    expect(merged.body.plannedApps.find((p: { name: string }) => p.name === 'Card mini-program')).toMatchObject({
      status: 'merged',
      mergedInto: existing.id,
      mergedBy: 'rita',
    });
    expectProblem(await merge('rita', { into: existing.id, note: 'again' }), 409, 'planned_app_used');
    expectProblem(
      await propose({ kind: 'mini_program', businessScenarios: ['credit_card'], planItem: items['Card mini-program'] }),
      409,
      'planned_app_used',
    );
    expect((await auditOf('app_plan.planned_app_merged', planId)).map((e) => e.details.into)).toEqual([existing.id]);
  });

  it('waits at entry approval for overlaps that appeared since its justification, until the proposer answers them', async () => {
    const { items: more } = await approvedPlan('RETAIL', [planned('Wallet two', ['wallet_two'])]);
    const proposal = await propose({ businessScenarios: ['wallet_two'], planItem: more['Wallet two'] });
    expect(proposal.status).toBe(201);
    // A later app of another department declares the same scenario (written around the API, as a legacy import would).
    await t.container.db('apps').insert({
      id: '11111111-1111-4111-8111-111111111111',
      name: 'Wallet Two Clone',
      kind: 'app',
      audience: 'customer',
      lead_department: 'DIGITAL',
      owning_department: 'CARDS',
      responsible_person: 'Sun Li',
      monthly_active_users: 0,
      business_scenarios: ['Wallet-Two'],
      third_party_sdks: '[]',
      lifecycle_state: 'proposed',
      created_by: 'carl',
      created_at: new Date().toISOString(),
      updated_at: new Date().toISOString(),
    });
    const approve = async () =>
      t.http
        .post(`/v1/apps/${proposal.body.id}/transitions`)
        .set(await auth('dina'))
        .send({ to: 'approved' });
    const refused = await approve();
    expectProblem(refused, 409, 'app_overlaps_unresolved');
    expect(refused.body.overlaps.map((o: { name: string }) => o.name)).toEqual(['Wallet Two Clone']);
    expect(exampleIds(await check('app_proposals_overlaps_resolved'))).toContain(proposal.body.id);

    const justify = async (as: string, body: unknown, id = proposal.body.id as string) =>
      t.http
        .post(`/v1/apps/${id}/overlap-justification`)
        .set(await auth(as))
        .send(body as object);
    expectProblem(await justify('carl', { justification: 'x' }), 403, 'forbidden');
    expectProblem(await justify('dina', { justification: 'x' }), 403, 'forbidden');
    expectProblem(await justify('rita', {}), 400);
    const answered = await justify('rick', { justification: 'The clone serves corporate cards only' });
    expect(answered.status).toBe(200);
    expect(answered.body).toMatchObject({ justifiedBy: 'rick', unresolvedOverlaps: [] });
    expect((await approve()).status).toBe(200);
    expectProblem(await justify('rita', { justification: 'late' }), 409, 'app_not_proposed');
    expect(exampleIds(await check('app_proposals_overlaps_resolved'))).not.toContain(proposal.body.id);
  });

  it('is refused once its department reaches its cap; apps it already has keep working', async () => {
    const { items: capped } = await approvedPlan('RETAIL', [planned('Over the cap', ['over_cap'])]);
    const policy = await t.http
      .get(PLANNING)
      .set(await auth('amy'))
      .expect(200);
    const retail = Number(
      (
        (await t.container
          .db('apps')
          .where({ owning_department: 'RETAIL' })
          .whereNot('lifecycle_state', 'retired')
          .count({ n: '*' })) as Array<{ n: number }>
      )[0].n,
    );
    expect(policy.body.caps.find((c: { department: string }) => c.department === 'RETAIL')).toBeUndefined();
    await t.http
      .put('/v1/app-management/app-caps/RETAIL')
      .set(await auth('dina'))
      .send({ maxApps: retail })
      .expect(200);
    const before = { audit: await auditCount(), apps: await appCount() };
    const refused = await propose({ businessScenarios: ['over_cap'], planItem: capped['Over the cap'] });
    expectProblem(refused, 409, 'app_cap_reached');
    expect(refused.body).toMatchObject({ department: 'RETAIL', maxApps: retail, appsNotRetired: retail });
    expect({ audit: await auditCount(), apps: await appCount() }).toEqual(before);
    expect((await check('departments_within_app_cap'))?.count).toBe(0);
    await t.http
      .put('/v1/app-management/app-caps/RETAIL')
      .set(await auth('dina'))
      .send({ maxApps: retail - 1 })
      .expect(200);
    const over = await check('departments_within_app_cap');
    expect(over).toMatchObject({ status: 'fail', count: 1 });
    expect(exampleIds(over)).toEqual(['RETAIL']);
    const report = await t.http
      .get('/v1/reports/app-plans')
      .set(await auth('erin'))
      .expect(200);
    expect(report.body.departments.find((d: { department: string }) => d.department === 'RETAIL')).toMatchObject({
      appsNotRetired: retail,
      maxApps: retail - 1,
      overCap: true,
    });
    expectProblem(await t.http.get('/v1/reports/app-plans').set(await auth('rita')), 403, 'forbidden');
    await t.http
      .put('/v1/app-management/app-caps/RETAIL')
      .set(await auth('dina'))
      .send({ maxApps: null })
      .expect(200);
    expect((await propose({ businessScenarios: ['over_cap'], planItem: capped['Over the cap'] })).status).toBe(201);
  });

  it('shows in the compliance report: apps outside an approved plan count from the date plans are required', async () => {
    const outside = await check('apps_within_approved_plans');
    // Apps proposed today without a plan (written around the API) count; the legacy apps of earlier days would not.
    expect(outside?.status).toBe('fail');
    expect(exampleIds(outside)).toContain('11111111-1111-4111-8111-111111111111');
    const report = await t.http
      .get('/v1/reports/app-plans')
      .set(await auth('amy'))
      .expect(200);
    expect(report.body.plansRequiredFrom).toBe(TODAY);
    expect(report.body.departments.find((d: { department: string }) => d.department === 'RETAIL')).toMatchObject({ merged: 1 });
  });
});
