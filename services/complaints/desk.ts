import type { Registry } from 'prom-client';
import type { AuditLog } from '../audit';
import type { Config } from '../config';
import type { Db } from '../db';
import type { RouteSpec } from '../http/route';
import { complaintIntakeRoutes } from './intake-routes';
import { registerComplaintMetrics } from './metrics';
import { complaintRoutes } from './routes';
import { ComplaintService, type ComplaintDirectory, type ContactAccess } from './service';
import { ComplaintStore } from './store';

export interface ComplaintDeskOptions {
  readonly db: Db;
  readonly audit: AuditLog;
  readonly registry: Registry;
  /** SUBJECT_ID_KEY: customer ids are kept only as pseudonyms under it. */
  readonly subjectKey: Buffer;
  readonly limits: Config['publicComplaints'];
  readonly directory: ComplaintDirectory;
  readonly contactAccess: ContactAccess;
}

/** The complaint desk wired: the service (which the compliance report calls), its routes and its /metrics gauge. */
export function createComplaintDesk(o: ComplaintDeskOptions): { complaints: ComplaintService; routes: RouteSpec[] } {
  const complaints = new ComplaintService(o.db, new ComplaintStore(o.db), o.audit, o.subjectKey, o.directory, o.contactAccess);
  registerComplaintMetrics(o.registry, complaints);
  return { complaints, routes: [...complaintIntakeRoutes(complaints, o.limits), ...complaintRoutes(complaints)] };
}
