import type { Registry } from 'prom-client';
import type { AuditLog } from '../audit';
import type { Db } from '../db';
import type { ChangeFeed } from '../platform/change-feed';
import type { RouteSpec } from '../http/route';
import { BlastRadiusService } from './blast-radius';
import { BlastRadiusStore } from './blast-radius-store';
import { ContainmentService, type KillSwitch } from './containment';
import { registerIncidentMetrics } from './metrics';
import { incidentRoutes } from './routes';
import type { IncidentSeverity } from './schemas';
import { IncidentService, type IncidentDirectory } from './service';
import { IncidentScopeStore } from './scope-store';
import { IncidentStore } from './store';

export interface IncidentDeskOptions {
  readonly db: Db;
  readonly audit: AuditLog;
  readonly changes: ChangeFeed;
  readonly registry: Registry;
  readonly notificationHours: Readonly<Record<IncidentSeverity, number>>;
  readonly directory: IncidentDirectory;
  readonly killSwitch: KillSwitch;
}

/**
 * The incident desk wired: the service (which the compliance report calls), its routes, its /metrics
 * gauge, and the containment (whose hold the vendor feature consults before a reinstatement).
 */
export function createIncidentDesk(o: IncidentDeskOptions): {
  incidents: IncidentService;
  containment: ContainmentService;
  routes: RouteSpec[];
} {
  const store = new IncidentStore(o.db);
  const scope = new IncidentScopeStore(o.db);
  const incidents = new IncidentService(o.db, store, o.audit, o.changes, o.directory, o.notificationHours);
  const containment = new ContainmentService(o.db, store, o.audit, o.changes, o.killSwitch, scope);
  const blastRadius = new BlastRadiusService(store, new BlastRadiusStore(o.db));
  registerIncidentMetrics(o.registry, incidents);
  return { incidents, containment, routes: incidentRoutes(incidents, containment, blastRadius, scope) };
}
