import { ManualClock } from '../../services/platform/clock';
import { localDate } from '../../services/reports/report-time';
import { createTestApp, expectProblem, type TestApp } from '../helpers/app';
import { completePlanBody } from '../helpers/exit-plan';
import { AppWorld, auditCount as countAuditEvents } from '../helpers/app-world';
import { Factories } from '../helpers/factories';

// The Notice, item 4: consolidation done properly. The app's department drafts a plan (risk
// assessment, data-migration steps, privacy measures, user notification); the lead department
// approves it, never one of its authors; retirement is refused until every part is done.

const DAY = 86_400_000;
// 02:00 UTC is 10:00 in the institution's zone (Asia/Shanghai): the same calendar day in both.
const clock = new ManualClock(`${new Date().toISOString().slice(0, 10)}T02:00:00.000Z`);
const today = () => localDate(clock.now(), 'Asia/Shanghai');
const day = (n: number) => localDate(new Date(clock.now().getTime() + n * DAY), 'Asia/Shanghai');

let t: TestApp;
let f: Factories;
const auth = async (sub: string) => ({ Authorization: `Bearer ${await t.staffToken(sub)}` });
const auditCount = () => countAuditEvents(t);
const actionsOf = async (appId: string) =>
  (
    await t.http
      .get(`/v1/audit?objectType=app&objectId=${appId}&limit=50`)
      .set(await auth('root-admin'))
      .expect(200)
  ).body.items.map((e: { action: string }) => e.action) as string[];
const itemsOf = (res: { body: { incomplete?: Array<{ item: string }> } }) => (res.body.incomplete ?? []).map((g) => g.item);

const newApp = (owningDepartment = 'RETAIL'): Promise<string> =>
  new AppWorld(t, f).newApp({ owningDepartment, businessOwner: 'Zhao Min', technologyOwner: 'Chen Jie' }, 'ada');

/** Puts an app in a state directly (the lifecycle's own tests walk it step by step). */
const putIn = (id: string, state: string) => t.container.db('apps').where({ id }).update({ lifecycle_state: state });

const plan = (id: string) => `/v1/apps/${id}/consolidation-plan`;
const draft = async (id: string, body: Record<string, unknown>, as = 'amy') =>
  t.http
    .post(plan(id))
    .set(await auth(as))
    .send(body);
const revise = async (id: string, body: Record<string, unknown>, as = 'amy') =>
  t.http
    .patch(plan(id))
    .set(await auth(as))
    .send(body);
const approve = async (id: string, as = 'lee') =>
  t.http
    .post(`${plan(id)}/approve`)
    .set(await auth(as))
    .send({});
const stepUpdate = async (id: string, stepId: string, body: Record<string, unknown>, as = 'amy') =>
  t.http
    .patch(`${plan(id)}/steps/${stepId}`)
    .set(await auth(as))
    .send(body);
const notificationSent = async (id: string, body: Record<string, unknown> = {}, as = 'amy') =>
  t.http
    .post(`${plan(id)}/notification-sent`)
    .set(await auth(as))
    .send(body);
const retire = async (id: string, as = 'lee') =>
  t.http
    .post(`/v1/apps/${id}/transitions`)
    .set(await auth(as))
    .send({
      to: 'retired',
      disposal: { dataDeleted: 'Device records erased', userNotice: 'SMS', userNotifiedAt: new Date(Date.now() - DAY).toISOString() },
    });

const bareDraft = { kind: 'retirement', reason: 'Low use; its functions live in the main app' };

