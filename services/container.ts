import type { JWTVerifyGetKey } from 'jose';
import { AccessGrantService, AccessGrantStore, accessGrantRoutes, type GrantDirectory } from './access-grants';
import { createAppLedger, type AppLedger } from './apps';
import {
  AuditCheckpointStore,
  AuditCheckpoints,
  AuditLog,
  AuditPartitionStore,
  AuditRetention,
  AuditStore,
  CheckpointKey,
  auditRoutes,
} from './audit';
import { ConsentService, ConsentStore, consentRoutes } from './consents';
import { JwtStaffAuthenticator } from './auth';
import { StaffAuthorizer } from './authz';
import { createComplaintDesk, type ComplaintService } from './complaints';
import type { Config } from './config';
import { migrationsCurrent, type Db } from './db';
import { DataAssetService, DataAssetStore, dataAssetRoutes } from './data-assets';
import {
  AuthzenService,
  DecisionService,
  authzenRoutes,
  GroupCommitWriter,
  VendorAccessEngine,
  decisionRoutes,
  vendorAuthorizationDetailsHook,
  vendorTokenActivityCheck,
  priorDecisions,
  recordDecisionsInOneStatement,
  writeDecisionUsage,
  type ConsentChecker,
  type DecisionUsage,
} from './decisions';
import { DepartmentService, DepartmentStore, departmentRoutes } from './departments';
import { IdempotencyService, IdempotencyStore } from './idempotency';
import { createIncidentDesk, type IncidentService } from './incidents';
import { NoticeService, NoticeStore, noticeRoutes } from './notices';
import { OAuthServer, type ClientService } from './oauth';
import type { Logger } from './logger';
import { metricsExposure, operationsRoutes, type ReadinessCheck } from './operations/routes';
import { OwnershipMapService, OwnershipTransferService, OwnershipTransferStore, ownershipRoutes } from './ownership';
import { PurposeService, PurposeStore, purposeRoutes } from './purposes';
import { ROLE_ASSIGNMENTS_CHANGED, RoleAssignmentService, RoleAssignmentStore, roleAssignmentRoutes } from './role-assignments';
import { ChangeFeed } from './platform/change-feed';
import { systemClock, type Clock } from './platform/clock';
import type { Secrets } from './secrets';

import { createMetrics, decisionBatchObserver, type Metrics } from './platform/metrics';
import { VendorService, VendorStore, vendorClientRoutes, vendorRoutes } from './vendors';
import { buildOpenApiDocument } from './http/openapi';
import type { RouteSpec } from './http/route';
import { createReports, type ReportWindow } from './reports';
import type { ClientAuthenticator, StaffAuthenticator } from './http/router';

export interface ContainerOptions {
  readonly config: Config;
  readonly db: Db;
  readonly logger: Logger;
  readonly secrets: Secrets;
  /** The staff identity provider's keys (remote JWKS in production, the development key otherwise). */
  readonly staffKeys: JWTVerifyGetKey;
  readonly defaultMetrics?: boolean;
  /** Where the services that take a clock read the time (tests move a ManualClock). */
  readonly clock?: Clock;
}

