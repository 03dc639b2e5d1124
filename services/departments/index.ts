export { DepartmentService } from './service';
export { DepartmentStore } from './store';
export { departmentRoutes } from './routes';
export type { Department } from './schemas';
