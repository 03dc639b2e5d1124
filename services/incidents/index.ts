import type { AccessGrantService } from '../access-grants';
import type { DataAssetService } from '../data-assets';
import type { DepartmentService } from '../departments';
import type { Feature, FeatureDeps } from '../feature';
import type { ClientService } from '../oauth';
import { openDuring } from '../reports/compliance-check';
import type { VendorLifecycle, VendorService } from '../vendors';
import { BlastRadiusService } from './blast-radius';
import { BlastRadiusStore } from './blast-radius-store';
import { ContainmentService } from './containment';
import { registerIncidentMetrics } from './metrics';
import { incidentRoutes } from './routes';
import { IncidentScopeStore } from './scope-store';
import { IncidentService } from './service';
import { IncidentStore } from './store';

export { IncidentService, type IncidentDirectory } from './service';
export { IncidentStore } from './store';
export { ContainmentService, type KillSwitch } from './containment';
export { BlastRadiusService, BlastRadius, DEFAULT_LOOKBACK_DAYS } from './blast-radius';
export { BlastRadiusStore } from './blast-radius-store';
export { incidentRoutes } from './routes';
export { registerIncidentMetrics } from './metrics';
export { INCIDENT_FLOW, checkTransition, notificationDueAt } from './lifecycle';
export type { Incident, IncidentDetail, IncidentSeverity, IncidentStatus } from './schemas';

export interface IncidentsPorts {
  readonly departments: DepartmentService;
  readonly dataAssets: DataAssetService;
  readonly vendors: VendorService;
  readonly vendorLifecycle: VendorLifecycle;
  readonly accessGrants: AccessGrantService;
  readonly clients: ClientService;
}

/**
 * Leak incidents: the privacy officers' desk, its /metrics gauge and the compliance report's
 * questions. Containment drives the vendor kill switch, and holds a contained vendor's reinstatement.
 */
export function createIncidentsFeature(deps: FeatureDeps, ports: IncidentsPorts): Feature<{ incidents: IncidentService }> {
  const { db, audit, changes, config, metrics, clock } = deps;
  const { vendors, dataAssets, departments } = ports;
  const store = new IncidentStore(db);
  const scope = new IncidentScopeStore(db);
  const incidents = new IncidentService(
    db,
    store,
    audit,
    changes,
    {
      vendorExists: async (id) => (await vendors.loadOne(id)) !== undefined,
      assetId: async (ref) => (await dataAssets.findAsset(ref))?.id,
      requireDepartment: (code, path) => departments.requireExisting([code], path),
    },
    config.incidentNotificationHours,
    clock,
  );
  const containment = new ContainmentService(
    db,
    store,
    audit,
    changes,
    {
      suspendVendor: (trx, ctx, id, reason) => vendors.suspendIfActive(trx, ctx, id, reason),
      revokeAllOfVendor: (trx, ctx, id, reason) => ports.accessGrants.revokeAllOfVendor(trx, ctx, id, reason),
      disableVendorClients: (trx, ctx, id) => ports.clients.disableVendorClients(trx, ctx, id),
    },
    scope,
    clock,
  );
  // A vendor that an open incident's containment holds is reinstated only after the incident's handler releases it.
  ports.vendorLifecycle.on('reinstated', (trx, _ctx, vendor) => containment.refuseReinstatementWhileHeld(trx, vendor.id));
  registerIncidentMetrics(metrics.registry, incidents, clock);
  return {
    name: 'incidents',
    provides: { incidents },
    routes: incidentRoutes(incidents, containment, new BlastRadiusService(store, new BlastRadiusStore(db), clock), scope),
    compliance: {
      overdueNotifications: (w) => incidents.overdueNotifications(w.now, 10, openDuring(w)),
      incidentsWithoutContainment: (w) => incidents.withoutContainment(10, openDuring(w)),
      overdueRectifications: (w) => incidents.overdueRectifications(w.now, 10, openDuring(w)),
    },
  };
}
