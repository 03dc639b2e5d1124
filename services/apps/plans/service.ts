import crypto from 'node:crypto';
import type { AuditRecorder, ChangeContext } from '../../audit';
import type { Transactor, Trx } from '../../db';
import type { DepartmentService } from '../../departments';
import type { DepartmentAccess } from '../../http/route';
import type { Clock } from '../../platform/clock';
import { ConflictError, NotFoundError, ProblemError, ValidationError } from '../../shared/errors';
import { decodeUuidCursor, type Page } from '../../shared/schemas';
import type { RoleDirectory } from '../accountability';
import type { AccountabilityStoreType } from '../accountability/store-type';
import { SeparationOfDutiesError } from '../lifecycle';
import { appNotFound, appRetired, pageOf, staffSubject } from '../service';
import type { AppStoreType } from '../store-type';
import type {
  AppCap,
  AppPlan,
  AppPlanQuery,
  ApproveAppPlan,
  MergePlannedApp,
  PlanningPolicy,
  RejectAppPlan,
  SetAppCap,
  SetPlanningPolicy,
  SubmitAppPlan,
} from './schemas';
import type { AppPlanningStoreType } from './planning-store-type';
import type { AppPlanStoreType } from './store-type';

export const planNotFound = (id: string) => new NotFoundError(`No app plan ${id}`);
export const todayOf = (clock: Clock): string => clock.now().toISOString().slice(0, 10);

/**
 * Who speaks for the lead department on plans and caps: the caller holds `action` on app_plan in the
 * lead department (or everywhere). 409 while no lead department is named (unless held everywhere), 403 otherwise.
 */
export async function assertLeadDepartment(
  trx: Trx,
  accountability: Pick<AccountabilityStoreType, 'leadDepartment'>,
  roles: RoleDirectory,
  subject: string,
  action: 'approve' | 'configure',
): Promise<void> {
  const access = await roles.access(subject, 'app_plan', action);
  if (access.all) return;
  const { department } = await accountability.leadDepartment(trx);
  if (department === null) {
    throw new ConflictError(
      'lead_department_not_configured',
      'No lead department for app management is named yet; an administrator names one first',
    );
  }
  if (access.departments.includes(department)) return;
  const what = action === 'approve' ? 'approve app construction plans' : 'set the plan requirement and app caps';
  throw new ProblemError(403, 'not_lead_department', 'Forbidden', `Only app managers of the lead department ${department} ${what}`, {
    extensions: { leadDepartment: department },
  });
}

/** Departments' and branches' app construction plans: submitted by the department, decided by the lead department. */
export class AppPlanService {
  constructor(
    private readonly db: Transactor,
    private readonly store: AppPlanStoreType,
    private readonly apps: Pick<AppStoreType, 'find'>,
    private readonly audit: AuditRecorder,
    private readonly departments: Pick<DepartmentService, 'requireExisting'>,
    private readonly accountability: Pick<AccountabilityStoreType, 'leadDepartment'>,
    private readonly roles: RoleDirectory,
    private readonly clock: Clock,
  ) {}

  /** The department whose plan it is (for route permission scopes); 404 when there is no such plan. */
  async departmentOf(id: string): Promise<string> {
    const department = await this.store.planDepartment(id);
    if (department === undefined) throw planNotFound(id);
    return department;
  }

  async submit(ctx: ChangeContext, input: SubmitAppPlan): Promise<AppPlan> {
    const by = staffSubject(ctx);
    await this.departments.requireExisting([input.department], 'body.department');
    const now = this.clock.now().toISOString();
    if (input.periodEnd < now.slice(0, 10)) {
      throw new ValidationError('body.periodEnd: the period is over; plan for today or later', [
        { path: 'body.periodEnd', message: 'must not be in the past' },
      ]);
    }
    const plan: AppPlan = {
      id: crypto.randomUUID(),
      department: input.department,
      periodStart: input.periodStart,
      periodEnd: input.periodEnd,
      justification: input.justification,
      status: 'submitted',
      plannedApps: input.plannedApps.map((p) => ({
        id: crypto.randomUUID(),
        ...p,
        businessScenarios: [...new Set(p.businessScenarios)],
        status: 'open',
        appId: null,
        mergedInto: null,
        mergeNote: null,
        mergedBy: null,
        mergedAt: null,
      })),
      submittedBy: by,
      submittedAt: now,
      decidedBy: null,
      decidedAt: null,
      decisionNote: null,
    };
    await this.db.transaction(async (trx) => {
      await this.store.insertPlan(trx, plan);
      await this.audit.record(trx, ctx, {
        action: 'app_plan.submitted',
        objectType: 'app_plan',
        objectId: plan.id,
        details: { after: plan },
      });
    });
    return plan;
  }

  async get(id: string): Promise<AppPlan> {
    const plan = await this.store.findPlan(id);
    if (!plan) throw planNotFound(id);
    return plan;
  }

  /** Plans of the departments the caller may read; the lead department's app managers read every plan. */
  async list(query: AppPlanQuery, access: DepartmentAccess): Promise<Page<AppPlan>> {
    const { department: lead } = await this.accountability.leadDepartment();
    const everything = access.all || (lead !== null && access.departments.includes(lead));
    const rows = await this.store.listPlans(
      {
        department: query.department,
        status: query.status,
        departments: everything ? undefined : access.departments,
        afterId: decodeUuidCursor(query.cursor),
      },
      query.limit + 1,
    );
    return pageOf(rows, query.limit);
  }

