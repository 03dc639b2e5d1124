import type { AuditRecorder, ChangeContext } from '../../audit';
import type { Transactor, Trx } from '../../db';
import type { Clock } from '../../platform/clock';
import { ConflictError, ProblemError, ValidationError, isUniqueViolation } from '../../shared/errors';
import type { Finding } from '../../reports/compliance-check';
import { appNotFound, lockChangeableApp, staffSubject } from '../service';
import type { App, CreateApp } from '../schemas';
import type { AppStoreType } from '../store-type';
import { normalizedScenarios, overlapsOf, unresolved } from './overlaps';
import type { AppEntryReview, AppOverlap, AppPlan, JustifyOverlaps, PlannedApp } from './schemas';
import { todayOf } from './service';
import type { AppPlanningStoreType } from './planning-store-type';
import type { AppPlanStoreType, EntryRecord } from './store-type';

const conflict = (code: string, detail: string, extensions?: Record<string, unknown>) =>
  new ProblemError(409, code, 'Conflict', detail, extensions ? { extensions } : undefined);

const overlapsUnresolved = (overlaps: readonly AppOverlap[]) =>
  conflict(
    'app_overlaps_unresolved',
    `The app's business scenarios overlap ${overlaps.map((o) => `${o.name} (${o.sharedScenarios.join(', ')})`).join('; ')}: ` +
      'justify the new app (overlapJustification) or merge the demand into one of them',
    { overlaps },
  );

/** Refuses a proposal whose planned app does not cover it: a plan not approved, another period, or a used planned app. */
function assertCovers(plan: AppPlan, item: PlannedApp, app: App, today: string): void {
  if (plan.status !== 'approved')
    throw conflict('app_plan_not_approved', `The planned app ${item.name} belongs to a plan that is ${plan.status}`);
  if (today < plan.periodStart || today > plan.periodEnd) {
    throw conflict('app_plan_period', `The plan covers ${plan.periodStart} to ${plan.periodEnd}, not today (${today})`);
  }
  if (item.status !== 'open') throw conflict('planned_app_used', `The planned app ${item.name} is already ${item.status}`);
  assertWithinPlannedApp(plan, item, app);
}

/** Refuses an app that is not what its planned app planned: its department, kind, audience or scenarios. */
function assertWithinPlannedApp(plan: AppPlan, item: PlannedApp, app: App): void {
  if (plan.department !== app.owningDepartment) {
    throw conflict(
      'app_plan_other_department',
      `The planned app ${item.name} is in ${plan.department}'s plan, not ${app.owningDepartment}'s`,
    );
  }
  const differs = (['kind', 'audience'] as const).filter((k) => item[k] !== app[k]);
  if (differs.length > 0) {
    throw conflict('planned_app_mismatch', `The planned app ${item.name} is planned with a different ${differs.join(' and ')}`, {
      differs,
    });
  }
  const planned = new Set(normalizedScenarios(item.businessScenarios));
  const outside = normalizedScenarios(app.businessScenarios).filter((s) => !planned.has(s));
  if (outside.length > 0) {
    throw conflict('scenarios_outside_plan', `The planned app ${item.name} does not plan the scenarios ${outside.join(', ')}`, { outside });
  }
}

/**
 * What an app's entry rests on: the approved plan it comes from, the department's cap, and the apps
 * its business scenarios overlap, justified by the proposer (the Notice, item 3).
 */
export class AppEntryService {
  constructor(
    private readonly db: Transactor,
    private readonly store: AppPlanStoreType,
    private readonly planning: Pick<AppPlanningStoreType, 'planningPolicy' | 'cap' | 'appsNotRetiredOf'>,
    private readonly apps: Pick<AppStoreType, 'find' | 'notRetired'>,
    private readonly audit: AuditRecorder,
    private readonly clock: Clock,
  ) {}

