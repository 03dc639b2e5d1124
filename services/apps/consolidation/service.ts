import type { AuditRecorder, ChangeContext } from '../../audit';
import type { Db, Transactor, Trx } from '../../db';
import type { Clock } from '../../platform/clock';
import { localDate } from '../../reports/report-time';
import { ConflictError, NotFoundError, ValidationError, isUniqueViolation } from '../../shared/errors';
import type { LeadDepartmentService, RoleDirectory } from '../accountability';
import { SeparationOfDutiesError } from '../lifecycle';
import { appNotFound, lockChangeableApp, staffSubject } from '../service';
import type { App } from '../schemas';
import type { AppStoreType } from '../store-type';
import { PlanIncompleteError, contentGaps, isOverdue, retirementGaps, type PlanRecord, type StepRecord } from './completeness';
import type {
  ApprovePlan,
  CancelPlan,
  ConsolidationPlan,
  DraftPlan,
  NewMigrationStep,
  RecordNotificationSent,
  RevisePlan,
  UpdateMigrationStep,
} from './schemas';
import { STEP_CONTENT, assertLeadApprover, assertTargets, contentOf, newStep, revised } from './plan-changes';
import type { ConsolidationStoreType } from './store-type';

const noOpenPlan = (app: Pick<App, 'name'>) => new NotFoundError(`The app ${app.name} has no open consolidation or retirement plan`);
const planExists = (app: Pick<App, 'name'>) =>
  new ConflictError('consolidation_plan_exists', `The app ${app.name} already has an open plan; revise it or cancel it first`);

export interface ConsolidationPlanDeps {
  readonly db: Transactor;
  readonly apps: Pick<AppStoreType, 'find'>;
  readonly store: ConsolidationStoreType;
  readonly audit: AuditRecorder;
  readonly lead: Pick<LeadDepartmentService, 'get'>;
  readonly roles: RoleDirectory;
  readonly clock: Clock;
  /** The institution's time zone: plan dates (due, notification) are days of its calendar. */
  readonly timeZone: string;
}

/**
 * The Notice, item 4: consolidation done properly. The app's department drafts a plan (risk
 * assessment, data-migration steps, privacy measures, user notification); the lead department
 * approves it, never one of its authors; the app retires only once every part is done.
 */
export class ConsolidationPlanService {
  constructor(private readonly deps: ConsolidationPlanDeps) {}

  private today(): string {
    return localDate(this.deps.clock.now(), this.deps.timeZone);
  }

  async draft(ctx: ChangeContext, appId: string, input: DraftPlan): Promise<ConsolidationPlan> {
    const by = staffSubject(ctx);
    const now = this.deps.clock.now().toISOString();
    this.checkDates(input);
    return this.deps.db.transaction(async (trx) => {
      const app = await lockChangeableApp(this.deps.apps, trx, appId);
      if (await this.deps.store.openPlan(appId, trx)) throw planExists(app);
      const plan: PlanRecord = {
        id: crypto.randomUUID(),
        appId,
        kind: input.kind,
        status: 'draft',
        reason: input.reason,
        mergesInto: input.mergesInto ?? [],
        riskAssessment: input.riskAssessment ?? null,
        privacyMeasures: input.privacyMeasures ?? [],
        notification: input.notification ? { ...input.notification, sentAt: null, sentBy: null } : null,
        authors: [by],
        createdBy: by,
        createdAt: now,
        updatedAt: now,
        approvedBy: null,
        approvedAt: null,
        closedBy: null,
        closedAt: null,
        closeReason: null,
      };
      assertTargets(plan, await this.deps.store.apps(plan.mergesInto, trx));
      const steps = (input.steps ?? []).map((s, i) => newStep(plan.id, i + 1, s, by, now));
      try {
        await this.deps.store.insertPlan(trx, plan);
      } catch (err) {
        if (isUniqueViolation(err)) throw planExists(app);
        throw err;
      }
      await this.deps.store.insertSteps(trx, steps);
      await this.deps.audit.record(trx, ctx, {
        action: 'app.consolidation_plan_drafted',
        objectType: 'app',
        objectId: appId,
        details: { planId: plan.id, after: contentOf(plan), steps },
      });
      return this.view(trx, plan);
    });
  }

  /** The app's open plan, or else its most recent one (a retired app's completed plan). */
  async get(appId: string): Promise<ConsolidationPlan> {
    const app = await this.deps.apps.find(appId);
    if (!app) throw appNotFound(appId);
    const plan = (await this.deps.store.openPlan(appId)) ?? (await this.deps.store.latestPlan(appId));
    if (!plan) throw new NotFoundError(`The app ${app.name} has no consolidation or retirement plan`);
    return this.view(undefined, plan);
  }

