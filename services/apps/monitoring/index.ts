import type { AuditLog } from '../../audit';
import type { Db } from '../../db';
import type { RouteSpec } from '../../http/route';
import type { Clock } from '../../platform/clock';
import type { LeadDepartmentService } from '../accountability';
import type { AppService } from '../service';
import type { AppStoreType } from '../store-type';
import { SignalRateLimit, type SignalRateLimits } from './rate-limit';
import { monitoringRoutes } from './routes';
import { MonitoringService, type MonitoringClientDirectory } from './service';
import { MonitoringStore } from './store';

export { APP_SIGNALS_SCOPE } from './schemas';
export { MonitoringService, type MonitoringClientDirectory } from './service';
export { checkThresholds, crossedSeverity } from './thresholds';
export { MonitoringStore } from './store';
export { SignalRateLimit, type SignalRateLimits } from './rate-limit';

/** The Notice's item 9 for apps: monitoring signals, warning thresholds and warnings. */
export function createAppMonitoring(deps: {
  db: Db;
  audit: AuditLog;
  apps: AppService;
  appStore: AppStoreType;
  lead: Pick<LeadDepartmentService, 'get'>;
  clients: MonitoringClientDirectory;
  signalLimits: SignalRateLimits;
  clock: Clock;
}): { monitoring: MonitoringService; routes: RouteSpec[] } {
  const monitoring = new MonitoringService(
    deps.db,
    deps.appStore,
    new MonitoringStore(deps.db),
    deps.audit,
    deps.clients,
    new SignalRateLimit(deps.signalLimits),
    deps.clock,
  );
  return { monitoring, routes: monitoringRoutes(deps.apps, deps.lead, monitoring) };
}