beforeAll(async () => {
  t = await createTestApp({ clock });
  f = new Factories(t);
  await f.department('DIGITAL', 'technology');
  await f.department('RETAIL');
  await f.department('CARDS');
  await t.http
    .put('/v1/app-management/lead-department')
    .set(await auth('root-admin'))
    .send({ department: 'DIGITAL' })
    .expect(200);
  // ada enters the apps in the ledger and takes no part in their plans.
  await t.grantRole('ada', 'app_manager', '*');
  await t.grantRole('amy', 'app_manager', 'RETAIL');
  await t.grantRole('cat', 'app_manager', 'RETAIL');
  await t.grantRole('lee', 'app_manager', 'DIGITAL');
  // lou manages apps in both: she may write a RETAIL plan and holds app:approve in the lead department.
  await t.grantRole('lou', 'app_manager', 'DIGITAL');
  await t.grantRole('lou', 'app_manager', 'RETAIL');
  await t.grantRole('ola', 'app_manager', 'CARDS');
  await t.grantRole('pat', 'privacy_officer', '*');
  await t.grantRole('dora', 'data_owner', 'RETAIL');
  await t.grantRole('aud', 'auditor', '*');
});
afterAll(() => t.close());

describe('drafting a plan', () => {
  it('is the owning department’s: a partial draft lists every missing part, audited with its content', async () => {
    const id = await newApp();
    const res = await draft(id, bareDraft);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      appId: id,
      kind: 'retirement',
      status: 'draft',
      mergesInto: [],
      riskAssessment: null,
      privacyMeasures: [],
      notification: null,
      steps: [],
      authors: ['amy'],
      createdBy: 'amy',
      approvedBy: null,
      readyToRetire: false,
    });
    expect(itemsOf(res)).toEqual([
      'risk_assessment_missing',
      'migration_steps_missing',
      'privacy_measures_missing',
      'notification_missing',
      'plan_not_approved',
    ]);
    expect((await actionsOf(id))[0]).toBe('app.consolidation_plan_drafted');
    // The lead department's app managers and auditors read it too; another department does not.
    for (const reader of ['amy', 'lee', 'aud', 'dora']) {
      expect((await t.http.get(plan(id)).set(await auth(reader))).status).toBe(200);
    }
    expectProblem(await t.http.get(plan(id)).set(await auth('ola')), 403, 'forbidden');
  });

  it('allows one open plan per app (409, nothing written)', async () => {
    const id = await newApp();
    expect((await draft(id, bareDraft)).status).toBe(201);
    const before = await auditCount();
    expectProblem(await draft(id, bareDraft, 'cat'), 409, 'consolidation_plan_exists');
    expect(await auditCount()).toBe(before);
  });

  it('lets only one of two simultaneous drafts through', async () => {
    const id = await newApp();
    const answers = await Promise.all([draft(id, bareDraft, 'amy'), draft(id, bareDraft, 'cat')]);
    expect(answers.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(
      Number(((await t.container.db('app_consolidation_plans').where({ app_id: id }).count({ n: '*' })) as Array<{ n: number }>)[0].n),
    ).toBe(1);
  });

  it('refuses writers outside the owning department and roles without app:update (403, nothing written)', async () => {
    const id = await newApp();
    const before = await auditCount();
    for (const who of ['ola', 'lee', 'pat', 'aud', 'dora']) expectProblem(await draft(id, bareDraft, who), 403, 'forbidden');
    expect(await auditCount()).toBe(before);
    expectProblem(await t.http.get(plan(id)).set(await auth('amy')), 404, 'not_found');
  });

  it('names the apps a consolidation merges into, as they are now', async () => {
    const id = await newApp();
    const main = await newApp();
    const res = await draft(id, { kind: 'consolidation', reason: 'Merging into the main app', mergesInto: [main] });
    expect(res.status).toBe(201);
    expect(res.body.mergesInto).toEqual([expect.objectContaining({ id: main, lifecycleState: 'proposed' })]);
  });

  // What the service refuses (merge targets: none, itself, unknown, retired; a retirement naming some; a risk
  // assessment dated in the future) is tested on fakes in test/unit/apps-consolidation-rules.test.ts.
  describe('bad input: 400 naming the field, nothing written', () => {
    let id: string;
    let retiredApp: string;
    beforeAll(async () => {
      id = await newApp();
      retiredApp = await newApp();
      await putIn(retiredApp, 'retired');
    });
    const full = () => completePlanBody(clock.now());
    it.each<[string, () => Record<string, unknown>, string]>([
      ['the same app twice', () => ({ ...full(), kind: 'consolidation', mergesInto: [retiredApp, retiredApp] }), 'body.mergesInto'],
      [
        'migrated data without a destination',
        () => ({ ...full(), steps: [{ description: 'Move accounts', handling: 'migrated', owner: 'Chen Jie', dueOn: day(3) }] }),
        'body.steps.0.destination',
      ],
      [
        'deleted data with a destination',
        () => ({
          ...full(),
          steps: [{ description: 'Erase logs', handling: 'deleted', destination: 'Main app', owner: 'Chen Jie', dueOn: day(3) }],
        }),
        'body.steps.0.destination',
      ],
      [
        'conditions without residual risks',
        () => ({ ...full(), riskAssessment: { ...full().riskAssessment, result: 'acceptable_with_conditions', residualRisks: [] } }),
        'body.riskAssessment.residualRisks',
      ],
      [
        'no notification channel',
        () => ({ ...full(), notification: { ...full().notification, channels: [] } }),
        'body.notification.channels',
      ],
      [
        'a channel named twice',
        () => ({ ...full(), notification: { ...full().notification, channels: ['sms', 'sms'] } }),
        'body.notification.channels',
      ],
      ['an unknown kind', () => ({ ...full(), kind: 'sunset' }), 'body.kind'],
      ['an unknown field', () => ({ ...full(), approvedBy: 'amy' }), 'body'],
      ['no reason', () => ({ kind: 'retirement' }), 'body.reason'],
    ])('%s', async (_label, body, path) => {
      const before = await auditCount();
      const res = await draft(id, body());
      expectProblem(res, 400, 'validation_failed');
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
      expect(await auditCount()).toBe(before);
      expectProblem(await t.http.get(plan(id)).set(await auth('amy')), 404, 'not_found');
    });
  });
});