  async revise(ctx: ChangeContext, appId: string, input: RevisePlan): Promise<ConsolidationPlan> {
    const by = staffSubject(ctx);
    const now = this.deps.clock.now().toISOString();
    this.checkDates(input);
    return this.changeOpenPlan(appId, async (trx, before) => {
      if (input.notification && before.notification?.sentAt) {
        throw new ConflictError(
          'notification_already_sent',
          `The user notification went out on ${before.notification.sentAt}; what users were told can no longer change`,
        );
      }
      const kind = input.kind ?? before.kind;
      const after: PlanRecord = {
        ...revised(before, by, now),
        kind,
        reason: input.reason ?? before.reason,
        // Turning into a retirement drops the targets unless new ones are given (and then refused).
        mergesInto: input.mergesInto ?? (kind === 'retirement' ? [] : before.mergesInto),
        riskAssessment: input.riskAssessment ?? before.riskAssessment,
        privacyMeasures: input.privacyMeasures ?? before.privacyMeasures,
        notification: input.notification ? { ...input.notification, sentAt: null, sentBy: null } : before.notification,
      };
      assertTargets(after, await this.deps.store.apps(after.mergesInto, trx));
      await this.deps.store.updatePlan(trx, after);
      await this.deps.audit.record(trx, ctx, {
        action: 'app.consolidation_plan_revised',
        objectType: 'app',
        objectId: appId,
        details: { planId: after.id, before: contentOf(before), after: contentOf(after), approvalWithdrawn: before.status === 'approved' },
      });
      return after;
    });
  }

  async addStep(ctx: ChangeContext, appId: string, input: NewMigrationStep): Promise<ConsolidationPlan> {
    const by = staffSubject(ctx);
    const now = this.deps.clock.now().toISOString();
    return this.changeOpenPlan(appId, async (trx, before) => {
      const step = newStep(before.id, (await this.deps.store.stepsOf(before.id, trx)).length + 1, input, by, now);
      const after = revised(before, by, now);
      await this.deps.store.insertSteps(trx, [step]);
      await this.deps.store.updatePlan(trx, after);
      await this.deps.audit.record(trx, ctx, {
        action: 'app.migration_step_added',
        objectType: 'app',
        objectId: appId,
        details: { planId: before.id, step, approvalWithdrawn: before.status === 'approved' },
      });
      return after;
    });
  }

  async updateStep(ctx: ChangeContext, appId: string, stepId: string, input: UpdateMigrationStep): Promise<ConsolidationPlan> {
    const by = staffSubject(ctx);
    const nowDate = this.deps.clock.now();
    const now = nowDate.toISOString();
    if (input.completedAt !== undefined && new Date(input.completedAt) > nowDate) {
      throw ValidationError.field('body.completedAt', 'must not be in the future');
    }
    return this.changeOpenPlan(appId, async (trx, before) => {
      const step = (await this.deps.store.stepsOf(before.id, trx)).find((s) => s.id === stepId);
      if (!step) throw new NotFoundError(`The open plan has no migration step ${stepId}`);
      const handling = input.handling ?? step.handling;
      const destination = input.destination === undefined ? step.destination : input.destination;
      if (handling === 'migrated' && destination === null)
        throw ValidationError.field('body.destination', 'migrated data needs its destination');
      if (handling === 'deleted' && destination !== null)
        throw ValidationError.field('body.destination', 'deleted data has no destination');
      const status = input.status ?? step.status;
      const after: StepRecord = {
        ...step,
        description: input.description ?? step.description,
        handling,
        destination,
        owner: input.owner ?? step.owner,
        dueOn: input.dueOn ?? step.dueOn,
        status,
        completedAt: status !== 'done' ? null : (input.completedAt ?? (step.status === 'done' ? step.completedAt : now)),
        updatedBy: by,
        updatedAt: now,
      };
      // Progress leaves the approval alone; changing what the step is makes the caller an author of the plan.
      const contentChanged = STEP_CONTENT.some((f) => after[f] !== step[f]);
      const plan = contentChanged ? revised(before, by, now) : { ...before, updatedAt: now };
      await this.deps.store.updateStep(trx, after);
      await this.deps.store.updatePlan(trx, plan);
      await this.deps.audit.record(trx, ctx, {
        action: 'app.migration_step_updated',
        objectType: 'app',
        objectId: appId,
        details: { planId: before.id, before: step, after, approvalWithdrawn: contentChanged && before.status === 'approved' },
      });
      return plan;
    });
  }

