import crypto from 'node:crypto';
import { FakeConsolidationStore } from '../../services/apps/consolidation/fake-store';
import { PlanRetirementGate } from '../../services/apps/consolidation/retirement-gate';
import type { DraftPlan } from '../../services/apps/consolidation/schemas';
import { ConsolidationPlanService } from '../../services/apps/consolidation/service';
import { FakeAppStore } from '../../services/apps/fake-store';
import { ManualClock } from '../../services/platform/clock';
import { ledgerOnFakes, putApp } from '../fakes/apps';
import { RecordingAudit, problemCode, problemOf, staff } from '../fakes/ports';

// 02:00 UTC is 10:00 in the institution's zone (Asia/Shanghai): the same calendar day in both.
const NOW = '2026-06-15T02:00:00.000Z';
const DAY = 86_400_000;
const day = (clock: ManualClock, n: number) => new Date(clock.now().getTime() + n * DAY).toISOString().slice(0, 10);
const disposal = { dataDeleted: 'Device records erased', userNotice: 'SMS', userNotifiedAt: '2026-06-14T02:00:00.000Z' };

const bareDraft: DraftPlan = { kind: 'retirement', reason: 'Low use; its functions live in the main app' };
/** A retirement plan with every part, dated from `now`. */
const completePlan = (clock: ManualClock): DraftPlan => ({
  kind: 'retirement',
  reason: 'Functions moved into the main mobile bank',
  riskAssessment: { assessor: 'IT Risk Office', assessedOn: day(clock, -3), result: 'acceptable', residualRisks: [] },
  privacyMeasures: ['Exports encrypted in transit and at rest', 'Erasure certified by the data owner'],
  notification: {
    channels: ['in_app', 'sms'],
    notifyOn: day(clock, -2),
    content: 'The app closes; your data moves to the main app or is erased.',
  },
  steps: [{ description: 'Erase device and login records', handling: 'deleted', owner: 'Chen Jie', dueOn: day(clock, 5) }],
});

/** The plans and their retirement gate wired into the ledger: DIGITAL leads, lee and lou approve there. */
function world() {
  const clock = new ManualClock(NOW);
  const store = new FakeAppStore();
  const audit = new RecordingAudit();
  const plans = new FakeConsolidationStore(store);
  const gate = new PlanRetirementGate({ store: plans, audit, clock, timeZone: 'Asia/Shanghai' });
  const w = ledgerOnFakes({ clock, store, audit, retirementGates: [gate] });
  w.roles.grant('lee', 'app', 'approve', 'DIGITAL').grant('lou', 'app', 'approve', 'DIGITAL');
  const service = new ConsolidationPlanService({
    db: w.tx,
    apps: store,
    store: plans,
    audit,
    lead: w.lead,
    roles: w.roles,
    clock,
    timeZone: 'Asia/Shanghai',
  });
  const itemsOf = (gaps: unknown) => (gaps as Array<{ item: string }>).map((g) => g.item);
  const retire = (id: string, as = 'lee') => w.lifecycle.transition(staff(as), id, { to: 'retired', disposal });
  return { ...w, plans, service, itemsOf, retire };
}