describe('approving a plan', () => {
  let id: string;
  beforeAll(async () => {
    id = await newApp();
    await draft(id, bareDraft).then((r) => expect(r.status).toBe(201));
  });

  it('refuses a plan missing parts, naming each (409)', async () => {
    const before = await auditCount();
    const res = await approve(id);
    expectProblem(res, 409, 'consolidation_plan_incomplete');
    expect(itemsOf(res)).toEqual([
      'risk_assessment_missing',
      'migration_steps_missing',
      'privacy_measures_missing',
      'notification_missing',
    ]);
    expect(await auditCount()).toBe(before);
  });

  it('is for the lead department’s app managers only (403), and never one of the plan’s authors (403 separation_of_duties)', async () => {
    const { steps, ...content } = completePlanBody(clock.now());
    expect((await revise(id, content, 'lou')).status).toBe(200);
    expect(
      (
        await t.http
          .post(`${plan(id)}/steps`)
          .set(await auth('cat'))
          .send(steps[0])
      ).status,
    ).toBe(201);
    const before = await auditCount();
    for (const who of ['amy', 'cat', 'ola', 'pat', 'aud']) expectProblem(await approve(id, who), 403, 'forbidden');
    const own = await approve(id, 'lou');
    expectProblem(own, 403, 'separation_of_duties');
    expect(own.body.detail).toContain('lou wrote this plan');
    expect(await auditCount()).toBe(before);

    const res = await approve(id, 'lee');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'approved', approvedBy: 'lee', authors: ['amy', 'lou', 'cat'] });
    // What remains is the plan's execution: the step, and sending the notification (its day, two days ago, has passed).
    expect(itemsOf(res)).toEqual(['migration_step_not_done', 'notification_not_sent']);
    expect((await actionsOf(id))[0]).toBe('app.consolidation_plan_approved');
    expectProblem(await approve(id, 'lee'), 409, 'consolidation_plan_approved');
  });

  it('keeps the approval through progress, and withdraws it when the content changes', async () => {
    const stepId = (await t.http.get(plan(id)).set(await auth('amy'))).body.steps[0].id as string;
    const progress = await stepUpdate(id, stepId, { status: 'in_progress' }, 'amy');
    expect(progress.status).toBe(200);
    expect(progress.body).toMatchObject({ status: 'approved', steps: [{ status: 'in_progress', completedAt: null, updatedBy: 'amy' }] });

    const moved = await stepUpdate(id, stepId, { dueOn: day(10) }, 'amy');
    expect(moved.body).toMatchObject({ status: 'draft', approvedBy: null });
    const audit = await t.http
      .get(`/v1/audit?objectType=app&objectId=${id}&limit=1`)
      .set(await auth('root-admin'))
      .expect(200);
    expect(audit.body.items[0]).toMatchObject({ action: 'app.migration_step_updated', details: { approvalWithdrawn: true } });
    await approve(id, 'lee').then((r) => expect(r.status).toBe(200));

    const risky = await revise(id, {
      riskAssessment: { assessor: 'IT Risk Office', assessedOn: today(), result: 'not_acceptable', residualRisks: [] },
    });
    expect(risky.body.status).toBe('draft');
    const refused = await approve(id, 'lee');
    expectProblem(refused, 409, 'consolidation_plan_incomplete');
    expect(itemsOf(refused)).toEqual(['risk_not_acceptable']);
  });

  it('answers 409 while no lead department is named', async () => {
    const other = await newApp();
    await draft(other, completePlanBody(clock.now())).then((r) => expect(r.status).toBe(201));
    const lead = await t.container.db('app_lead_department').first();
    await t.container.db('app_lead_department').delete();
    try {
      // With no lead department the route asks the owning department (lou manages apps there too); the service refuses.
      expectProblem(await approve(other, 'lou'), 409, 'lead_department_not_configured');
    } finally {
      await t.container.db('app_lead_department').insert(lead);
    }
  });
});

