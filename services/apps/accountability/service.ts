import type { Clock } from '../../platform/clock';
import type { AuditRecorder, ChangeContext } from '../../audit';
import type { Transactor, Trx } from '../../db';
import type { DepartmentService } from '../../departments';
import { ConflictError, ProblemError } from '../../shared/errors';
import type { DepartmentAccess } from '../../http/route';
import type { AppState } from '../lifecycle';
import { appNotFound, lockChangeableApp, staffSubject } from '../service';
import type { App } from '../schemas';
import type { AppStoreType } from '../store-type';
import type { AccountabilityStoreType } from './store-type';
import {
  RESPONSIBILITY_AREAS,
  type AppResponsibilityMatrix,
  type LeadDepartment,
  type Responsibility,
  type ResponsibilityArea,
  type ResponsibilityMatrixReport,
  type SetLeadDepartment,
  type SetResponsibilityMatrix,
} from './schemas';

/** Where a staff member holds a permission (the staff authorizer answers). */
export interface RoleDirectory {
  access(subject: string, object: string, action: string): Promise<DepartmentAccess>;
}

/** The lifecycle steps only the lead department's app managers take: entry and exit. */
export const LEAD_DEPARTMENT_STEPS: readonly AppState[] = ['approved', 'retired'];

const notConfigured = () =>
  new ConflictError(
    'lead_department_not_configured',
    'No lead department for app management is named yet; an administrator names one first',
  );

/** The institution's lead department for mobile-app management: named by an administrator, audited when it changes. */
export class LeadDepartmentService {
  constructor(
    private readonly db: Transactor,
    private readonly store: AccountabilityStoreType,
    private readonly audit: AuditRecorder,
    private readonly departments: Pick<DepartmentService, 'requireExisting'>,
    private readonly roles: RoleDirectory,
    private readonly clock: Clock,
  ) {}

  get(): Promise<LeadDepartment> {
    return this.store.leadDepartment();
  }

  async set(ctx: ChangeContext, input: SetLeadDepartment): Promise<LeadDepartment> {
    const by = staffSubject(ctx);
    await this.departments.requireExisting([input.department], 'body.department');
    return this.db.transaction(async (trx) => {
      const before = await this.store.leadDepartment(trx, true);
      const after = { department: input.department, setBy: by, setAt: this.clock.now().toISOString() };
      if (before.department === after.department) return before;
      await this.store.setLeadDepartment(trx, after);
      await this.audit.record(trx, ctx, {
        action: 'app.lead_department_set',
        objectType: 'app_lead_department',
        objectId: after.department,
        details: { before: before.department, after: after.department },
      });
      return after;
    });
  }

  /**
   * Entry approval and exit (retirement) are the lead department's: the caller must hold app:approve
   * there (or everywhere). 409 when no lead department is named, 403 otherwise.
   */
  async assertLeadApprover(trx: Trx, subject: string, step: AppState): Promise<void> {
    if (!LEAD_DEPARTMENT_STEPS.includes(step)) return;
    const { department } = await this.store.leadDepartment(trx);
    if (department === null) throw notConfigured();
    const access = await this.roles.access(subject, 'app', 'approve');
    if (access.all || access.departments.includes(department)) return;
    throw new ProblemError(
      403,
      'not_lead_department',
      'Forbidden',
      `Only app managers of the lead department ${department} move an app to ${step}`,
      {
        extensions: { leadDepartment: department, step },
      },
    );
  }
}

const complete = (areas: Partial<Record<ResponsibilityArea, Responsibility>>): Record<ResponsibilityArea, Responsibility | null> => ({
  business: areas.business ?? null,
  data: areas.data ?? null,
  security: areas.security ?? null,
  operations: areas.operations ?? null,
});

const matrixOf = (app: App, areas: Partial<Record<ResponsibilityArea, Responsibility>>): AppResponsibilityMatrix => ({
  appId: app.id,
  appName: app.name,
  lifecycleState: app.lifecycleState,
  owningDepartment: app.owningDepartment,
  responsiblePerson: app.responsiblePerson,
  businessOwner: app.businessOwner,
  technologyOwner: app.technologyOwner,
  ...complete(areas),
});

/** Who answers for each app's business, data, security and operations. */
export class ResponsibilityService {
  constructor(
    private readonly db: Transactor,
    private readonly apps: Pick<AppStoreType, 'find' | 'notRetired'>,
    private readonly store: AccountabilityStoreType,
    private readonly audit: AuditRecorder,
    private readonly departments: Pick<DepartmentService, 'requireExisting'>,
    private readonly clock: Clock,
  ) {}

  async set(ctx: ChangeContext, appId: string, input: SetResponsibilityMatrix): Promise<AppResponsibilityMatrix> {
    const by = staffSubject(ctx);
    for (const area of RESPONSIBILITY_AREAS) await this.departments.requireExisting([input[area].department], `body.${area}.department`);
    const at = this.clock.now().toISOString();
    return this.db.transaction(async (trx) => {
      const app = await lockChangeableApp(this.apps, trx, appId);
      const before = complete((await this.store.responsibilities([appId], trx)).get(appId) ?? {});
      const after = Object.fromEntries(RESPONSIBILITY_AREAS.map((a) => [a, { ...input[a], setBy: by, setAt: at }])) as Record<
        ResponsibilityArea,
        Responsibility
      >;
      await this.store.replaceResponsibilities(trx, appId, after);
      await this.audit.record(trx, ctx, {
        action: 'app.responsibility_matrix_set',
        objectType: 'app',
        objectId: appId,
        details: { before, after },
      });
      return matrixOf(app, after);
    });
  }

  async get(appId: string): Promise<AppResponsibilityMatrix> {
    const app = await this.apps.find(appId);
    if (!app) throw appNotFound(appId);
    return matrixOf(app, (await this.store.responsibilities([appId])).get(appId) ?? {});
  }

  /** Every app not retired, by name, with its owners and matrix. */
  async report(): Promise<ResponsibilityMatrixReport> {
    const apps = await this.apps.notRetired();
    const areas = await this.store.responsibilities(apps.map((a) => a.id));
    return {
      generatedAt: this.clock.now().toISOString(),
      leadDepartment: (await this.store.leadDepartment()).department,
      apps: apps.map((app) => matrixOf(app, areas.get(app.id) ?? {})),
    };
  }
}