  /** Runs in the proposal's transaction, after the app is inserted: refuses it, or records what its entry rests on. */
  async onProposal(trx: Trx, ctx: ChangeContext, app: App, input: CreateApp): Promise<void> {
    const today = todayOf(this.clock);
    const { plansRequiredFrom } = await this.planning.planningPolicy(trx);
    const planRequired = plansRequiredFrom !== null && today >= plansRequiredFrom;
    await this.assertWithinCap(trx, app.owningDepartment);
    if (!planRequired && input.planItem === undefined && input.overlapJustification === undefined) return;
    if (planRequired && input.planItem === undefined) {
      throw conflict(
        'app_plan_required',
        `Apps proposed from ${plansRequiredFrom} come from a planned app of an approved plan of ${app.owningDepartment}; name it in planItem`,
        { department: app.owningDepartment, plansRequiredFrom },
      );
    }
    if (app.businessScenarios.length === 0) {
      throw new ValidationError('body.businessScenarios: declare the business scenarios the app serves', [
        { path: 'body.businessScenarios', message: 'at least one when the app comes from a plan or justifies overlaps' },
      ]);
    }
    let planItemId: string | null = null;
    if (input.planItem !== undefined) {
      const plan = await this.store.planOfItem(input.planItem, trx, true);
      const item = plan?.plannedApps.find((p) => p.id === input.planItem);
      if (!plan || !item) {
        throw new ValidationError(`body.planItem: no planned app ${input.planItem}`, [
          { path: 'body.planItem', message: 'unknown planned app' },
        ]);
      }
      assertCovers(plan, item, app, today);
      planItemId = item.id;
    }
    const overlaps = overlapsOf(app.businessScenarios, await this.apps.notRetired(trx), app.id);
    if (overlaps.length > 0 && input.overlapJustification === undefined) throw overlapsUnresolved(overlaps);
    const justification = overlaps.length > 0 ? (input.overlapJustification ?? null) : null;
    const entry: EntryRecord = {
      appId: app.id,
      planItemId,
      planRequired,
      overlaps,
      justification,
      justifiedBy: justification === null ? null : app.createdBy,
      justifiedAt: justification === null ? null : app.createdAt,
      recordedAt: app.createdAt,
    };
    try {
      await this.store.saveEntry(trx, entry);
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict('planned_app_used', 'The planned app was just used by another proposal');
      throw err;
    }
    await this.audit.record(trx, ctx, {
      action: 'app.entry_recorded',
      objectType: 'app',
      objectId: app.id,
      details: { planItemId, planRequired, overlaps: overlaps.map((o) => o.appId), justification },
    });
  }

  /**
   * A change keeps an app from a plan within its planned app (department, kind, audience, scenarios),
   * and an app moved to another department is refused there once that department is at its cap.
   */
  async onUpdate(trx: Trx, before: App, after: App): Promise<void> {
    if (after.owningDepartment !== before.owningDepartment) await this.assertWithinCap(trx, after.owningDepartment);
    const entry = await this.store.entry(after.id, trx);
    if (!entry?.planItemId) return;
    if (after.businessScenarios.length === 0) {
      throw new ValidationError('body.businessScenarios: an app from a plan keeps at least one business scenario', [
        { path: 'body.businessScenarios', message: 'at least one for an app from a plan' },
      ]);
    }
    const plan = await this.store.planOfItem(entry.planItemId, trx);
    const item = plan?.plannedApps.find((p) => p.id === entry.planItemId);
    if (plan && item) assertWithinPlannedApp(plan, item, after);
  }

  /** A department at its cap proposes no more apps (the count includes the one just inserted). */
  private async assertWithinCap(trx: Trx, department: string): Promise<void> {
    const cap = await this.planning.cap(trx, department, true);
    if (!cap || cap.maxApps === null) return;
    const count = await this.planning.appsNotRetiredOf(trx, department);
    if (count > cap.maxApps) {
      throw conflict('app_cap_reached', `${department} already has ${count - 1} apps not retired, its cap of ${cap.maxApps}`, {
        department,
        maxApps: cap.maxApps,
        appsNotRetired: count - 1,
      });
    }
  }