describe('retirement', () => {
  it('is refused without a plan (409 retirement_plan_incomplete: plan_missing), writing nothing', async () => {
    const id = await newApp();
    await putIn(id, 'consolidating');
    const before = await auditCount();
    const res = await retire(id);
    expectProblem(res, 409, 'retirement_plan_incomplete');
    expect(res.body).toMatchObject({ planId: null, incomplete: [{ item: 'plan_missing' }] });
    expect(await auditCount()).toBe(before);
  });

  it('is refused until every part is done and the notification day has passed, then completes the plan', async () => {
    const id = await newApp();
    const main = await newApp();
    await putIn(id, 'consolidating');
    await putIn(main, 'operating');
    const body = {
      ...completePlanBody(clock.now()),
      kind: 'consolidation',
      mergesInto: [main],
      notification: { channels: ['in_app', 'push'], notifyOn: day(1), content: 'Card services move to the main app on the 1st.' },
      steps: [
        { description: 'Migrate card accounts', handling: 'migrated', destination: 'Main mobile bank', owner: 'Chen Jie', dueOn: day(1) },
        { description: 'Erase device bindings', handling: 'deleted', owner: 'Sun Hao', dueOn: day(2) },
      ],
    };
    const drafted = await draft(id, body);
    expect(drafted.status).toBe(201);
    const [migrate, erase] = drafted.body.steps as Array<{ id: string }>;

    // Only the lead department retires, and it learns nothing of the plan before it may.
    expectProblem(await retire(id, 'amy'), 403, 'forbidden');
    let res = await retire(id);
    expectProblem(res, 409, 'retirement_plan_incomplete');
    expect(itemsOf(res)).toEqual([
      'plan_not_approved',
      'migration_step_not_done',
      'migration_step_not_done',
      'notification_not_sent',
      'notification_date_not_passed',
    ]);
    expect(res.body.detail).toContain('Migrate card accounts');

    expectProblem(await notificationSent(id), 409, 'consolidation_plan_not_approved');
    await approve(id).then((r) => expect(r.status).toBe(200));
    expectProblem(await notificationSent(id), 409, 'notification_not_due');
    expectProblem(await notificationSent(id, { sentAt: new Date(clock.now().getTime() + DAY).toISOString() }), 400, 'validation_failed');
    const beforeApproval = await notificationSent(id, { sentAt: new Date(clock.now().getTime() - DAY).toISOString() });
    expectProblem(beforeApproval, 400, 'validation_failed');
    expect(beforeApproval.body.detail).toContain('before the plan');
    expect((await stepUpdate(id, migrate.id, { status: 'done' })).body.steps[0]).toMatchObject({
      status: 'done',
      completedAt: clock.now().toISOString(),
    });
    res = await retire(id);
    expect(itemsOf(res)).toEqual(['migration_step_not_done', 'notification_not_sent', 'notification_date_not_passed']);

    clock.advance(DAY);
    const sent = await notificationSent(id);
    expect(sent.body.notification).toMatchObject({ sentBy: 'amy', sentAt: clock.now().toISOString() });
    expectProblem(await revise(id, { notification: { ...body.notification, content: 'Changed' } }), 409, 'notification_already_sent');
    await stepUpdate(id, erase.id, { status: 'done', completedAt: new Date(clock.now().getTime() - 60_000).toISOString() });
    const before = await auditCount();
    res = await retire(id);
    expect(itemsOf(res)).toEqual(['notification_date_not_passed']);
    expect(res.body.detail).toContain(`Users are told on ${day(0)}`);
    expect(await auditCount()).toBe(before);
    expect((await t.http.get(plan(id)).set(await auth('amy'))).body).toMatchObject({ status: 'approved', readyToRetire: false });

    clock.advance(DAY);
    expect((await t.http.get(plan(id)).set(await auth('amy'))).body).toMatchObject({ readyToRetire: true, incomplete: [] });
    res = await retire(id);
    expect(res.status).toBe(200);
    expect(res.body.lifecycleState).toBe('retired');
    expect((await actionsOf(id)).slice(0, 2)).toEqual(['app.consolidation_plan_completed', 'app.transitioned']);
    const closed = await t.http.get(plan(id)).set(await auth('aud'));
    expect(closed.body).toMatchObject({ status: 'completed', closedBy: 'lee', readyToRetire: false, incomplete: [] });
    expectProblem(await revise(id, { reason: 'Too late' }), 409, 'app_retired');
  });

  it('waits while an app it merges into is itself winding down', async () => {
    const id = await newApp();
    const main = await newApp();
    await putIn(id, 'consolidating');
    await draft(id, { ...completePlanBody(clock.now()), kind: 'consolidation', mergesInto: [main] }).then((r) =>
      expect(r.status).toBe(201),
    );
    await putIn(main, 'consolidating');
    const res = await approve(id);
    expectProblem(res, 409, 'consolidation_plan_incomplete');
    expect(res.body.incomplete).toEqual([expect.objectContaining({ item: 'merge_target_unavailable', appId: main })]);
  });
});

