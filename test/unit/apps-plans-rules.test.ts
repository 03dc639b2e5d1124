import { FakeAppStore } from '../../services/apps/fake-store';
import { AppEntryService } from '../../services/apps/plans/entry';
import { FakeAppPlanStore } from '../../services/apps/plans/fake-store';
import { FakeAppPlanningStore } from '../../services/apps/plans/planning-fake-store';
import type { SubmitAppPlan } from '../../services/apps/plans/schemas';
import { AppPlanService, AppPlanningPolicyService } from '../../services/apps/plans/service';
import type { CreateApp } from '../../services/apps/schemas';
import { ManualClock } from '../../services/platform/clock';
import { departments, ledgerOnFakes, putApp } from '../fakes/apps';
import { FakeTransactor, RecordingAudit, problemCode, problemOf, staff } from '../fakes/ports';

const NOW = '2026-06-15T08:00:00.000Z';
const TODAY = '2026-06-15';
const UNKNOWN = '00000000-0000-4000-8000-000000000000';

const planned = (name: string, businessScenarios: string[], over: Partial<SubmitAppPlan['plannedApps'][number]> = {}) => ({
  name,
  kind: 'app' as const,
  audience: 'customer' as const,
  businessScenarios,
  justification: `Customers ask for ${name}`,
  ...over,
});
const planBody = (department: string, plannedApps: SubmitAppPlan['plannedApps'], over: Partial<SubmitAppPlan> = {}): SubmitAppPlan => ({
  department,
  periodStart: '2026-05-16',
  periodEnd: '2027-05-16',
  justification: 'Annual construction plan',
  plannedApps,
  ...over,
});
const proposal = (over: Partial<CreateApp> = {}): CreateApp => ({
  name: `App ${Math.random()}`,
  kind: 'app',
  audience: 'customer',
  leadDepartment: 'DIGITAL',
  owningDepartment: 'RETAIL',
  responsiblePerson: 'Li Wei',
  businessOwner: 'Wang Fang',
  technologyOwner: 'Zhao Lei',
  ...over,
});

/**
 * Plans, the planning policy and the entry rules wired into the ledger as the feature wires them:
 * DIGITAL is the lead department (dina manages apps there), rita and rick manage RETAIL's, carl CARDS'.
 */
function world() {
  const clock = new ManualClock(NOW);
  const store = new FakeAppStore();
  const audit = new RecordingAudit();
  const plans = new FakeAppPlanStore(store);
  const planning = new FakeAppPlanningStore(store);
  const entry = new AppEntryService(new FakeTransactor(), plans, planning, store, audit, clock);
  const w = ledgerOnFakes({
    clock,
    store,
    audit,
    proposalChecks: [(trx, ctx, app, input) => entry.onProposal(trx, ctx, app, input)],
    updateChecks: [(trx, before, after) => entry.onUpdate(trx, before, after)],
    entryChecks: [(trx, id) => entry.onEntryApproval(trx, id)],
  });
  for (const [who, department] of [
    ['dina', 'DIGITAL'],
    ['rita', 'RETAIL'],
    ['rick', 'RETAIL'],
    ['carl', 'CARDS'],
  ])
    for (const action of ['approve', 'configure']) w.roles.grant(who, 'app_plan', action, department);
  w.roles.grant('amy', 'app_plan', 'approve', '*').grant('root-admin', 'app_plan', 'configure', '*');
  w.roles.grant('dina', 'app', 'approve', 'DIGITAL');
  const planService = new AppPlanService(w.tx, plans, store, audit, departments, w.accountability, w.roles, clock);
  const policy = new AppPlanningPolicyService(w.tx, planning, audit, departments, w.accountability, w.roles, clock);
  /** A plan submitted by `as` and approved by dina; its planned apps' ids by name. */
  const approvedPlan = async (department: string, apps: SubmitAppPlan['plannedApps'], as = 'rita') => {
    const plan = await planService.submit(staff(as), planBody(department, apps));
    await planService.approve(staff('dina'), plan.id, {});
    return { id: plan.id, items: Object.fromEntries(plan.plannedApps.map((p) => [p.name, p.id])) };
  };
  const propose = (over: Partial<CreateApp>, as = 'rita') => w.apps.create(staff(as), proposal(over));
  /**
   * The problem a refused change answers with. The entry rules run after the app is written, in its
   * transaction; the fake transactor does not roll back, so the apps are put back as they were.
   */
  const refusal = async (work: () => Promise<unknown>) => {
    const before = structuredClone([...store.apps]);
    const problem = await problemOf(work());
    store.apps.clear();
    for (const [id, app] of before) store.apps.set(id, app);
    return problem;
  };
  return { ...w, entry, plans, planning, planService, policy, approvedPlan, propose, refusal };
}