describe('drafting a consolidation or retirement plan (in memory)', () => {
  it('lists every missing part of a partial draft, audited with its content; one open plan per app', async () => {
    const { service, store, audit } = world();
    const app = putApp(store);
    const plan = await service.draft(staff('amy'), app.id, bareDraft);
    expect(plan).toMatchObject({
      appId: app.id,
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
    expect(plan.incomplete.map((g) => g.item)).toEqual([
      'risk_assessment_missing',
      'migration_steps_missing',
      'privacy_measures_missing',
      'notification_missing',
      'plan_not_approved',
    ]);
    expect(audit.events).toEqual([
      expect.objectContaining({
        action: 'app.consolidation_plan_drafted',
        objectId: app.id,
        details: expect.objectContaining({ planId: plan.id }),
      }),
    ]);
    expect(await problemCode(service.draft(staff('cat'), app.id, bareDraft))).toBe('consolidation_plan_exists');
    expect(audit.events).toHaveLength(1);
    expect(await service.get(app.id)).toEqual(plan);
  });

  it('names the apps a consolidation merges into, as they are now', async () => {
    const { service, store } = world();
    const app = putApp(store);
    const main = putApp(store, { name: 'Main' });
    const plan = await service.draft(staff('amy'), app.id, {
      kind: 'consolidation',
      reason: 'Merging into the main app',
      mergesInto: [main.id],
    });
    expect(plan.mergesInto).toEqual([{ id: main.id, name: 'Main', lifecycleState: 'proposed' }]);
    store.apps.set(main.id, { ...main, lifecycleState: 'operating' });
    expect((await service.get(app.id)).mergesInto).toEqual([{ id: main.id, name: 'Main', lifecycleState: 'operating' }]);
  });

  it.each<[string, (self: string, retired: string, clock: ManualClock) => DraftPlan, string]>([
    ['a consolidation without apps to merge into', (_s, _r, c) => ({ ...completePlan(c), kind: 'consolidation' }), 'body.mergesInto'],
    ['a retirement naming apps to merge into', (s, _r, c) => ({ ...completePlan(c), mergesInto: [s] }), 'body.mergesInto'],
    ['an app merging into itself', (s, _r, c) => ({ ...completePlan(c), kind: 'consolidation', mergesInto: [s] }), 'body.mergesInto.0'],
    [
      'an unknown app',
      (_s, _r, c) => ({ ...completePlan(c), kind: 'consolidation', mergesInto: [crypto.randomUUID()] }),
      'body.mergesInto.0',
    ],
    ['a retired app', (_s, r, c) => ({ ...completePlan(c), kind: 'consolidation', mergesInto: [r] }), 'body.mergesInto.0'],
    [
      'a risk assessment dated in the future',
      (_s, _r, c) => ({
        ...completePlan(c),
        riskAssessment: { assessor: 'IT Risk Office', assessedOn: day(c, 2), result: 'acceptable', residualRisks: [] },
      }),
      'body.riskAssessment.assessedOn',
    ],
  ])('refuses %s: 400 naming the field, nothing written', async (_label, body, path) => {
    const { service, store, audit, clock } = world();
    const app = putApp(store);
    const retired = putApp(store, { lifecycleState: 'retired' });
    const problem = await problemOf(service.draft(staff('amy'), app.id, body(app.id, retired.id, clock)));
    expect(problem.code).toBe('validation_failed');
    expect((problem.toProblem().errors as Array<{ path: string }>).map((e) => e.path)).toContain(path);
    expect(audit.events).toHaveLength(0);
    expect(await problemCode(service.get(app.id))).toBe('not_found');
  });

  it('answers 404 for an unknown app and 409 for a retired one', async () => {
    const { service, store } = world();
    expect(await problemCode(service.draft(staff('amy'), crypto.randomUUID(), bareDraft))).toBe('not_found');
    expect(await problemCode(service.get(crypto.randomUUID()))).toBe('not_found');
    expect(await problemCode(service.draft(staff('amy'), putApp(store, { lifecycleState: 'retired' }).id, bareDraft))).toBe('app_retired');
  });
});

describe('approving a plan (in memory)', () => {
  it('refuses a plan missing parts, naming each, and an approver outside the lead department or among its authors', async () => {
    const { service, store, audit, clock, accountability, roles } = world();
    roles.grant('rita', 'app', 'approve', 'RETAIL');
    const app = putApp(store);
    await service.draft(staff('amy'), app.id, bareDraft);
    const incomplete = await problemOf(service.approve(staff('lee'), app.id, {}));
    expect(incomplete.toProblem()).toMatchObject({ status: 409, code: 'consolidation_plan_incomplete' });
    expect(incomplete.extensions.incomplete).toEqual([
      expect.objectContaining({ item: 'risk_assessment_missing' }),
      expect.objectContaining({ item: 'migration_steps_missing' }),
      expect.objectContaining({ item: 'privacy_measures_missing' }),
      expect.objectContaining({ item: 'notification_missing' }),
    ]);
    const { steps = [], ...content } = completePlan(clock);
    await service.revise(staff('lou'), app.id, content);
    for (const step of steps) await service.addStep(staff('cat'), app.id, step);
    const drafted = audit.events.length;
    expect((await problemOf(service.approve(staff('rita'), app.id, {}))).toProblem()).toMatchObject({
      status: 403,
      code: 'not_lead_department',
      leadDepartment: 'DIGITAL',
      step: 'plan_approval',
    });
    const own = await problemOf(service.approve(staff('lou'), app.id, {}));
    expect(own.toProblem()).toMatchObject({ status: 403, code: 'separation_of_duties', authors: ['amy', 'lou', 'cat'] });
    expect(own.message).toContain('lou wrote this plan');
    accountability.lead = { department: null, setBy: null, setAt: null };
    expect(await problemCode(service.approve(staff('lee'), app.id, {}))).toBe('lead_department_not_configured');
    accountability.lead = { department: 'DIGITAL', setBy: 'root-admin', setAt: NOW };
    expect(audit.events).toHaveLength(drafted);

    const approved = await service.approve(staff('lee'), app.id, { note: 'Fine' });
    expect(approved).toMatchObject({ status: 'approved', approvedBy: 'lee', approvedAt: NOW, authors: ['amy', 'lou', 'cat'] });
    // What remains is the plan's execution: the step, and sending the notification (its day, two days ago, has passed).
    expect(approved.incomplete.map((g) => g.item)).toEqual(['migration_step_not_done', 'notification_not_sent']);
    expect(audit.events.at(-1)).toMatchObject({
      action: 'app.consolidation_plan_approved',
      details: { note: 'Fine', authors: ['amy', 'lou', 'cat'] },
    });
    expect(await problemCode(service.approve(staff('lee'), app.id, {}))).toBe('consolidation_plan_approved');
  });

  it('keeps the approval through progress, and withdraws it when the content changes', async () => {
    const { service, store, audit, clock } = world();
    const app = putApp(store);
    const plan = await service.draft(staff('amy'), app.id, completePlan(clock));
    await service.approve(staff('lee'), app.id, {});
    const stepId = plan.steps[0].id;
    const progress = await service.updateStep(staff('amy'), app.id, stepId, { status: 'in_progress' });
    expect(progress).toMatchObject({ status: 'approved', steps: [{ status: 'in_progress', completedAt: null, updatedBy: 'amy' }] });
    expect(audit.events.at(-1)).toMatchObject({ action: 'app.migration_step_updated', details: { approvalWithdrawn: false } });

    const moved = await service.updateStep(staff('amy'), app.id, stepId, { dueOn: day(clock, 10) });
    expect(moved).toMatchObject({ status: 'draft', approvedBy: null });
    expect(audit.events.at(-1)).toMatchObject({ action: 'app.migration_step_updated', details: { approvalWithdrawn: true } });
    await service.approve(staff('lee'), app.id, {});
    const added = await service.addStep(staff('cat'), app.id, {
      description: 'Archive statements',
      handling: 'migrated',
      destination: 'Archive',
      owner: 'Qian Li',
      dueOn: day(clock, 3),
    });
    expect(added).toMatchObject({ status: 'draft', authors: ['amy', 'cat'], steps: [{ position: 1 }, { position: 2, status: 'planned' }] });
    expect(audit.events.at(-1)).toMatchObject({ action: 'app.migration_step_added', details: { approvalWithdrawn: true } });

    await service.approve(staff('lee'), app.id, {});
    const risky = await service.revise(staff('amy'), app.id, {
      riskAssessment: { assessor: 'IT Risk Office', assessedOn: day(clock, 0), result: 'not_acceptable', residualRisks: [] },
    });
    expect(risky.status).toBe('draft');
    expect(audit.events.at(-1)).toMatchObject({ action: 'app.consolidation_plan_revised', details: { approvalWithdrawn: true } });
    const refused = await problemOf(service.approve(staff('lee'), app.id, {}));
    expect(refused.code).toBe('consolidation_plan_incomplete');
    expect((refused.extensions.incomplete as Array<{ item: string }>).map((g) => g.item)).toEqual(['risk_not_acceptable']);
  });

  it('waits while an app it merges into is itself winding down', async () => {
    const { service, store, clock } = world();
    const app = putApp(store, { lifecycleState: 'consolidating' });
    const main = putApp(store);
    await service.draft(staff('amy'), app.id, { ...completePlan(clock), kind: 'consolidation', mergesInto: [main.id] });
    store.apps.set(main.id, { ...main, lifecycleState: 'consolidating' });
    const refused = await problemOf(service.approve(staff('lee'), app.id, {}));
    expect(refused.code).toBe('consolidation_plan_incomplete');
    expect(refused.extensions.incomplete).toEqual([expect.objectContaining({ item: 'merge_target_unavailable', appId: main.id })]);
  });
});

describe('migration steps and cancelling (in memory)', () => {
  it('refuses a migrated step without destination, a deleted one with one, completion in the future and an unknown step', async () => {
    const { service, store, clock, audit } = world();
    const app = putApp(store);
    const stepId = (await service.draft(staff('amy'), app.id, completePlan(clock))).steps[0].id;
    const before = audit.events.length;
    for (const [body, path] of [
      [{ handling: 'migrated' as const }, 'body.destination'],
      [{ destination: 'Main app' }, 'body.destination'],
      [{ status: 'done' as const, completedAt: new Date(clock.now().getTime() + DAY).toISOString() }, 'body.completedAt'],
    ] as const) {
      const problem = await problemOf(service.updateStep(staff('amy'), app.id, stepId, body));
      expect(problem.toProblem()).toMatchObject({ code: 'validation_failed', errors: [{ path }] });
    }
    expect(await problemCode(service.updateStep(staff('amy'), app.id, crypto.randomUUID(), { status: 'done' }))).toBe('not_found');
    expect(audit.events).toHaveLength(before);
    const done = await service.updateStep(staff('amy'), app.id, stepId, { status: 'done' });
    expect(done.steps[0]).toMatchObject({ status: 'done', completedAt: NOW });
  });

  it('closes a plan with the reason and lets a new one be drafted', async () => {
    const { service, store, audit } = world();
    const app = putApp(store);
    await service.draft(staff('amy'), app.id, bareDraft);
    const cancelled = await service.cancel(staff('amy'), app.id, { reason: 'The app stays after all' });
    expect(cancelled).toMatchObject({
      status: 'cancelled',
      closedBy: 'amy',
      closeReason: 'The app stays after all',
      readyToRetire: false,
      incomplete: [],
    });
    expect(audit.events.at(-1)).toMatchObject({
      action: 'app.consolidation_plan_cancelled',
      details: { reason: 'The app stays after all', wasApproved: false },
    });
    expect(await problemCode(service.approve(staff('lee'), app.id, {}))).toBe('not_found');
    expect(await service.get(app.id)).toMatchObject({ status: 'cancelled' });
    await expect(service.draft(staff('cat'), app.id, bareDraft)).resolves.toMatchObject({ status: 'draft', createdBy: 'cat' });
  });
});

describe('retirement waits for the plan (in memory)', () => {
  it('is refused without a plan (409 retirement_plan_incomplete: plan_missing), writing nothing', async () => {
    const { store, retire, audit } = world();
    const app = putApp(store, { lifecycleState: 'consolidating' });
    const problem = await problemOf(retire(app.id));
    expect(problem.toProblem()).toMatchObject({
      status: 409,
      code: 'retirement_plan_incomplete',
      planId: null,
      incomplete: [{ item: 'plan_missing' }],
    });
    expect(audit.events).toHaveLength(0);
    expect(store.apps.get(app.id)?.lifecycleState).toBe('consolidating');
  });

  it('is refused until every part is done and the notification day has passed, then completes the plan', async () => {
    const { service, store, audit, clock, retire, itemsOf } = world();
    const app = putApp(store, { lifecycleState: 'consolidating' });
    const main = putApp(store, { lifecycleState: 'operating' });
    const notification = {
      channels: ['in_app' as const, 'push' as const],
      notifyOn: day(clock, 1),
      content: 'Card services move to the main app on the 1st.',
    };
    const drafted = await service.draft(staff('amy'), app.id, {
      ...completePlan(clock),
      kind: 'consolidation',
      mergesInto: [main.id],
      notification,
      steps: [
        {
          description: 'Migrate card accounts',
          handling: 'migrated',
          destination: 'Main mobile bank',
          owner: 'Chen Jie',
          dueOn: day(clock, 1),
        },
        { description: 'Erase device bindings', handling: 'deleted', owner: 'Sun Hao', dueOn: day(clock, 2) },
      ],
    });
    const [migrate, erase] = drafted.steps;
    let refused = await problemOf(retire(app.id));
    expect(refused.code).toBe('retirement_plan_incomplete');
    expect(itemsOf(refused.extensions.incomplete)).toEqual([
      'plan_not_approved',
      'migration_step_not_done',
      'migration_step_not_done',
      'notification_not_sent',
      'notification_date_not_passed',
    ]);
    expect(refused.message).toContain('Migrate card accounts');

    expect(await problemCode(service.recordNotificationSent(staff('amy'), app.id, {}))).toBe('consolidation_plan_not_approved');
    await service.approve(staff('lee'), app.id, {});
    expect(await problemCode(service.recordNotificationSent(staff('amy'), app.id, {}))).toBe('notification_not_due');
    const future = new Date(clock.now().getTime() + DAY).toISOString();
    expect(await problemCode(service.recordNotificationSent(staff('amy'), app.id, { sentAt: future }))).toBe('validation_failed');
    const early = await problemOf(
      service.recordNotificationSent(staff('amy'), app.id, { sentAt: new Date(clock.now().getTime() - DAY).toISOString() }),
    );
    expect(early.code).toBe('validation_failed');
    expect(early.message).toContain('before the plan');
    expect((await service.updateStep(staff('amy'), app.id, migrate.id, { status: 'done' })).steps[0]).toMatchObject({
      status: 'done',
      completedAt: NOW,
    });
    refused = await problemOf(retire(app.id));
    expect(itemsOf(refused.extensions.incomplete)).toEqual([
      'migration_step_not_done',
      'notification_not_sent',
      'notification_date_not_passed',
    ]);

    clock.advance(DAY);
    const sent = await service.recordNotificationSent(staff('amy'), app.id, {});
    expect(sent.notification).toMatchObject({ sentBy: 'amy', sentAt: clock.now().toISOString() });
    expect(audit.events.at(-1)).toMatchObject({
      action: 'app.consolidation_notification_sent',
      details: { channels: ['in_app', 'push'], notifyOn: day(clock, 0) },
    });
    expect(await problemCode(service.revise(staff('amy'), app.id, { notification: { ...notification, content: 'Changed' } }))).toBe(
      'notification_already_sent',
    );
    expect(await problemCode(service.recordNotificationSent(staff('amy'), app.id, {}))).toBe('notification_already_sent');
    await service.updateStep(staff('amy'), app.id, erase.id, {
      status: 'done',
      completedAt: new Date(clock.now().getTime() - 60_000).toISOString(),
    });
    const before = audit.events.length;
    refused = await problemOf(retire(app.id));
    expect(itemsOf(refused.extensions.incomplete)).toEqual(['notification_date_not_passed']);
    expect(refused.message).toContain(`Users are told on ${day(clock, 0)}`);
    expect(audit.events).toHaveLength(before);
    expect(await service.get(app.id)).toMatchObject({ status: 'approved', readyToRetire: false });

    clock.advance(DAY);
    expect(await service.get(app.id)).toMatchObject({ readyToRetire: true, incomplete: [] });
    await expect(retire(app.id)).resolves.toMatchObject({ lifecycleState: 'retired' });
    expect(audit.actions().slice(-2)).toEqual(['app.transitioned', 'app.consolidation_plan_completed']);
    expect(audit.events.at(-1)).toMatchObject({
      details: { planId: drafted.id, kind: 'consolidation', mergesInto: [main.id], approvedBy: 'lee' },
    });
    expect(await service.get(app.id)).toMatchObject({ status: 'completed', closedBy: 'lee', readyToRetire: false, incomplete: [] });
    expect(await problemCode(service.revise(staff('amy'), app.id, { reason: 'Too late' }))).toBe('app_retired');
  });
});
