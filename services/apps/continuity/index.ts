import type { Clock } from '../../platform/clock';
import type { AuditLog } from '../../audit';
import type { Db } from '../../db';
import type { RouteSpec } from '../../http/route';
import type { LeadDepartmentService } from '../accountability';
import type { AppService } from '../service';
import type { AppStoreType } from '../store-type';
import { continuityRoutes } from './routes';
import { ContinuityService, drillCutoff } from './service';
import { ContinuityStore } from './store';
import type { ContinuityStoreType } from './store-type';

export { ContinuityService } from './service';
export { ContinuityStore } from './store';

/** What the compliance report asks about business continuity (Notice item 6). */
export class ContinuityComplianceFacts {
  constructor(
    private readonly store: Pick<ContinuityStoreType, 'withoutRecentDrill' | 'rtoBreaches'>,
    private readonly clock: Clock,
  ) {}

  /** Critical and important apps not retired without a passed drill in the last 12 months (examples: app ids). */
  withoutRecentDrill(now = this.clock.now()) {
    return this.store.withoutRecentDrill(drillCutoff(now));
  }

  /** Outages that started in the period, and those longer than their RTO (examples: outage ids). */
  rtoBreaches(window: { from: Date; to: Date }) {
    return this.store.rtoBreaches({ from: window.from.toISOString(), to: window.to.toISOString() });
  }
}

/** The Notice's item 6 for apps: business continuity. */
export function createAppContinuity(deps: {
  db: Db;
  audit: AuditLog;
  apps: AppService;
  appStore: AppStoreType;
  lead: Pick<LeadDepartmentService, 'get'>;
  clock: Clock;
}): { continuity: ContinuityService; compliance: ContinuityComplianceFacts; routes: RouteSpec[] } {
  const store = new ContinuityStore(deps.db);
  const continuity = new ContinuityService(deps.db, deps.appStore, store, deps.audit, deps.clock);
  return {
    continuity,
    compliance: new ContinuityComplianceFacts(store, deps.clock),
    routes: continuityRoutes(deps.apps, deps.lead, continuity),
  };
}