describe('app construction plans (in memory)', () => {
  it('are submitted with open planned apps, audited; decided once, by the lead department, never by their submitter', async () => {
    const { planService, accountability, audit } = world();
    const plan = await planService.submit(staff('rita'), planBody('RETAIL', [planned('Wealth mini-program', ['wealth', 'wealth'])]));
    expect(plan).toMatchObject({ department: 'RETAIL', status: 'submitted', submittedBy: 'rita', submittedAt: NOW, decidedBy: null });
    expect(plan.plannedApps).toEqual([
      expect.objectContaining({ name: 'Wealth mini-program', status: 'open', appId: null, businessScenarios: ['wealth'] }),
    ]);
    expect(audit.events).toEqual([expect.objectContaining({ action: 'app_plan.submitted', objectId: plan.id, details: { after: plan } })]);

    accountability.lead = { department: null, setBy: null, setAt: null };
    expect(await problemCode(planService.approve(staff('dina'), plan.id, {}))).toBe('lead_department_not_configured');
    accountability.lead = { department: 'DIGITAL', setBy: 'root-admin', setAt: NOW };
    for (const who of ['rita', 'rick', 'carl']) {
      const problem = await problemOf(planService.approve(staff(who), plan.id, {}));
      expect(problem.toProblem()).toMatchObject({ status: 403, code: 'not_lead_department', leadDepartment: 'DIGITAL' });
    }
    expect(audit.events).toHaveLength(1);
    await expect(planService.approve(staff('dina'), plan.id, { note: 'Fits the strategy' })).resolves.toMatchObject({
      status: 'approved',
      decidedBy: 'dina',
      decisionNote: 'Fits the strategy',
    });
    expect(await problemCode(planService.approve(staff('dina'), plan.id, {}))).toBe('app_plan_decided');
    expect(await problemCode(planService.reject(staff('dina'), plan.id, { reason: 'Changed my mind' }))).toBe('app_plan_decided');
    expect(audit.events.at(-1)).toMatchObject({
      action: 'app_plan.approved',
      actorId: 'dina',
      details: { department: 'RETAIL', note: 'Fits the strategy' },
    });
    expect(await planService.get(plan.id)).toMatchObject({ status: 'approved' });
    expect(await problemCode(planService.get(UNKNOWN))).toBe('not_found');
    expect(await problemCode(planService.departmentOf(UNKNOWN))).toBe('not_found');
  });

  it('never lets a holder of the role everywhere decide a plan they submitted; a rejection keeps its reason', async () => {
    const { planService, accountability } = world();
    const mine = await planService.submit(staff('amy'), planBody('CARDS', [planned('Card wallet', ['cards'])]));
    const problem = await problemOf(planService.approve(staff('amy'), mine.id, {}));
    expect(problem.toProblem()).toMatchObject({ status: 403, code: 'separation_of_duties', step: 'approved', makerStep: 'submitted' });
    // Holding the permission everywhere, amy needs no lead department to be named.
    accountability.lead = { department: null, setBy: null, setAt: null };
    const other = await planService.submit(staff('carl'), planBody('CARDS', [planned('Card hub', ['cards'])]));
    await expect(planService.reject(staff('amy'), other.id, { reason: 'Duplicates the card app' })).resolves.toMatchObject({
      status: 'rejected',
      decidedBy: 'amy',
      decisionNote: 'Duplicates the card app',
    });
  });

  it('refuses a period already over, on submission and on approval, and an unknown department', async () => {
    const { planService, clock } = world();
    const past = await problemOf(planService.submit(staff('rita'), planBody('RETAIL', [planned('X', ['x'])], { periodEnd: '2026-06-14' })));
    expect(past.toProblem()).toMatchObject({ code: 'validation_failed', errors: [{ path: 'body.periodEnd' }] });
    expect(await problemCode(planService.submit(staff('amy'), planBody('NOWHERE', [planned('X', ['x'])])))).toBe('validation_failed');
    const plan = await planService.submit(staff('rita'), planBody('RETAIL', [planned('X', ['x'])], { periodEnd: '2026-06-30' }));
    clock.set('2026-07-01T08:00:00.000Z');
    expect(await problemCode(planService.approve(staff('dina'), plan.id, {}))).toBe('app_plan_period_over');
    await expect(planService.reject(staff('dina'), plan.id, { reason: 'Too late' })).resolves.toMatchObject({ status: 'rejected' });
  });

  it('are listed to their department, and all of them to the lead department', async () => {
    const { planService } = world();
    const retail = await planService.submit(staff('rita'), planBody('RETAIL', [planned('Queue', ['queue'])]));
    const cards = await planService.submit(staff('carl'), planBody('CARDS', [planned('Cards', ['cards'])], { periodStart: '2026-06-01' }));
    const listed = async (access: { all: true } | { all: false; departments: string[] }) =>
      (await planService.list({ limit: 50 }, access)).items.map((p) => p.id);
    expect(await listed({ all: false, departments: ['DIGITAL'] })).toEqual([cards.id, retail.id]);
    expect(await listed({ all: false, departments: ['RETAIL'] })).toEqual([retail.id]);
    expect(await listed({ all: true })).toEqual([cards.id, retail.id]);
  });

  it('merge a planned app’s demand into an app in the ledger: of an approved plan, once, into an app not retired', async () => {
    const { planService, approvedPlan, store, audit } = world();
    const existing = putApp(store, { name: 'Cards Legacy' });
    const retired = putApp(store, { lifecycleState: 'retired' });
    const { id, items } = await approvedPlan('RETAIL', [planned('Card mini-program', ['credit_card']), planned('Other', ['other'])]);
    const submitted = await planService.submit(staff('rita'), planBody('RETAIL', [planned('Unapproved', ['u'])]));
    const merge = (planId: string, itemId: string, into: string) =>
      planService.mergePlannedApp(staff('rita'), planId, itemId, { into, note: 'x' });
    expect(await problemCode(merge(submitted.id, submitted.plannedApps[0].id, existing.id))).toBe('app_plan_not_approved');
    expect(await problemCode(merge(id, UNKNOWN, existing.id))).toBe('not_found');
    expect(await problemCode(merge(id, items.Other, UNKNOWN))).toBe('not_found');
    expect(await problemCode(merge(id, items.Other, retired.id))).toBe('app_retired');
    const merged = await planService.mergePlannedApp(staff('rita'), id, items['Card mini-program'], {
      into: existing.id,
      note: 'Cards Legacy takes on the mini-program journeys',
    });
    expect(merged.plannedApps.find((p) => p.name === 'Card mini-program')).toMatchObject({
      status: 'merged',
      mergedInto: existing.id,
      mergedBy: 'rita',
      mergedAt: NOW,
    });
    expect(await problemCode(merge(id, items['Card mini-program'], existing.id))).toBe('planned_app_used');
    expect(audit.events.at(-1)).toMatchObject({
      action: 'app_plan.planned_app_merged',
      objectId: id,
      details: { itemId: items['Card mini-program'], name: 'Card mini-program', into: existing.id, intoName: 'Cards Legacy' },
    });
  });
});

