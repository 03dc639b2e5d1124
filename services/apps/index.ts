import type { AuditLog } from '../audit';
import type { Db } from '../db';
import type { StaffAuthorizer } from '../authz';
import type { DataAssetService } from '../data-assets';
import type { DepartmentService } from '../departments';
import type { Feature, FeatureDeps } from '../feature';
import type { NoticeService } from '../notices';
import type { ClientService } from '../oauth';
import { NotFoundError } from '../shared/errors';
import type { PurposeService } from '../purposes';
import { openDuring } from '../reports/compliance-check';
import type { VendorService } from '../vendors';
import type { RouteSpec } from '../http/route';
import { systemClock, type Clock } from '../platform/clock';
import {
  createAppBusinessReview,
  type BusinessReviewComplianceFacts,
  type BusinessReviewService,
  type LicensedScopeService,
} from './business-review';
import { createAppCompatibility, type CompatibilityService } from './compatibility';
import { createAppComponents, type AppSdkService, type VendorDirectory } from './components';
import { createAppAccountability, type LeadDepartmentService, type ResponsibilityService, type RoleDirectory } from './accountability';
import { AppComplianceFacts } from './compliance';
import { AppConsolidationReportService, type ConsolidationThresholds } from './consolidation-report';
import { createAppConsolidation, type ConsolidationComplianceFacts, type ConsolidationPlanService } from './consolidation';
import { createAppContinuity, type ContinuityComplianceFacts, type ContinuityService } from './continuity';
import {
  createAppEntry,
  createAppPlans,
  type AppEntryService,
  type AppPlanComplianceFacts,
  type AppPlanService,
  type AppPlanningPolicyService,
} from './plans';
import { AppDataUseService, type AssetDirectory } from './data-use-service';
import { AppLifecycleService, type PurposeDirectory } from './lifecycle-service';
import type { PublishedNoticeLookup } from './release-gate';
import { appReportRoutes } from './report-routes';
import { appLedgerRoutes } from './routes';
import { AppSecurityService } from './security-service';
import { appSecurityRoutes } from './security-routes';
import { AppSecurityStore } from './security-store';
import { AppService } from './service';
import { AppStore } from './store';
import { createAppMonitoring, type MonitoringClientDirectory, type MonitoringService, type SignalRateLimits } from './monitoring';
import { createAppSupervision, type SupervisionComplianceFacts, type SupervisionService } from './supervision';

export { AppComplianceFacts } from './compliance';
export { AppConsolidationReportService, type ConsolidationThresholds } from './consolidation-report';
export type { AssetDirectory } from './data-use-service';
export type { PurposeDirectory } from './lifecycle-service';
export type { PublishedNoticeLookup } from './release-gate';
export type { App, AppDetail } from './schemas';

export interface AppLedgerDeps {
  readonly db: Db;
  readonly audit: AuditLog;
  readonly departments: Pick<DepartmentService, 'requireExisting'>;
  readonly assets: AssetDirectory;
  readonly purposes: PurposeDirectory;
  readonly notices: PublishedNoticeLookup;
  readonly thresholds: ConsolidationThresholds;
  /** Where staff hold permissions: entry and exit need app:approve in the lead department. */
  readonly roles: RoleDirectory;
  /** Whether a vendor is registered (third-party components may name theirs). */
  readonly vendors: VendorDirectory;
  /** The OAuth clients an app's monitoring profile may name as signal sources. */
  readonly monitoringClients: MonitoringClientDirectory;
  /** How many monitoring signals an app, and one recorder, may send per window. */
  readonly signalLimits: SignalRateLimits;
  /** Where the ledger reads the time (plans' periods, proposals, business reviews); the system clock unless a test moves one. */
  /** The institution's time zone: consolidation plans' dates are days of its calendar. */
  readonly timeZone: string;
  readonly clock?: Clock;
}

