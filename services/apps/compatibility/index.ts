import type { Clock } from '../../platform/clock';
import type { AuditLog } from '../../audit';
import type { Db } from '../../db';
import type { RouteSpec } from '../../http/route';
import type { AppService } from '../service';
import type { AppStoreType } from '../store-type';
import { compatibilityRoutes } from './routes';
import { CompatibilityService } from './service';
import { CompatibilityStore } from './store';

export { CompatibilityService } from './service';

/** The Notice's compatibility and adaptability duty: supported environments, results, end of support. */
export function createAppCompatibility(deps: { db: Db; audit: AuditLog; apps: AppService; appStore: AppStoreType; clock: Clock }): {
  compatibility: CompatibilityService;
  routes: RouteSpec[];
} {
  const compatibility = new CompatibilityService(deps.db, deps.appStore, new CompatibilityStore(deps.db), deps.audit, deps.clock);
  return { compatibility, routes: compatibilityRoutes(deps.apps, compatibility) };
}