  async approve(ctx: ChangeContext, appId: string, input: ApprovePlan): Promise<ConsolidationPlan> {
    const by = staffSubject(ctx);
    const now = this.deps.clock.now().toISOString();
    // Outside the transaction: the lead department and the caller's roles are read on their own connection.
    await assertLeadApprover(this.deps.lead, this.deps.roles, by);
    return this.changeOpenPlan(appId, async (trx, before) => {
      if (before.status === 'approved') {
        throw new ConflictError('consolidation_plan_approved', `The plan was already approved by ${before.approvedBy}`);
      }
      if (before.authors.includes(by)) {
        throw new SeparationOfDutiesError(`Separation of duties: ${by} wrote this plan, so someone else must approve it`, {
          step: 'plan_approval',
          authors: before.authors,
        });
      }
      const gaps = contentGaps(before, await this.deps.store.stepsOf(before.id, trx), await this.deps.store.apps(before.mergesInto, trx));
      if (gaps.length > 0) throw new PlanIncompleteError('consolidation_plan_incomplete', 'The plan cannot be approved', before.id, gaps);
      const after: PlanRecord = { ...before, status: 'approved', approvedBy: by, approvedAt: now, updatedAt: now };
      await this.deps.store.updatePlan(trx, after);
      await this.deps.audit.record(trx, ctx, {
        action: 'app.consolidation_plan_approved',
        objectType: 'app',
        objectId: appId,
        details: { planId: after.id, note: input.note ?? null, authors: after.authors, approved: contentOf(after) },
      });
      return after;
    });
  }

  async recordNotificationSent(ctx: ChangeContext, appId: string, input: RecordNotificationSent): Promise<ConsolidationPlan> {
    const by = staffSubject(ctx);
    const now = this.deps.clock.now();
    const sentAt = input.sentAt === undefined ? now : new Date(input.sentAt);
    if (sentAt > now) throw ValidationError.field('body.sentAt', 'must not be in the future');
    return this.changeOpenPlan(appId, async (trx, before) => {
      const notification = before.notification;
      if (notification === null) throw new ConflictError('notification_missing', 'The plan has no user notification to send');
      if (notification.sentAt !== null) throw new ConflictError('notification_already_sent', `It was sent on ${notification.sentAt}`);
      if (before.status !== 'approved') {
        throw new ConflictError(
          'consolidation_plan_not_approved',
          'Users are told what the lead department approved: approve the plan first',
        );
      }
      if (before.approvedAt !== null && sentAt < new Date(before.approvedAt)) {
        throw ValidationError.field('body.sentAt', `must not be before the plan's approval (${before.approvedAt})`);
      }
      const sentOn = localDate(sentAt, this.deps.timeZone);
      if (sentOn < notification.notifyOn) {
        throw new ConflictError(
          'notification_not_due',
          `The notification is planned for ${notification.notifyOn}; it cannot have gone out on ${sentOn}`,
        );
      }
      const after: PlanRecord = {
        ...before,
        notification: { ...notification, sentAt: sentAt.toISOString(), sentBy: by },
        updatedAt: now.toISOString(),
      };
      await this.deps.store.updatePlan(trx, after);
      await this.deps.audit.record(trx, ctx, {
        action: 'app.consolidation_notification_sent',
        objectType: 'app',
        objectId: appId,
        details: { planId: after.id, channels: notification.channels, notifyOn: notification.notifyOn, sentAt: sentAt.toISOString() },
      });
      return after;
    });
  }

  async cancel(ctx: ChangeContext, appId: string, input: CancelPlan): Promise<ConsolidationPlan> {
    const by = staffSubject(ctx);
    const now = this.deps.clock.now().toISOString();
    return this.changeOpenPlan(appId, async (trx, before) => {
      const after: PlanRecord = { ...before, status: 'cancelled', closedBy: by, closedAt: now, closeReason: input.reason, updatedAt: now };
      await this.deps.store.updatePlan(trx, after);
      await this.deps.audit.record(trx, ctx, {
        action: 'app.consolidation_plan_cancelled',
        objectType: 'app',
        objectId: appId,
        details: { planId: after.id, reason: input.reason, wasApproved: before.status === 'approved' },
      });
      return after;
    });
  }

  /** Locks the app (404, 409 once retired) and its open plan (404 when none), applies `change`, answers the plan after. */
  private changeOpenPlan(appId: string, change: (trx: Trx, before: PlanRecord) => Promise<PlanRecord>): Promise<ConsolidationPlan> {
    return this.deps.db.transaction(async (trx) => {
      const app = await lockChangeableApp(this.deps.apps, trx, appId);
      const before = await this.deps.store.openPlan(appId, trx, true);
      if (!before) throw noOpenPlan(app);
      return this.view(trx, await change(trx, before));
    });
  }

  private async view(trx: Db | Trx | undefined, plan: PlanRecord): Promise<ConsolidationPlan> {
    const today = this.today();
    const steps = await this.deps.store.stepsOf(plan.id, trx);
    const targets = await this.deps.store.apps(plan.mergesInto, trx);
    const open = plan.status === 'draft' || plan.status === 'approved';
    const incomplete = open ? retirementGaps(plan, steps, targets, today) : [];
    return {
      ...plan,
      mergesInto: targets,
      steps: steps.map(({ planId: _planId, ...s }) => ({ ...s, overdue: open && isOverdue(s, today) })),
      readyToRetire: open && incomplete.length === 0,
      incomplete,
    };
  }

  private checkDates(input: Pick<RevisePlan, 'riskAssessment'>): void {
    if (input.riskAssessment && input.riskAssessment.assessedOn > this.today()) {
      throw ValidationError.field('body.riskAssessment.assessedOn', 'must not be in the future');
    }
  }
}
