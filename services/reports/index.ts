export { VendorAccessReportService, vendorAccessCsv, UNUSED_DAYS } from './vendor-access';
export { reportRoutes } from './routes';
export { ComplianceReportService, complianceCsv, complianceHtml, type ComplianceSources } from './compliance';
export { ComplianceStore, type Finding } from './compliance-store';