/** The app ledger feature: its services, the facts the compliance report asks for, and its routes. */
export interface AppLedger {
  readonly apps: AppService;
  readonly lifecycle: AppLifecycleService;
  readonly dataUses: AppDataUseService;
  readonly security: AppSecurityService;
  readonly consolidation: AppConsolidationReportService;
  readonly compliance: AppComplianceFacts;
  readonly lead: LeadDepartmentService;
  readonly responsibilities: ResponsibilityService;
  /** Third-party components (SDKs): declarations, approvals, and the compliance report's check. */
  readonly sdks: AppSdkService;
  /** Supported environments, compatibility results and end of support (Notice item 5). */
  readonly compatibility: CompatibilityService;
  /** Business continuity (Notice item 6): tiers, recovery objectives, drills and outages. */
  readonly continuity: { readonly service: ContinuityService; readonly compliance: ContinuityComplianceFacts };
  /** Business compliance review (Notice item 8): licensed scope, each app's business profile, reviews and findings. */
  readonly businessReview: {
    readonly licence: LicensedScopeService;
    readonly reviews: BusinessReviewService;
    readonly compliance: BusinessReviewComplianceFacts;
  };
  /** Construction plans, caps and overlaps at entry (Notice item 3). */
  readonly plans: {
    readonly plans: AppPlanService;
    readonly policy: AppPlanningPolicyService;
    readonly entry: AppEntryService;
    readonly compliance: AppPlanComplianceFacts;
  };
  /** Consolidation and retirement plans (Notice item 4): retirement waits until the app's plan is complete. */
  readonly consolidationPlans: { readonly service: ConsolidationPlanService; readonly compliance: ConsolidationComplianceFacts };
  /** Monitoring, early warning, inspection findings, rectification and accountability (Notice item 9). */
  readonly supervision: {
    readonly monitoring: MonitoringService;
    readonly findings: SupervisionService;
    readonly compliance: SupervisionComplianceFacts;
  };
  /** Where the ledger reads the time (the demo seed dates its examples by it). */
  readonly clock: Clock;
  readonly routes: RouteSpec[];
}

export function createAppLedger(deps: AppLedgerDeps): AppLedger {
  const store = new AppStore(deps.db);
  const securityStore = new AppSecurityStore(deps.db);
  const clock = deps.clock ?? systemClock;
  const entry = createAppEntry({ db: deps.db, audit: deps.audit, appStore: store, clock });
  const apps = new AppService(
    deps.db,
    store,
    deps.audit,
    deps.departments,
    [(trx, ctx, app, input) => entry.entry.onProposal(trx, ctx, app, input)],
    [(trx, before, after) => entry.entry.onUpdate(trx, before, after)],
    clock,
  );
  const accountability = createAppAccountability({
    db: deps.db,
    audit: deps.audit,
    apps,
    appStore: store,
    departments: deps.departments,
    roles: deps.roles,
    clock,
  });
  const components = createAppComponents({
    db: deps.db,
    audit: deps.audit,
    apps,
    appStore: store,
    purposes: deps.purposes,
    vendors: deps.vendors,
    clock,
  });
  const compatibility = createAppCompatibility({ db: deps.db, audit: deps.audit, apps, appStore: store, clock });
  const businessReview = createAppBusinessReview({ db: deps.db, audit: deps.audit, apps, appStore: store, clock });
  const exitPlans = createAppConsolidation({
    db: deps.db,
    audit: deps.audit,
    apps,
    appStore: store,
    lead: accountability.lead,
    roles: deps.roles,
    clock,
    timeZone: deps.timeZone,
  });
  const supervision = createAppSupervision({
    db: deps.db,
    audit: deps.audit,
    apps,
    appStore: store,
    lead: accountability.lead,
    departments: deps.departments,
    clock,
  });
  const lifecycle = new AppLifecycleService(
    deps.db,
    store,
    securityStore,
    deps.audit,
    deps.purposes,
    deps.notices,
    accountability.lead,
    [
      (trx, id) => components.sdks.releaseRequirements(trx, id),
      (trx, id) => compatibility.compatibility.releaseRequirements(trx, id),
      (trx, id) => businessReview.reviews.releaseRequirements(trx, id),
      (trx, id) => supervision.supervision.releaseRequirements(trx, id),
    ],
    [(trx, id) => entry.entry.onEntryApproval(trx, id)],
    [exitPlans.retirementGate],
    clock,
  );
  const dataUses = new AppDataUseService(deps.db, store, deps.audit, deps.assets, deps.purposes, deps.notices, clock);
  const security = new AppSecurityService(deps.db, store, securityStore, deps.audit, clock);
  const consolidation = new AppConsolidationReportService(store, securityStore, deps.thresholds, clock);
  const continuity = createAppContinuity({ db: deps.db, audit: deps.audit, apps, appStore: store, lead: accountability.lead, clock });
  const monitoring = createAppMonitoring({
    db: deps.db,
    audit: deps.audit,
    apps,
    appStore: store,
    lead: accountability.lead,
    clients: deps.monitoringClients,
    signalLimits: deps.signalLimits,
    clock,
  });
  const plans = createAppPlans({
    db: deps.db,
    audit: deps.audit,
    clock,
    apps,
    appStore: store,
    departments: deps.departments,
    roles: deps.roles,
    lead: accountability.lead,
    accountability: accountability.store,
    entry,
  });
  return {
    apps,
    lifecycle,
    dataUses,
    security,
    consolidation,
    lead: accountability.lead,
    responsibilities: accountability.responsibilities,
    sdks: components.sdks,
    compatibility: compatibility.compatibility,
    continuity: { service: continuity.continuity, compliance: continuity.compliance },
    businessReview: { licence: businessReview.licence, reviews: businessReview.reviews, compliance: businessReview.compliance },
    plans: { plans: plans.plans, policy: plans.policy, entry: entry.entry, compliance: plans.compliance },
    consolidationPlans: { service: exitPlans.plans, compliance: exitPlans.compliance },
    supervision: { monitoring: monitoring.monitoring, findings: supervision.supervision, compliance: supervision.compliance },
    clock,
    compliance: new AppComplianceFacts(securityStore, accountability.store, clock),
    routes: [
      ...appLedgerRoutes(apps, lifecycle, dataUses, accountability.lead),
      ...appSecurityRoutes(apps, security),
      ...accountability.routes,
      ...components.routes,
      ...compatibility.routes,
      ...continuity.routes,
      ...businessReview.routes,
      ...plans.routes,
      ...exitPlans.routes,
      ...monitoring.routes,
      ...supervision.routes,
      ...appReportRoutes(consolidation),
    ],
  };
}

