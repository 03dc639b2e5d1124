import type { AuditLog } from '../../audit';
import type { Db } from '../../db';
import type { DepartmentService } from '../../departments';
import type { RouteSpec } from '../../http/route';
import type { Clock } from '../../platform/clock';
import type { LeadDepartmentService } from '../accountability';
import type { Finding } from '../../reports/compliance-check';
import type { AppService } from '../service';
import type { AppStoreType } from '../store-type';
import { supervisionRoutes } from './routes';
import { SupervisionService } from './service';
import { AccountabilityEventStore } from './events-store';
import { SupervisionStore } from './store';

export { SupervisionService, itemView } from './service';
export { SupervisionStore } from './store';
export { AccountabilityEventStore } from './events-store';

const bounds = (w: { from: Date; to: Date }) => ({ from: w.from.toISOString(), to: w.to.toISOString() });

/** What the compliance report asks about monitoring, rectification and accountability (Notice item 9). */
export class SupervisionComplianceFacts {
  constructor(private readonly store: AccountabilityEventStore) {}

  /** Warnings unacknowledged at some time in the period, and those still unacknowledged (examples: warning ids). */
  unacknowledgedWarnings(window: { from: Date; to: Date }): Promise<Finding> {
    return this.store.unacknowledgedWarnings(bounds(window));
  }

  /** Rectification items open at some time in the period, and those open past their due date now (examples: item ids). */
  overdueRectificationItems(window: { now: Date; from: Date; to: Date }): Promise<Finding> {
    return this.store.overdueRectificationItems(window.now.toISOString(), bounds(window));
  }

  /** Major events and overdue rectifications undecided at some time in the period, and those still without a decision. */
  eventsWithoutAccountabilityDecision(window: { now: Date; from: Date; to: Date }): Promise<Finding> {
    return this.store.eventsWithoutDecision(window.now.toISOString(), bounds(window));
  }
}

/** The Notice's item 9 for apps: inspection findings, rectification, and accountability decisions. */
export function createAppSupervision(deps: {
  db: Db;
  audit: AuditLog;
  apps: AppService;
  appStore: AppStoreType;
  lead: Pick<LeadDepartmentService, 'get'>;
  departments: Pick<DepartmentService, 'requireExisting'>;
  clock: Clock;
}): { supervision: SupervisionService; compliance: SupervisionComplianceFacts; routes: RouteSpec[] } {
  const events = new AccountabilityEventStore(deps.db);
  const supervision = new SupervisionService(
    deps.db,
    deps.appStore,
    new SupervisionStore(deps.db),
    events,
    deps.audit,
    deps.departments,
    deps.clock,
  );
  return { supervision, compliance: new SupervisionComplianceFacts(events), routes: supervisionRoutes(deps.apps, deps.lead, supervision) };
}
