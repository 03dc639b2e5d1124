import type { Clock } from '../../platform/clock';
import type { AuditLog } from '../../audit';
import type { Db } from '../../db';
import type { RouteSpec } from '../../http/route';
import type { PurposeDirectory } from '../lifecycle-service';
import type { AppService } from '../service';
import type { AppStoreType } from '../store-type';
import { appSdkRoutes } from './routes';
import { AppSdkService, type VendorDirectory } from './service';
import { AppSdkStore } from './store';

export { AppSdkService, type VendorDirectory } from './service';

/** The Notice's third-party components (SDKs): declared per app and release, PI collection approved and disclosed. */
export function createAppComponents(deps: {
  db: Db;
  audit: AuditLog;
  apps: AppService;
  appStore: AppStoreType;
  purposes: PurposeDirectory;
  vendors: VendorDirectory;
  clock: Clock;
}): { sdks: AppSdkService; routes: RouteSpec[] } {
  const sdks = new AppSdkService(deps.db, deps.appStore, new AppSdkStore(deps.db), deps.audit, deps.purposes, deps.vendors, deps.clock);
  return { sdks, routes: appSdkRoutes(deps.apps, sdks) };
}
