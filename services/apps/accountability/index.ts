import type { Clock } from '../../platform/clock';
import type { AuditLog } from '../../audit';
import type { Db } from '../../db';
import type { DepartmentService } from '../../departments';
import type { RouteSpec } from '../../http/route';
import type { AppService } from '../service';
import type { AppStore } from '../store';
import { accountabilityRoutes } from './routes';
import { LeadDepartmentService, ResponsibilityService, type RoleDirectory } from './service';
import { AccountabilityStore } from './store';

export { LEAD_DEPARTMENT_STEPS, LeadDepartmentService, ResponsibilityService, type RoleDirectory } from './service';
export { AccountabilityStore } from './store';

/** The Notice's item 1 for apps: the lead department, and who answers for each app. */
export function createAppAccountability(deps: {
  db: Db;
  audit: AuditLog;
  apps: AppService;
  appStore: AppStore;
  departments: Pick<DepartmentService, 'requireExisting'>;
  roles: RoleDirectory;
  clock: Clock;
}): { lead: LeadDepartmentService; responsibilities: ResponsibilityService; store: AccountabilityStore; routes: RouteSpec[] } {
  const store = new AccountabilityStore(deps.db);
  const lead = new LeadDepartmentService(deps.db, store, deps.audit, deps.departments, deps.roles, deps.clock);
  const responsibilities = new ResponsibilityService(deps.db, deps.appStore, store, deps.audit, deps.departments, deps.clock);
  return { lead, responsibilities, store, routes: accountabilityRoutes(deps.apps, lead, responsibilities) };
}
