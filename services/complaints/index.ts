import type { StaffAuthorizer } from '../authz';
import type { DataAssetService } from '../data-assets';
import type { Feature, FeatureDeps } from '../feature';
import type { IncidentService } from '../incidents';
import { openDuring } from '../reports/compliance-check';
import type { VendorService } from '../vendors';
import { complaintIntakeRoutes } from './intake-routes';
import { registerComplaintMetrics } from './metrics';
import { complaintRoutes } from './routes';
import { ComplaintService } from './service';
import { ComplaintStore } from './store';

export { ComplaintService, newReference, type ComplaintDirectory, type ContactAccess } from './service';
export { ComplaintStore } from './store';
export { complaintRoutes } from './routes';
export { complaintIntakeRoutes } from './intake-routes';
export { registerComplaintMetrics } from './metrics';
export { smallJsonBody } from './public-intake';
export { INITIAL_DAYS, DAYS_WITHOUT_APPROVAL, MAX_TOTAL_DAYS, MAX_EXTENSION_DAYS, dueOf, extendedTotal, isOverdue } from './deadlines';
export type { Complaint, ComplaintDetail, ComplaintStatus, PublicComplaintStatus } from './schemas';

export interface ComplaintsPorts {
  readonly dataAssets: DataAssetService;
  readonly vendors: VendorService;
  readonly incidents: IncidentService;
  readonly staffAuthorizer: StaffAuthorizer;
}

/** Complaints with their deadlines: public intake, the privacy officers' desk, its /metrics gauge and the compliance report's question. */
export function createComplaintsFeature(deps: FeatureDeps, ports: ComplaintsPorts): Feature<{ complaints: ComplaintService }> {
  const { db, audit, config, metrics, secrets, clock } = deps;
  const { vendors, dataAssets, incidents, staffAuthorizer } = ports;
  const directory = {
    vendorExists: async (id: string) => (await vendors.loadOne(id)) !== undefined,
    assetId: async (ref: string) => (await dataAssets.findAsset(ref))?.id,
    incidentExists: (id: string) => incidents.exists(id),
  };
  // Contact details are read in a department the complaint concerns, or by whoever may read them everywhere.
  const contactAccess = async (subject: string, concerned: readonly string[]) => {
    const access = await staffAuthorizer.access(subject, 'complaint', 'read_contact');
    return access.all || concerned.some((d) => access.departments.includes(d));
  };
  const complaints = new ComplaintService(db, new ComplaintStore(db), audit, secrets.subjectIdKey, directory, contactAccess, clock);
  registerComplaintMetrics(metrics.registry, complaints, clock);
  return {
    name: 'complaints',
    provides: { complaints },
    routes: [...complaintIntakeRoutes(complaints, config.publicComplaints), ...complaintRoutes(complaints)],
    compliance: { overdueComplaints: (w) => complaints.overdueSummary(w.now, 10, openDuring(w)) },
  };
}
