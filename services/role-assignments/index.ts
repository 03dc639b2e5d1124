import { StaffAuthorizer } from '../authz';
import type { DepartmentService } from '../departments';
import type { Feature, FeatureDeps } from '../feature';
import { every } from '../platform/every';
import { roleAssignmentRoutes } from './routes';
import { ROLE_ASSIGNMENTS_CHANGED, RoleAssignmentService } from './service';
import { RoleAssignmentStore } from './store';

export { RoleAssignmentService, ROLE_ASSIGNMENTS_CHANGED } from './service';
export { RoleAssignmentStore } from './store';
export { roleAssignmentRoutes } from './routes';

export interface RoleAssignmentsFeature {
  readonly roleAssignments: RoleAssignmentService;
  /** Who may do what, in which departments (the staff Casbin policy): the router and later features ask it. */
  readonly staffAuthorizer: StaffAuthorizer;
}

/** Staff roles per department, and the staff authorizer that reads them (reloaded on every change, on any replica). */
export function createRoleAssignmentsFeature(
  { config, db, logger, audit, changes }: FeatureDeps,
  ports: { readonly departments: DepartmentService },
): Feature<RoleAssignmentsFeature> {
  const staffAuthorizer = new StaffAuthorizer(db);
  const roleAssignments = new RoleAssignmentService(db, new RoleAssignmentStore(db), audit, staffAuthorizer, ports.departments, changes);
  changes.subscribe(ROLE_ASSIGNMENTS_CHANGED, () => staffAuthorizer.reload());
  changes.onReconnect(() => staffAuthorizer.reload());
  let reload: { stop(): void } | undefined;
  return {
    name: 'role-assignments',
    provides: { roleAssignments, staffAuthorizer },
    routes: roleAssignmentRoutes(roleAssignments),
    readiness: [{ name: 'staff_policies', check: async () => staffAuthorizer.ready }],
    async start() {
      await staffAuthorizer.reload();
      await roleAssignments.bootstrapAdmins(config.bootstrapAdminSubjects);
      // Backstop behind the change feed: a full reload now and then, whatever the feed said.
      reload = every(config.policyReloadIntervalSeconds * 1000, logger, 'periodic staff policy reload', () => staffAuthorizer.reload());
    },
    async stop() {
      reload?.stop();
    },
  };
}
