export { RoleAssignmentService, ROLE_ASSIGNMENTS_CHANGED } from './service';
export { RoleAssignmentStore } from './store';
export { roleAssignmentRoutes } from './routes';