  /** Entry approval of an app proposed while plans were required (or from a plan) waits for every overlap to be justified. */
  async onEntryApproval(trx: Trx, appId: string): Promise<void> {
    const entry = await this.store.entry(appId, trx);
    if (!entry || (!entry.planRequired && entry.planItemId === null)) return;
    const app = await this.apps.find(appId, trx);
    if (!app) throw appNotFound(appId);
    const open = unresolved(
      overlapsOf(app.businessScenarios, await this.apps.notRetired(trx), appId),
      entry.overlaps,
      entry.justification !== null,
    );
    if (open.length > 0) throw overlapsUnresolved(open);
  }

  /** The proposer answers for the app's current overlaps (a proposal only). */
  async justify(ctx: ChangeContext, appId: string, input: JustifyOverlaps): Promise<AppEntryReview> {
    const by = staffSubject(ctx);
    await this.db.transaction(async (trx) => {
      const app = await lockChangeableApp(this.apps, trx, appId);
      if (app.lifecycleState !== 'proposed') {
        throw new ConflictError('app_not_proposed', `The app is ${app.lifecycleState}; overlaps are justified before entry approval`);
      }
      const overlaps = overlapsOf(app.businessScenarios, await this.apps.notRetired(trx), appId);
      if (overlaps.length === 0) throw new ConflictError('no_overlaps', 'No app not retired shares a business scenario with this one');
      const before = await this.store.entry(appId, trx);
      const at = this.clock.now().toISOString();
      await this.store.saveEntry(trx, {
        appId,
        planItemId: before?.planItemId ?? null,
        planRequired: before?.planRequired ?? false,
        overlaps,
        justification: input.justification,
        justifiedBy: by,
        justifiedAt: at,
        recordedAt: before?.recordedAt ?? at,
      });
      await this.audit.record(trx, ctx, {
        action: 'app.overlaps_justified',
        objectType: 'app',
        objectId: appId,
        details: { overlaps: overlaps.map((o) => o.appId), justification: input.justification, before: before?.justification ?? null },
      });
    });
    return this.review(appId);
  }

  async review(appId: string): Promise<AppEntryReview> {
    const app = await this.apps.find(appId);
    if (!app) throw appNotFound(appId);
    const entry = await this.store.entry(appId);
    const plan = entry?.planItemId ? await this.store.planOfItem(entry.planItemId) : undefined;
    const item = plan?.plannedApps.find((p) => p.id === entry?.planItemId);
    const current = overlapsOf(app.businessScenarios, await this.apps.notRetired(), appId);
    return {
      appId,
      lifecycleState: app.lifecycleState,
      planRequired: entry?.planRequired ?? false,
      plannedApp:
        plan && item
          ? {
              planId: plan.id,
              itemId: item.id,
              name: item.name,
              department: plan.department,
              periodStart: plan.periodStart,
              periodEnd: plan.periodEnd,
            }
          : null,
      overlapsJustified: entry?.justification ? entry.overlaps : [],
      justification: entry?.justification ?? null,
      justifiedBy: entry?.justifiedBy ?? null,
      justifiedAt: entry?.justifiedAt ?? null,
      currentOverlaps: current,
      unresolvedOverlaps: unresolved(current, entry?.overlaps ?? [], (entry?.justification ?? null) !== null),
    };
  }

  /** Proposals (apps in state proposed) whose current overlaps no recorded justification answers for (examples: app ids). */
  async proposalsWithUnresolvedOverlaps(): Promise<Finding> {
    const apps = await this.apps.notRetired();
    const entries = await this.store.entriesOfProposals();
    const proposals = apps.filter((a) => a.lifecycleState === 'proposed');
    const offending = proposals.filter((a) => {
      const entry = entries.get(a.id);
      return (
        unresolved(overlapsOf(a.businessScenarios, apps, a.id), entry?.overlaps ?? [], (entry?.justification ?? null) !== null).length > 0
      );
    });
    return { examined: proposals.length, count: offending.length, examples: offending.slice(0, 10).map((a) => a.id) };
  }
}