describe('migration steps', () => {
  it('refuses bad progress (400) and an unknown step (404)', async () => {
    const id = await newApp();
    const stepId = (await draft(id, completePlanBody(clock.now()))).body.steps[0].id as string;
    const before = await auditCount();
    for (const body of [
      {},
      { completedAt: clock.now().toISOString() },
      { status: 'done', completedAt: new Date(clock.now().getTime() + DAY).toISOString() },
      { status: 'finished' },
      { handling: 'migrated' },
      { destination: 'Main app' },
    ]) {
      expectProblem(await stepUpdate(id, stepId, body), 400, 'validation_failed');
    }
    expectProblem(await stepUpdate(id, crypto.randomUUID(), { status: 'done' }), 404, 'not_found');
    expectProblem(await stepUpdate(id, stepId, { status: 'done' }, 'ola'), 403, 'forbidden');
    expect(await auditCount()).toBe(before);
  });
});

describe('cancelling a plan', () => {
  it('closes it with the reason and lets a new one be drafted', async () => {
    const id = await newApp();
    await draft(id, bareDraft);
    expectProblem(
      await t.http
        .post(`${plan(id)}/cancel`)
        .set(await auth('amy'))
        .send({}),
      400,
      'validation_failed',
    );
    const res = await t.http
      .post(`${plan(id)}/cancel`)
      .set(await auth('amy'))
      .send({ reason: 'The app stays after all' });
    expect(res.body).toMatchObject({ status: 'cancelled', closedBy: 'amy', closeReason: 'The app stays after all', readyToRetire: false });
    expect((await actionsOf(id))[0]).toBe('app.consolidation_plan_cancelled');
    expectProblem(await approve(id), 404, 'not_found');
    expect((await draft(id, bareDraft, 'cat')).status).toBe(201);
  });
});