export interface AppsPorts {
  readonly departments: DepartmentService;
  readonly dataAssets: DataAssetService;
  readonly purposes: PurposeService;
  readonly notices: NoticeService;
  readonly staffAuthorizer: StaffAuthorizer;
  readonly vendors: VendorService;
  /** OAuth clients: an app's monitoring profile names the ones that may push its signals. */
  readonly clients: Pick<ClientService, 'get'>;
}

/** The app ledger as a feature: its routes and the compliance report's app questions. */
export function createAppsFeature({ config, db, audit, clock }: FeatureDeps, ports: AppsPorts): Feature<{ apps: AppLedger }> {
  const apps = createAppLedger({
    db,
    audit,
    departments: ports.departments,
    assets: { asset: (ref) => ports.dataAssets.findAsset(ref) },
    purposes: { purpose: (key) => ports.purposes.find(key) },
    // Release gate: a consent-based purpose needs a published notice (the app's own or the general one).
    notices: ports.notices,
    thresholds: config.appConsolidation,
    roles: ports.staffAuthorizer,
    vendors: { exists: async (id) => (await ports.vendors.loadOne(id)) !== undefined },
    timeZone: config.institution.timeZone,
    clock,
    monitoringClients: {
      find: (id) => ports.clients.get(id).catch((err: unknown) => (err instanceof NotFoundError ? undefined : Promise.reject(err))),
    },
    signalLimits: config.appSignals,
  });
  return {
    name: 'apps',
    provides: { apps },
    routes: apps.routes,
    compliance: {
      appsReleasedWithoutFiling: () => apps.compliance.releasedWithoutFilingNumber(),
      appsWithoutRecentPenetrationTest: (w) => apps.compliance.releasedWithoutRecentPenetrationTest(w.now),
      overdueVulnerabilities: (w) => apps.compliance.overdueVulnerabilities(w.now, 10, openDuring(w)),
      appsLeadDepartmentNamed: () => apps.compliance.leadDepartmentNamed(),
      appsWithoutAccountability: () => apps.compliance.withoutAccountability(),
      appsWithUnclearedSdks: () => apps.sdks.inServiceWithUnclearedComponents(),
      appsSupportingEndedEnvironments: (w) => apps.compatibility.inServiceSupportingEnded(w.now),
      regulatorVulnerabilitiesOverdue: (w) => apps.compliance.overdueRegulatorVulnerabilities(w.now, 10, openDuring(w)),
      appsWithoutRecentDrill: (w) => apps.continuity.compliance.withoutRecentDrill(w.now),
      appOutagesBeyondRto: (w) => apps.continuity.compliance.rtoBreaches(w),
      appsExitWithoutCompletePlan: () => apps.consolidationPlans.compliance.exitWithoutCompletePlan(),
      appMigrationStepsOverdue: (w) => apps.consolidationPlans.compliance.overdueMigrationSteps(w.now),
      appsOutsideApprovedPlans: () => apps.plans.compliance.outsideApprovedPlans(),
      departmentsOverAppCap: () => apps.plans.compliance.overCap(),
      appProposalsWithUnresolvedOverlaps: () => apps.plans.compliance.unresolvedOverlaps(),
      appsOutsideLicensedScope: () => apps.businessReview.compliance.outsideLicence(),
      appPartnersWithoutCurrentAgreement: (w) => apps.businessReview.compliance.partnersWithoutCurrentAgreement(w.now),
      appsWithUntraceableSales: () => apps.businessReview.compliance.salesNotTraceable(),
      appsWithoutComplianceReview: (w) => apps.businessReview.compliance.withoutCurrentReview(w.now),
      appWarningsUnacknowledged: (w) => apps.supervision.compliance.unacknowledgedWarnings(w),
      appRectificationsOverdue: (w) => apps.supervision.compliance.overdueRectificationItems(w),
      appEventsWithoutAccountability: (w) => apps.supervision.compliance.eventsWithoutAccountabilityDecision(w),
    },
  };
}