  approve(ctx: ChangeContext, id: string, input: ApproveAppPlan): Promise<AppPlan> {
    return this.decide(ctx, id, 'approved', input.note ?? null);
  }

  reject(ctx: ChangeContext, id: string, input: RejectAppPlan): Promise<AppPlan> {
    return this.decide(ctx, id, 'rejected', input.reason);
  }

  private async decide(ctx: ChangeContext, id: string, status: 'approved' | 'rejected', note: string | null): Promise<AppPlan> {
    const by = staffSubject(ctx);
    return this.db.transaction(async (trx) => {
      const plan = await this.store.findPlan(id, trx, true);
      if (!plan) throw planNotFound(id);
      await assertLeadDepartment(trx, this.accountability, this.roles, by, 'approve');
      if (plan.status !== 'submitted')
        throw new ConflictError('app_plan_decided', `The plan was already ${plan.status} by ${plan.decidedBy}`);
      if (plan.submittedBy === by) {
        throw new SeparationOfDutiesError(`Separation of duties: ${by} submitted the plan, so someone else must decide it`, {
          step: status,
          makerStep: 'submitted',
        });
      }
      const at = this.clock.now().toISOString();
      if (status === 'approved' && plan.periodEnd < at.slice(0, 10)) {
        throw new ConflictError(
          'app_plan_period_over',
          `The plan's period ended on ${plan.periodEnd}; the department submits a current plan`,
        );
      }
      await this.store.decidePlan(trx, id, { status, by, at, note });
      await this.audit.record(trx, ctx, {
        action: `app_plan.${status}`,
        objectType: 'app_plan',
        objectId: id,
        details: { department: plan.department, periodStart: plan.periodStart, periodEnd: plan.periodEnd, note },
      });
      return { ...plan, status, decidedBy: by, decidedAt: at, decisionNote: note };
    });
  }

  /** The department merges a planned app's demand into an app already in the ledger instead of proposing a new one. */
  async mergePlannedApp(ctx: ChangeContext, planId: string, itemId: string, input: MergePlannedApp): Promise<AppPlan> {
    const by = staffSubject(ctx);
    await this.db.transaction(async (trx) => {
      const found = await this.store.lockItem(trx, planId, itemId);
      if (!found) throw new NotFoundError(`No planned app ${itemId} in plan ${planId}`);
      const { plan, item } = found;
      if (plan.status !== 'approved')
        throw new ConflictError('app_plan_not_approved', `The plan is ${plan.status}; only an approved plan's apps are merged`);
      if (item.status !== 'open') throw new ConflictError('planned_app_used', `The planned app ${item.name} is already ${item.status}`);
      const target = await this.apps.find(input.into, trx, true);
      if (!target) throw appNotFound(input.into);
      if (target.lifecycleState === 'retired') throw appRetired(target.name);
      const at = this.clock.now().toISOString();
      await this.store.mergeItem(trx, itemId, { into: target.id, note: input.note, by, at });
      await this.audit.record(trx, ctx, {
        action: 'app_plan.planned_app_merged',
        objectType: 'app_plan',
        objectId: planId,
        details: { itemId, name: item.name, into: target.id, intoName: target.name, note: input.note },
      });
    });
    return this.get(planId);
  }
}

/** The lead department's controls on the number of apps: the date plans are required from, and caps per department. */
export class AppPlanningPolicyService {
  constructor(
    private readonly db: Transactor,
    private readonly store: AppPlanningStoreType,
    private readonly audit: AuditRecorder,
    private readonly departments: Pick<DepartmentService, 'requireExisting'>,
    private readonly accountability: Pick<AccountabilityStoreType, 'leadDepartment'>,
    private readonly roles: RoleDirectory,
    private readonly clock: Clock,
  ) {}

  async get(): Promise<PlanningPolicy> {
    return { ...(await this.store.planningPolicy()), caps: await this.store.caps() };
  }

  async setPolicy(ctx: ChangeContext, input: SetPlanningPolicy): Promise<PlanningPolicy> {
    const by = staffSubject(ctx);
    await this.db.transaction(async (trx) => {
      await assertLeadDepartment(trx, this.accountability, this.roles, by, 'configure');
      const before = await this.store.planningPolicy(trx, true);
      if (before.setBy !== null && before.plansRequiredFrom === input.plansRequiredFrom) return;
      await this.store.setPlanningPolicy(trx, {
        plansRequiredFrom: input.plansRequiredFrom,
        setBy: by,
        setAt: this.clock.now().toISOString(),
      });
      await this.audit.record(trx, ctx, {
        action: 'app_planning.policy_set',
        objectType: 'app_planning_policy',
        objectId: 'plans_required_from',
        details: { before: before.plansRequiredFrom, after: input.plansRequiredFrom },
      });
    });
    return this.get();
  }

  async setCap(ctx: ChangeContext, department: string, input: SetAppCap): Promise<AppCap> {
    const by = staffSubject(ctx);
    await this.departments.requireExisting([department], 'path.code');
    return this.db.transaction(async (trx) => {
      await assertLeadDepartment(trx, this.accountability, this.roles, by, 'configure');
      const before = await this.store.cap(trx, department, true);
      const after: AppCap = { department, maxApps: input.maxApps, setBy: by, setAt: this.clock.now().toISOString() };
      if ((before?.maxApps ?? null) === after.maxApps) return before ?? after;
      await this.store.setCap(trx, after);
      await this.audit.record(trx, ctx, {
        action: 'app_planning.cap_set',
        objectType: 'department',
        objectId: department,
        details: { before: before?.maxApps ?? null, after: after.maxApps },
      });
      return after;
    });
  }
}
