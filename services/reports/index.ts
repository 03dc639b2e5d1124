import type { AuditLog } from '../audit';
import type { Db } from '../db';
import type { RouteSpec } from '../http/route';
import { ComplianceChecker, complianceChecks, type ComplianceSources } from './compliance';
import { ComplianceLabelStore } from './compliance-label-store';
import { ComplianceReportService, type ReportSettings, type ReportSigner } from './compliance-service';
import { ComplianceStore } from './compliance-store';
import { IssuedReportStore } from './issued-report-store';
import { reportRoutes } from './routes';
import { VendorAccessReportService } from './vendor-access';

export { VendorAccessReportService, vendorAccessCsv, UNUSED_DAYS } from './vendor-access';
export { ComplianceChecker, complianceChecks, type ComplianceSources } from './compliance';
export { complianceCsv, complianceHtml } from './compliance-render';
export { ComplianceReportService, reportDigest, type ReportSettings, type ReportSigner } from './compliance-service';
export { checkStatus, type ComplianceCheckDefinition, type Finding, type ReportWindow } from './compliance-check';
export { ComplianceStore } from './compliance-store';
export { reportRoutes };

export interface ReportsDeps {
  readonly db: Db;
  readonly audit: AuditLog;
  readonly sources: ComplianceSources;
  readonly signer: ReportSigner;
  readonly settings: ReportSettings;
}

/** The reports feature wired: the compliance report (checks, labels, signing, issued reports) and the vendor-access report. */
export function createReports(deps: ReportsDeps): { readonly compliance: ComplianceReportService; readonly routes: RouteSpec[] } {
  const checker = new ComplianceChecker(complianceChecks(new ComplianceStore(deps.db), deps.sources, deps.audit));
  const compliance = new ComplianceReportService(
    deps.db,
    checker,
    new ComplianceLabelStore(deps.db),
    new IssuedReportStore(deps.db),
    deps.audit,
    deps.signer,
    deps.settings,
  );
  return { compliance, routes: reportRoutes(new VendorAccessReportService(deps.db), compliance) };
}
