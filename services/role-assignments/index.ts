export { RoleAssignmentService } from './service';
export { RoleAssignmentStore } from './store';
export { roleAssignmentRoutes } from './routes';
