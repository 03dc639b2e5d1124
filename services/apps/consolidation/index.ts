import type { AuditLog } from '../../audit';
import type { Db } from '../../db';
import type { RouteSpec } from '../../http/route';
import type { Clock } from '../../platform/clock';
import { localDate } from '../../reports/report-time';
import type { LeadDepartmentService, RoleDirectory } from '../accountability';
import type { RetirementGate } from '../lifecycle-service';
import type { AppService } from '../service';
import type { AppStoreType } from '../store-type';
import { PlanRetirementGate } from './retirement-gate';
import { consolidationPlanRoutes } from './routes';
import { ConsolidationPlanService } from './service';
import { ConsolidationStore } from './store';

export { ConsolidationPlanService } from './service';

/** What the compliance report asks about consolidation and retirement plans (Notice item 4). */
export class ConsolidationComplianceFacts {
  constructor(
    private readonly store: ConsolidationStore,
    private readonly timeZone: string,
  ) {}

  /** Apps consolidating without an approved plan, or retired with an unfinished one (examples: app ids). */
  exitWithoutCompletePlan() {
    return this.store.exitWithoutCompletePlan();
  }

  /** Data-migration steps of open plans not done by their due date (examples: step ids). */
  overdueMigrationSteps(now: Date) {
    return this.store.overdueSteps(localDate(now, this.timeZone));
  }
}

/** The Notice's item 4 for apps: consolidation and retirement done properly. */
export function createAppConsolidation(deps: {
  db: Db;
  audit: AuditLog;
  apps: AppService;
  appStore: AppStoreType;
  lead: Pick<LeadDepartmentService, 'get'>;
  roles: RoleDirectory;
  clock: Clock;
  timeZone: string;
}): { plans: ConsolidationPlanService; retirementGate: RetirementGate; compliance: ConsolidationComplianceFacts; routes: RouteSpec[] } {
  const store = new ConsolidationStore(deps.db);
  const plans = new ConsolidationPlanService({ ...deps, apps: deps.appStore, store });
  return {
    plans,
    retirementGate: new PlanRetirementGate({ store, audit: deps.audit, clock: deps.clock, timeZone: deps.timeZone }),
    compliance: new ConsolidationComplianceFacts(store, deps.timeZone),
    routes: consolidationPlanRoutes(deps.apps, deps.lead, plans),
  };
}