describe('the plan requirement and caps (in memory)', () => {
  it('are set by the lead department or a holder of the permission everywhere, audited with before and after', async () => {
    const { policy, audit, accountability } = world();
    expect(await problemCode(policy.setPolicy(staff('rita'), { plansRequiredFrom: TODAY }))).toBe('not_lead_department');
    expect(await problemCode(policy.setCap(staff('rita'), 'RETAIL', { maxApps: 3 }))).toBe('not_lead_department');
    expect(await problemCode(policy.setCap(staff('dina'), 'NOWHERE', { maxApps: 3 }))).toBe('validation_failed');
    expect(audit.events).toHaveLength(0);

    await expect(policy.setPolicy(staff('dina'), { plansRequiredFrom: '2026-07-15' })).resolves.toMatchObject({
      plansRequiredFrom: '2026-07-15',
      setBy: 'dina',
    });
    await policy.setPolicy(staff('dina'), { plansRequiredFrom: '2026-07-15' });
    await expect(policy.setCap(staff('dina'), 'CARDS', { maxApps: 5 })).resolves.toMatchObject({
      department: 'CARDS',
      maxApps: 5,
      setBy: 'dina',
    });
    await policy.setCap(staff('dina'), 'CARDS', { maxApps: 5 });
    accountability.lead = { department: null, setBy: null, setAt: null };
    expect(await problemCode(policy.setCap(staff('dina'), 'CARDS', { maxApps: 4 }))).toBe('lead_department_not_configured');
    await expect(policy.setCap(staff('root-admin'), 'CARDS', { maxApps: 4 })).resolves.toMatchObject({ maxApps: 4, setBy: 'root-admin' });
    expect(audit.events.map((e) => [e.action, e.objectId, e.details])).toEqual([
      ['app_planning.policy_set', 'plans_required_from', { before: null, after: '2026-07-15' }],
      ['app_planning.cap_set', 'CARDS', { before: null, after: 5 }],
      ['app_planning.cap_set', 'CARDS', { before: 5, after: 4 }],
    ]);
    expect(await policy.get()).toMatchObject({
      plansRequiredFrom: '2026-07-15',
      caps: [expect.objectContaining({ department: 'CARDS', maxApps: 4, appsNotRetired: 0 })],
    });
    await policy.setCap(staff('root-admin'), 'CARDS', { maxApps: null });
    expect((await policy.get()).caps).toEqual([]);
  });
});