describe('compliance report', () => {
  const check = async (code: string) => {
    const res = await t.http
      .get('/v1/reports/compliance?lang=en')
      .set(await auth('aud'))
      .expect(200);
    return (
      res.body.checks as Array<{
        code: string;
        status: string;
        count: number;
        examined: number;
        examples: string[];
        exampleLabels: Array<{ id: string; label: string | null }>;
      }>
    ).find((c) => c.code === code);
  };

  it('counts apps consolidating without an approved plan, and overdue migration steps', async () => {
    const bare = await newApp();
    const drafted = await newApp();
    const approved = await newApp();
    for (const id of [bare, drafted, approved]) await putIn(id, 'consolidating');
    const realToday = new Date().toISOString().slice(0, 10);
    const overdueDay = new Date(Date.now() - 3 * DAY).toISOString().slice(0, 10);
    const late = await draft(drafted, {
      ...completePlanBody(clock.now()),
      steps: [{ description: 'Export statements', handling: 'migrated', destination: 'Archive', owner: 'Qian Li', dueOn: overdueDay }],
    });
    await draft(approved, completePlanBody(clock.now()));
    await approve(approved).then((r) => expect(r.status).toBe(200));

    // Retired before plans existed: no plan, nothing can be added, so the check does not examine it.
    const examinedBefore = (await t.container.apps.consolidationPlans.compliance.exitWithoutCompletePlan()).examined;
    const legacy = await newApp();
    await putIn(legacy, 'retired');
    expect((await t.container.apps.consolidationPlans.compliance.exitWithoutCompletePlan()).examined).toBe(examinedBefore);
    const exit = await check('apps_exit_without_complete_plan');
    expect(exit?.examples).not.toContain(legacy);
    expect(exit?.status).toBe('fail');
    expect(exit?.examples).toEqual(expect.arrayContaining([bare, drafted]));
    expect(exit?.examples).not.toContain(approved);
    const facts = await t.container.apps.consolidationPlans.compliance.exitWithoutCompletePlan();
    expect(facts.count).toBe(exit?.count);

    const steps = await check('app_migration_steps_overdue');
    const lateStep = late.body.steps[0] as { id: string };
    expect(steps?.status).toBe('warn');
    expect(steps?.examples).toContain(lateStep.id);
    expect(steps?.exampleLabels.find((l) => l.id === lateStep.id)?.label).toContain(`Export statements (due ${overdueDay})`);
    const counted = await t.container.apps.consolidationPlans.compliance.overdueMigrationSteps(new Date(`${realToday}T04:00:00Z`));
    expect(counted.count).toBe(steps?.count);
    await stepUpdate(drafted, lateStep.id, { status: 'done' });
    expect((await check('app_migration_steps_overdue'))?.examples).not.toContain(lateStep.id);
  });
});
