import type { Feature, FeatureDeps } from '../feature';
import { departmentRoutes } from './routes';
import { DepartmentService } from './service';
import { DepartmentStore } from './store';

export { DepartmentService } from './service';
export { DepartmentStore } from './store';
export { departmentRoutes } from './routes';
export type { Department } from './schemas';

/** The bank's departments: business departments own data assets; every staff role is held in one (or in all). */
export function createDepartmentsFeature({ db, audit, clock }: FeatureDeps): Feature<{ departments: DepartmentService }> {
  const departments = new DepartmentService(db, new DepartmentStore(db), audit, clock);
  return { name: 'departments', provides: { departments }, routes: departmentRoutes(departments) };
}