describe('a proposal and its entry (in memory)', () => {
  it('needs no plan before the requirement applies, and records no entry without a plan or a justification', async () => {
    const { propose, plans, policy, audit, lifecycle } = world();
    await policy.setPolicy(staff('dina'), { plansRequiredFrom: '2026-07-15' });
    const legacy = await propose({ businessScenarios: ['legacy'] });
    expect(plans.entries.size).toBe(0);
    await lifecycle.transition(staff('dina'), legacy.id, { to: 'approved' });
    expect(audit.actions()).toEqual(['app_planning.policy_set', 'app.created', 'app.transitioned']);
  });

  it('once plans are required, is refused without an approved planned app of its department, kind and scenarios covering today', async () => {
    const { propose, policy, planService, approvedPlan, clock, refusal } = world();
    const { items } = await approvedPlan('RETAIL', [planned('Loans H5', ['loans'])]);
    const cards = await approvedPlan('CARDS', [planned('Cards only', ['cards_only'])], 'carl');
    const submitted = await planService.submit(staff('rita'), planBody('RETAIL', [planned('Unapproved', ['unapproved'])]));
    await policy.setPolicy(staff('dina'), { plansRequiredFrom: TODAY });
    const required = await refusal(() => propose({ businessScenarios: ['loans'] }));
    expect(required.toProblem()).toMatchObject({ code: 'app_plan_required', department: 'RETAIL', plansRequiredFrom: TODAY });
    expect((await refusal(() => propose({ businessScenarios: ['unapproved'], planItem: submitted.plannedApps[0].id }))).code).toBe(
      'app_plan_not_approved',
    );
    expect((await refusal(() => propose({ businessScenarios: ['cards_only'], planItem: cards.items['Cards only'] }))).code).toBe(
      'app_plan_other_department',
    );
    const outside = await refusal(() => propose({ businessScenarios: ['fx'], planItem: items['Loans H5'] }));
    expect(outside.toProblem()).toMatchObject({ code: 'scenarios_outside_plan', outside: ['fx'] });
    const mismatch = await refusal(() => propose({ kind: 'h5', businessScenarios: ['loans'], planItem: items['Loans H5'] }));
    expect(mismatch.toProblem()).toMatchObject({ code: 'planned_app_mismatch', differs: ['kind'] });
    const empty = await refusal(() => propose({ planItem: items['Loans H5'] }));
    expect(empty.toProblem()).toMatchObject({ code: 'validation_failed', errors: [{ path: 'body.businessScenarios' }] });
    const unknown = await refusal(() => propose({ businessScenarios: ['loans'], planItem: UNKNOWN }));
    expect(unknown.toProblem()).toMatchObject({ code: 'validation_failed', errors: [{ path: 'body.planItem' }] });
    clock.set('2027-06-15T08:00:00.000Z');
    expect((await refusal(() => propose({ businessScenarios: ['loans'], planItem: items['Loans H5'] }))).code).toBe('app_plan_period');
  });

  it('comes from an open planned app, once, with its entry recorded and audited; the review shows the plan', async () => {
    const { propose, policy, approvedPlan, entry, planService, audit, refusal } = world();
    const { id: planId, items } = await approvedPlan('RETAIL', [planned('Loans H5', ['loans'])]);
    await policy.setPolicy(staff('dina'), { plansRequiredFrom: TODAY });
    const app = await propose({ businessScenarios: ['Loans'], planItem: items['Loans H5'] });
    expect((await refusal(() => propose({ businessScenarios: ['loans'], planItem: items['Loans H5'] }))).code).toBe('planned_app_used');
    expect(await entry.review(app.id)).toMatchObject({
      planRequired: true,
      plannedApp: { planId, itemId: items['Loans H5'], name: 'Loans H5', department: 'RETAIL' },
      currentOverlaps: [],
      unresolvedOverlaps: [],
    });
    expect((await planService.get(planId)).plannedApps[0]).toMatchObject({ status: 'proposed', appId: app.id });
    expect(audit.events.filter((e) => e.action === 'app.entry_recorded')).toEqual([
      expect.objectContaining({
        objectId: app.id,
        details: { planItemId: items['Loans H5'], planRequired: true, overlaps: [], justification: null },
      }),
    ]);
    expect(await problemCode(entry.review(UNKNOWN))).toBe('not_found');
  });

  it('stays within its planned app when its entry changes, and moves to no department at its cap', async () => {
    const { propose, policy, approvedPlan, apps, store, refusal } = world();
    const legacy = await propose({ businessScenarios: ['legacy'] });
    const { items } = await approvedPlan('RETAIL', [planned('Savings H5', ['savings', 'deposits'], { kind: 'h5' })]);
    await policy.setPolicy(staff('dina'), { plansRequiredFrom: TODAY });
    const app = await propose({ kind: 'h5', businessScenarios: ['savings'], planItem: items['Savings H5'] });
    const patch = (id: string, body: Parameters<typeof apps.update>[2]) => apps.update(staff('amy'), id, body, { all: true });
    const refused = async (id: string, body: Parameters<typeof apps.update>[2]) => (await refusal(() => patch(id, body))).toProblem();
    expect(await refused(app.id, { businessScenarios: ['savings', 'fx'] })).toMatchObject({
      code: 'scenarios_outside_plan',
      outside: ['fx'],
    });
    expect(await refused(app.id, { businessScenarios: [] })).toMatchObject({ code: 'validation_failed' });
    expect(await refused(app.id, { kind: 'app' })).toMatchObject({ code: 'planned_app_mismatch', differs: ['kind'] });
    expect(await refused(app.id, { owningDepartment: 'CARDS' })).toMatchObject({ code: 'app_plan_other_department' });
    await expect(patch(app.id, { businessScenarios: ['deposits'] })).resolves.toMatchObject({ businessScenarios: ['deposits'] });
    putApp(store, { owningDepartment: 'CARDS' });
    await policy.setCap(staff('dina'), 'CARDS', { maxApps: 1 });
    expect(await refused(legacy.id, { owningDepartment: 'CARDS' })).toMatchObject({
      code: 'app_cap_reached',
      department: 'CARDS',
      maxApps: 1,
      appsNotRetired: 1,
    });
  });

  it('is refused once its department reaches its cap; without a cap it is proposed again', async () => {
    const { propose, policy, store, refusal } = world();
    putApp(store);
    putApp(store, { lifecycleState: 'retired' });
    await policy.setCap(staff('dina'), 'RETAIL', { maxApps: 1 });
    const refused = await refusal(() => propose({ businessScenarios: ['over_cap'] }));
    expect(refused.toProblem()).toMatchObject({
      status: 409,
      code: 'app_cap_reached',
      department: 'RETAIL',
      maxApps: 1,
      appsNotRetired: 1,
    });
    expect(refused.message).toBe('RETAIL already has 1 apps not retired, its cap of 1');
    await policy.setCap(staff('dina'), 'RETAIL', { maxApps: null });
    await expect(propose({ name: 'Fine', businessScenarios: ['over_cap'] })).resolves.toMatchObject({ name: 'Fine' });
  });

  it('lists the apps its normalized scenarios overlap and needs the proposer’s justification', async () => {
    const { propose, policy, approvedPlan, entry, store, refusal } = world();
    const existing = putApp(store, { name: 'Cards Legacy', owningDepartment: 'CARDS', businessScenarios: ['credit.card'] });
    putApp(store, { name: 'Gone', lifecycleState: 'retired', businessScenarios: ['credit_card'] });
    const { items } = await approvedPlan('RETAIL', [planned('Credit card app', ['credit-card', 'rewards'])]);
    await policy.setPolicy(staff('dina'), { plansRequiredFrom: TODAY });
    const refused = await refusal(() => propose({ businessScenarios: ['credit_card', 'rewards'], planItem: items['Credit card app'] }));
    expect(refused.toProblem()).toMatchObject({
      code: 'app_overlaps_unresolved',
      overlaps: [
        {
          appId: existing.id,
          name: 'Cards Legacy',
          owningDepartment: 'CARDS',
          lifecycleState: 'proposed',
          sharedScenarios: ['credit_card'],
        },
      ],
    });
    const justified = await propose({
      businessScenarios: ['credit_card', 'rewards'],
      planItem: items['Credit card app'],
      overlapJustification: 'Cards Legacy is retired next quarter; this replaces it',
    });
    expect(await entry.review(justified.id)).toMatchObject({
      justification: 'Cards Legacy is retired next quarter; this replaces it',
      justifiedBy: 'rita',
      justifiedAt: NOW,
      overlapsJustified: [expect.objectContaining({ appId: existing.id })],
      unresolvedOverlaps: [],
    });
  });

  it('waits at entry approval for overlaps that appeared since its justification, until the proposer answers them', async () => {
    const { propose, policy, approvedPlan, entry, store, lifecycle, audit } = world();
    const { items } = await approvedPlan('RETAIL', [planned('Wallet two', ['wallet_two'])]);
    await policy.setPolicy(staff('dina'), { plansRequiredFrom: TODAY });
    const app = await propose({ businessScenarios: ['wallet_two'], planItem: items['Wallet two'] });
    const clone = putApp(store, { name: 'Wallet Two Clone', owningDepartment: 'CARDS', businessScenarios: ['Wallet-Two'] });
    const refused = await problemOf(lifecycle.transition(staff('dina'), app.id, { to: 'approved' }));
    expect(refused.toProblem()).toMatchObject({
      code: 'app_overlaps_unresolved',
      overlaps: [expect.objectContaining({ name: 'Wallet Two Clone' })],
    });
    expect(await entry.proposalsWithUnresolvedOverlaps()).toMatchObject({ count: 2, examples: [app.id, clone.id] });
    const answered = await entry.justify(staff('rick'), app.id, { justification: 'The clone serves corporate cards only' });
    expect(answered).toMatchObject({ justifiedBy: 'rick', unresolvedOverlaps: [] });
    expect(audit.events.at(-1)).toMatchObject({
      action: 'app.overlaps_justified',
      details: { overlaps: [clone.id], justification: 'The clone serves corporate cards only', before: null },
    });
    await lifecycle.transition(staff('dina'), app.id, { to: 'approved' });
    expect(await problemCode(entry.justify(staff('rita'), app.id, { justification: 'late' }))).toBe('app_not_proposed');
    const finding = await entry.proposalsWithUnresolvedOverlaps();
    expect(finding.examples).not.toContain(app.id);
    const alone = putApp(store, { businessScenarios: ['unique'] });
    expect(await problemCode(entry.justify(staff('rita'), alone.id, { justification: 'x' }))).toBe('no_overlaps');
  });
});
