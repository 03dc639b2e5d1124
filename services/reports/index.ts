import type { Feature, FeatureDeps } from '../feature';
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
export { checkStatus, openDuring, type ComplianceCheckDefinition, type Finding, type ReportWindow } from './compliance-check';
export { ComplianceStore } from './compliance-store';
export { reportRoutes };

export interface ReportsPorts {
  /** The other features' answers to the report's questions (the composition root gathers them). */
  readonly sources: ComplianceSources;
  /** Issued reports are signed with the authorization server's current key, so /.well-known/jwks.json verifies them. */
  readonly signer: ReportSigner;
}

/** The compliance report (checks, labels, signing, issued reports) and the vendor-access report. */
export function createReportsFeature(
  { config, db, audit, clock }: FeatureDeps,
  ports: ReportsPorts,
): Feature<{ complianceReports: ComplianceReportService }> {
  const checker = new ComplianceChecker(complianceChecks(new ComplianceStore(db), ports.sources, audit));
  const settings: ReportSettings = {
    institutionName: config.institution.name ?? null,
    timeZone: config.institution.timeZone,
    publicUrl: config.publicUrl,
  };
  const complianceReports = new ComplianceReportService(
    db,
    checker,
    new ComplianceLabelStore(db),
    new IssuedReportStore(db),
    audit,
    ports.signer,
    settings,
    clock,
  );
  return {
    name: 'reports',
    provides: { complianceReports },
    routes: reportRoutes(new VendorAccessReportService(db, clock), complianceReports),
  };
}