/** Every store, service and route of the service, wired once. */
export interface Container {
  readonly config: Config;
  readonly db: Db;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Committed-change notices, in this process and (on PostgreSQL) across replicas. */
  readonly changes: ChangeFeed;
  readonly audit: AuditLog;
  /** Signed checkpoints of the audit chain head, made every AUDIT_CHECKPOINT_INTERVAL_S while the chain moves. */
  readonly auditCheckpoints: AuditCheckpoints;
  /** Monthly audit partitions: created ahead, detached after AUDIT_RETENTION_MONTHS (hourly housekeeping). */
  readonly auditRetention: AuditRetention;
  /** Idempotency-Key on POST requests by staff and clients (the router uses it). */
  readonly idempotency: IdempotencyService;
  readonly staffAuthorizer: StaffAuthorizer;
  readonly staffAuth: StaffAuthenticator;
  readonly clientAuth: ClientAuthenticator;
  /** The authorization server: clients, signing keys, access-token verification, protocol routes. */
  readonly oauth: OAuthServer;
  /** OAuth clients: `register`, `disableVendorClients` (kill switch), `setAuthorizationDetailsHook` (vendor tokens). */
  readonly clients: ClientService;
  readonly departments: DepartmentService;
  readonly roleAssignments: RoleAssignmentService;
  /** Data assets and their fields; `findAsset(idOrKey)` and `owningDepartment(idOrKey)` for other features. */
  readonly dataAssets: DataAssetService;
  readonly ownershipTransfers: OwnershipTransferService;
  readonly purposes: PurposeService;
  /** Register kill-switch work (revoke grants, disable clients) with `vendors.addLifecycleHook`. */
  readonly vendors: VendorService;
  readonly accessGrants: AccessGrantService;
  /** The app ledger; `apps.compliance` answers the compliance report's app questions. */
  readonly apps: AppLedger;
  /** The in-memory vendor access view that decisions and vendor tokens read. */
  readonly accessEngine: VendorAccessEngine;
  readonly decisions: DecisionService;
  /** Complaints; `overdueSummary()` for the compliance report. */
  readonly complaints: ComplaintService;
  /** Leak incidents; `overdueNotifications()`, `withoutContainment()`, `overdueRectifications()` for the compliance report. */
  readonly incidents: IncidentService;
  /** Privacy notices; `hasPublishedNotice(purposeKey, appId?)` for other features. */
  readonly notices: NoticeService;
  /** Consent records; also the decisions' ConsentChecker. */
  readonly consents: ConsentService;
  /** The consent feature plugs its check into consent-aware decisions here. */
  setConsentChecker(checker: ConsentChecker): void;
  readonly routes: readonly RouteSpec[];
  readonly openApiDocument: () => Record<string, unknown>;
  /** Loads policies and applies start-up configuration (bootstrap admins). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

const HOUSEKEEPING_INTERVAL_MS = 3_600_000;

export function createContainer(options: ContainerOptions): Container {
  const { config, db, logger } = options;
  const clock = options.clock ?? systemClock;
  // Heartbeats well inside the staleness bound, so a live feed never lets the policy view go stale.
  const changes = new ChangeFeed(logger, { heartbeatMs: Math.min(1000, Math.max(50, Math.floor(config.policyMaxStalenessMs / 4))) });
  const metrics = createMetrics(db, { defaultMetrics: options.defaultMetrics, feedStatus: () => changes.status });
  const auditStore = new AuditStore(db, { now: () => clock.now() });
  const auditCheckpoints = new AuditCheckpoints(
    db,
    new AuditCheckpointStore(db),
    CheckpointKey.fromSeed(options.secrets.auditCheckpointKey),
    {
      intervalSeconds: config.auditCheckpointIntervalSeconds,
      now: () => clock.now(),
      logger,
    },
  );
  const audit = new AuditLog(auditStore, auditCheckpoints);
  const auditRetention = new AuditRetention(db, new AuditPartitionStore(db), auditStore, audit, config.auditRetentionMonths, logger);
  const idempotency = new IdempotencyService(new IdempotencyStore(db), options.secrets.keyEncryptionKey, logger);
  const staffAuthorizer = new StaffAuthorizer(db);
  const staffAuth = new JwtStaffAuthenticator(options.staffKeys, config.staff.issuer, config.staff.audience, config.staff.tokenLimits);
  const oauth = new OAuthServer({ config, db, logger, audit, changes, keyEncryptionKey: options.secrets.keyEncryptionKey, clock });
  const clientAuth: ClientAuthenticator = oauth.accessTokens;
  const departments = new DepartmentService(db, new DepartmentStore(db), audit);
  const roleAssignments = new RoleAssignmentService(db, new RoleAssignmentStore(db), audit, staffAuthorizer, departments, changes);
  changes.subscribe(ROLE_ASSIGNMENTS_CHANGED, () => staffAuthorizer.reload());
  changes.onReconnect(() => staffAuthorizer.reload());
  const dataAssetStore = new DataAssetStore(db);
  const transferStore = new OwnershipTransferStore(db);
  const dataAssets = new DataAssetService(db, dataAssetStore, audit, departments, changes, transferStore);
  const ownershipTransfers = new OwnershipTransferService(db, transferStore, dataAssetStore, departments, audit, changes);
  const ownershipMap = new OwnershipMapService(transferStore, staffAuthorizer);
  const purposes = new PurposeService(db, new PurposeStore(db), audit, changes);
  const vendors = new VendorService(db, new VendorStore(db), audit, purposes, changes);
  const grantDirectory: GrantDirectory = {
    vendor: (id) => vendors.loadOne(id),
    asset: (ref) => dataAssets.findAsset(ref),
    purpose: (key) => purposes.find(key),
  };
  const grantStore = new AccessGrantStore(db);
  const accessGrants = new AccessGrantService(db, grantStore, audit, changes, staffAuthorizer, grantDirectory);
  // Kill switch: terminating a vendor revokes every grant it holds and disables its clients, in the same transaction.
  vendors.addLifecycleHook(async (trx, ctx, vendor, to) => {
    if (to !== 'terminated') return;
    await accessGrants.revokeAllOfVendor(trx, ctx, vendor.id, 'vendor terminated');
    await oauth.clients.disableVendorClients(trx, ctx, vendor.id);
  });
  const accessEngine = new VendorAccessEngine(grantStore, grantDirectory, vendors);
  accessEngine.subscribe(changes);
  // Two batches in flight on PostgreSQL (their round trips overlap); PGlite has one connection.
  const decisionWriter = new GroupCommitWriter<DecisionUsage>(
    db,
    audit,
    (trx, usages) => writeDecisionUsage(grantStore, trx, usages),
    1000,
    config.databaseUrl === undefined ? 1 : 2,
    recordDecisionsInOneStatement(db, audit),
    decisionBatchObserver(metrics.domain),
  );
  let consentChecker: ConsentChecker | undefined;
  const policiesFresh = () => accessEngine.fresh(changes.status, config.policyMaxStalenessMs);
  const decisions = new DecisionService(accessEngine, decisionWriter, options.secrets.subjectIdKey, {
    consent: () => consentChecker,
    fresh: policiesFresh,
    prior: priorDecisions(audit),
  });
  const notices = new NoticeService(db, new NoticeStore(db), audit, changes, purposes);
  // Receipts are signed with the authorization server's current key, so /.well-known/jwks.json verifies them.
  const consents = new ConsentService(
    db,
    new ConsentStore(db, config.databaseUrl === undefined ? 1 : 2),
    audit,
    notices.published,
    options.secrets.subjectIdKey,
    oauth.signingKeys,
    config.publicUrl,
  );
  consentChecker = consents;
  const apps = createAppLedger({
    db,
    audit,
    departments,
    assets: { asset: (ref) => dataAssets.findAsset(ref) },
    purposes: { purpose: (key) => purposes.find(key) },
    // Release gate: a consent-based purpose needs a published notice (the app's own or the general one).
    notices,
    thresholds: config.appConsolidation,
    roles: staffAuthorizer,
    vendors: { exists: async (id) => (await vendors.loadOne(id)) !== undefined },
  });
  // Complaints and leak incidents: privacy officers' desks; containment drives the vendor kill switch.
  const vendorExists = async (id: string) => (await vendors.loadOne(id)) !== undefined;
  const assetId = async (ref: string) => (await dataAssets.findAsset(ref))?.id;
  const incidentDesk = createIncidentDesk({
    db,
    audit,
    changes,
    registry: metrics.registry,
    notificationHours: config.incidentNotificationHours,
    directory: { vendorExists, assetId, requireDepartment: (code, path) => departments.requireExisting([code], path) },
    killSwitch: {
      suspendVendor: (trx, ctx, id, reason) => vendors.suspendIfActive(trx, ctx, id, reason),
      revokeAllOfVendor: (trx, ctx, id, reason) => accessGrants.revokeAllOfVendor(trx, ctx, id, reason),
      disableVendorClients: (trx, ctx, id) => oauth.clients.disableVendorClients(trx, ctx, id),
    },
  });
  // A vendor that an open incident's containment holds is reinstated only after the incident's handler releases it.
  vendors.addLifecycleHook(async (trx, _ctx, vendor, to) => {
    if (to === 'reinstated') await incidentDesk.containment.refuseReinstatementWhileHeld(trx, vendor.id);
  });
  const complaintDesk = createComplaintDesk({
    db,
    audit,
    registry: metrics.registry,
    subjectKey: options.secrets.subjectIdKey,
    limits: config.publicComplaints,
    directory: { vendorExists, assetId, incidentExists: (id) => incidentDesk.incidents.exists(id) },
    contactAccess: async (subject, concerned) => {
      const access = await staffAuthorizer.access(subject, 'complaint', 'read_contact');
      return access.all || concerned.some((d) => access.departments.includes(d));
    },
  });
  let reloadTimer: NodeJS.Timeout | undefined;
  let housekeepingTimer: NodeJS.Timeout | undefined;
  // Vendor tokens carry RFC 9396 data_access details narrowed to what active grants cover.
  oauth.clients.setAuthorizationDetailsHook(vendorAuthorizationDetailsHook(accessEngine, policiesFresh));
  oauth.accessTokens.setActivityCheck(vendorTokenActivityCheck(accessEngine, policiesFresh));

  let migrationsOk = false;
  const readiness: ReadinessCheck[] = [
    { name: 'database', check: async () => (await db.raw('select 1'), true) },
    { name: 'migrations', check: async () => (migrationsOk ||= await migrationsCurrent(db)) },
    { name: 'staff_policies', check: async () => staffAuthorizer.ready },
    { name: 'signing_keys', check: async () => oauth.ready },
    { name: 'vendor_policies', check: async () => policiesFresh() },
  ];

  // Register checks examine the records open at some time in the report's period.
  const openDuring = (w: ReportWindow) => ({ from: w.from.toISOString(), to: w.to.toISOString() });
  const reports = createReports({
    db,
    audit,
    signer: oauth.signingKeys,
    settings: { institutionName: config.institution.name ?? null, timeZone: config.institution.timeZone, publicUrl: config.publicUrl },
    sources: {
      overdueComplaints: (w) => complaintDesk.complaints.overdueSummary(w.now, 10, openDuring(w)),
      overdueNotifications: (w) => incidentDesk.incidents.overdueNotifications(w.now, 10, openDuring(w)),
      incidentsWithoutContainment: (w) => incidentDesk.incidents.withoutContainment(10, openDuring(w)),
      overdueRectifications: (w) => incidentDesk.incidents.overdueRectifications(w.now, 10, openDuring(w)),
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
    },
  });

  let document: Record<string, unknown> | undefined;
  const featureRoutes: RouteSpec[] = [
    ...departmentRoutes(departments),
    ...roleAssignmentRoutes(roleAssignments),
    ...dataAssetRoutes(dataAssets),
    ...ownershipRoutes(dataAssets, ownershipTransfers, ownershipMap),
    ...purposeRoutes(purposes),
    ...vendorRoutes(vendors),
    ...vendorClientRoutes(vendors, oauth.clients),
    ...accessGrantRoutes(accessGrants, grantDirectory),
    ...decisionRoutes(decisions),
    ...authzenRoutes(new AuthzenService(decisions), config.publicUrl),
    ...noticeRoutes(notices),
    ...consentRoutes(consents),
    ...reports.routes,
    ...apps.routes,
    ...complaintDesk.routes,
    ...incidentDesk.routes,
    ...oauth.routes,
    ...auditRoutes(audit, auditCheckpoints),
  ];
  const routes: RouteSpec[] = [];
  const openApiDocument = () => (document ??= buildOpenApiDocument(routes));
  routes.push(
    ...operationsRoutes({ readiness, registry: metrics.registry, openApiDocument, metrics: metricsExposure(config) }),
    ...featureRoutes,
  );

  return {
    config,
    db,
    logger,
    metrics,
    changes,
    audit,
    auditCheckpoints,
    auditRetention,
    idempotency,
    staffAuthorizer,
    staffAuth,
    clientAuth,
    oauth,
    clients: oauth.clients,
    departments,
    roleAssignments,
    dataAssets,
    ownershipTransfers,
    purposes,
    vendors,
    accessGrants,
    apps,
    accessEngine,
    decisions,
    complaints: complaintDesk.complaints,
    incidents: incidentDesk.incidents,
    notices,
    consents,
    setConsentChecker(checker) {
      consentChecker = checker;
    },
    routes,
    openApiDocument,
    async start() {
      if (config.databaseUrl !== undefined) await changes.listen(config.databaseUrl);
      // This month's and next month's audit partitions exist before anything is recorded.
      await auditRetention.ensureAhead();
      await oauth.start();
      await staffAuthorizer.reload();
      await roleAssignments.bootstrapAdmins(config.bootstrapAdminSubjects);
      await accessEngine.load();
      // Backstop behind LISTEN/NOTIFY: a full reload now and then, whatever the feed said.
      reloadTimer = setInterval(() => {
        Promise.all([accessEngine.load(), staffAuthorizer.reload()]).catch((err: unknown) =>
          logger.warn({ err }, 'periodic policy reload failed'),
        );
      }, config.policyReloadIntervalSeconds * 1000);
      reloadTimer.unref();
      // Hourly: audit months ahead and past retention, idempotency keys past their 24 hours.
      housekeepingTimer = setInterval(() => {
        Promise.all([auditRetention.ensureAhead().then(() => auditRetention.detachExpired()), idempotency.purge()]).catch((err: unknown) =>
          logger.warn({ err: (err as Error).message }, 'housekeeping failed; will retry'),
        );
      }, HOUSEKEEPING_INTERVAL_MS);
      housekeepingTimer.unref();
      auditCheckpoints.start();
    },
    async stop() {
      if (reloadTimer) clearInterval(reloadTimer);
      if (housekeepingTimer) clearInterval(housekeepingTimer);
      await auditCheckpoints.stop();
      await oauth.stop();
      await changes.stop();
    },
  };
}
