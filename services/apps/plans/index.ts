import type { AuditLog } from '../../audit';
import type { Db } from '../../db';
import type { DepartmentService } from '../../departments';
import type { RouteSpec } from '../../http/route';
import type { Clock } from '../../platform/clock';
import type { AccountabilityStore, LeadDepartmentService, RoleDirectory } from '../accountability';
import type { AppService } from '../service';
import type { AppStoreType } from '../store-type';
import { AppEntryService } from './entry';
import { AppPlanComplianceFacts, AppPlanReportService } from './report';
import { appPlanRoutes } from './routes';
import { AppPlanService, AppPlanningPolicyService } from './service';
import { AppPlanningStore } from './planning-store';
import { AppPlanStore } from './store';

export { AppEntryService } from './entry';
export { AppPlanComplianceFacts, AppPlanReportService } from './report';
export { AppPlanService, AppPlanningPolicyService } from './service';
export { normalizeScenario, overlapsOf } from './overlaps';

/** The rules at a proposal's entry, built before the ledger's AppService (which runs them in its transaction). */
export function createAppEntry(deps: { db: Db; audit: AuditLog; appStore: AppStoreType; clock: Clock }): {
  entry: AppEntryService;
  store: AppPlanStore;
  planning: AppPlanningStore;
} {
  const store = new AppPlanStore(deps.db);
  const planning = new AppPlanningStore(deps.db);
  return { store, planning, entry: new AppEntryService(deps.db, store, planning, deps.appStore, deps.audit, deps.clock) };
}

/** The Notice's item 3 for apps: construction plans, caps on the number of apps, and homogeneous demands merged at entry. */
export function createAppPlans(deps: {
  db: Db;
  audit: AuditLog;
  clock: Clock;
  apps: AppService;
  appStore: AppStoreType;
  departments: Pick<DepartmentService, 'requireExisting'>;
  roles: RoleDirectory;
  lead: Pick<LeadDepartmentService, 'get'>;
  accountability: Pick<AccountabilityStore, 'leadDepartment'>;
  entry: { entry: AppEntryService; store: AppPlanStore; planning: AppPlanningStore };
}): { plans: AppPlanService; policy: AppPlanningPolicyService; compliance: AppPlanComplianceFacts; routes: RouteSpec[] } {
  const { store, planning, entry } = deps.entry;
  const plans = new AppPlanService(
    deps.db,
    store,
    deps.appStore,
    deps.audit,
    deps.departments,
    deps.accountability,
    deps.roles,
    deps.clock,
  );
  const policy = new AppPlanningPolicyService(deps.db, planning, deps.audit, deps.departments, deps.accountability, deps.roles, deps.clock);
  const report = new AppPlanReportService(planning, deps.clock);
  return {
    plans,
    policy,
    compliance: new AppPlanComplianceFacts(planning, entry),
    routes: appPlanRoutes({ apps: deps.apps, lead: deps.lead, plans, policy, entry, report }),
  };
}
