export { ComplaintService, newReference, type ComplaintDirectory, type ContactAccess, type OverdueSummary } from './service';
export { ComplaintStore } from './store';
export { complaintRoutes } from './routes';
export { complaintIntakeRoutes } from './intake-routes';
export { registerComplaintMetrics } from './metrics';
export { createComplaintDesk, type ComplaintDeskOptions } from './desk';
export { smallJsonBody } from './public-intake';
export { INITIAL_DAYS, DAYS_WITHOUT_APPROVAL, MAX_TOTAL_DAYS, MAX_EXTENSION_DAYS, dueOf, extendedTotal, isOverdue } from './deadlines';
export type { Complaint, ComplaintDetail, ComplaintStatus, PublicComplaintStatus } from './schemas';
