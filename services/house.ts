import type { JWTVerifyGetKey } from 'jose';
import type { AccessGrantService } from './access-grants';
import type { AppLedger } from './apps';
import type { AuditFeature } from './audit';
import type { StaffAuthorizer } from './authz';
import type { ComplaintService } from './complaints';
import type { Config } from './config';
import type { ConsentService } from './consents';
import type { DataAssetsFeature } from './data-assets';
import { migrationsCurrent, type Db } from './db';
import type { DecisionService, VendorAccessEngine } from './decisions';
import type { DepartmentService } from './departments';
import { writeLanesFor, type Feature, type Platform } from './feature';
import { buildOpenApiDocument } from './http/openapi';
import type { RouteSpec } from './http/route';
import type { ClientAuthenticator, StaffAuthenticator } from './http/router';
import type { IdempotencyService } from './idempotency';
import type { IncidentService } from './incidents';
import type { Logger } from './logger';
import type { NoticeService } from './notices';
import type { ClientService, SigningKeyService, TokensFeature, VendorTokenPolicy } from './oauth';
import { metricsExposure, operationsRoutes, type ReadinessCheck } from './operations/routes';
import { ChangeFeed } from './platform/change-feed';
import { systemClock, type Clock } from './platform/clock';
import { createMetrics, type Metrics } from './platform/metrics';
import type { PurposeService } from './purposes';
import { completeSources, type ComplianceSources } from './reports/compliance-check';
import type { RoleAssignmentService } from './role-assignments';
import type { Secrets } from './secrets';
import type { VendorLifecycle, VendorService } from './vendors';

export interface ContainerOptions {
  readonly config: Config;
  readonly db: Db;
  readonly logger: Logger;
  readonly secrets: Secrets;
  /** The staff identity provider's keys (remote JWKS in production, the development key otherwise). */
  readonly staffKeys: JWTVerifyGetKey;
  readonly defaultMetrics?: boolean;
  /** The system clock unless a test moves one of its own. */
  readonly clock?: Clock;
  /**
   * What the change feed's heartbeats and the staleness of the views kept in memory are measured on
   * (ChangeFeedOptions.clock): the system clock unless a test moves one of its own.
   */
  readonly feedClock?: Clock;
}

/** What the features provide that the HTTP app, the CLIs and the tests use. */
export interface Provided {
  readonly staffAuth: StaffAuthenticator;
  readonly clientAuth: ClientAuthenticator;
  /** The authorization server: its protocol (tokens), clients and signing keys. */
  readonly oauth: TokensFeature & { readonly clients: ClientService; readonly signingKeys: SigningKeyService };
  readonly audit: AuditFeature['audit'];
  readonly auditCheckpoints: AuditFeature['auditCheckpoints'];
  readonly auditRetention: AuditFeature['auditRetention'];
  /** Idempotency-Key on POST requests by staff and clients (the router uses it). */
  readonly idempotency: IdempotencyService;
  readonly staffAuthorizer: StaffAuthorizer;
  /** OAuth clients: `register`, `disableVendorClients` (kill switch). */
  readonly clients: ClientService;
  readonly vendorTokens: VendorTokenPolicy;
  readonly departments: DepartmentService;
  readonly roleAssignments: RoleAssignmentService;
  readonly dataAssets: DataAssetsFeature['dataAssets'];
  readonly ownershipTransfers: DataAssetsFeature['ownershipTransfers'];
  readonly purposes: PurposeService;
  readonly vendors: VendorService;
  readonly vendorLifecycle: VendorLifecycle;
  readonly accessGrants: AccessGrantService;
  /** The app ledger; `apps.compliance` answers the compliance report's app questions. */
  readonly apps: AppLedger;
  readonly accessEngine: VendorAccessEngine;
  readonly decisions: DecisionService;
  readonly notices: NoticeService;
  readonly consents: ConsentService;
  readonly incidents: IncidentService;
  readonly complaints: ComplaintService;
}

/** The assembled service: its platform, what its features provide, its routes and document, its start and stop. */
export interface Container extends Provided {
  readonly config: Config;
  readonly db: Db;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly metrics: Metrics;
  readonly changes: ChangeFeed;
  readonly routes: readonly RouteSpec[];
  readonly openApiDocument: () => Record<string, unknown>;
  /** Starts the change feed, then every feature in order (loads policies and keys, bootstraps admins). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The published OpenAPI document (and the router) list paths feature by feature in this order, so
 * that the document clients diff does not reorder; a feature not named here follows these, in the
 * order it was added.
 */
const DOCUMENT_ORDER = [
  'departments',
  'role-assignments',
  'data-assets',
  'purposes',
  'vendors',
  'access-grants',
  'decisions',
  'notices',
  'consents',
  'reports',
  'apps',
  'complaints',
  'incidents',
  'oauth-tokens',
  'oauth-clients',
  'oauth-keys',
  'audit',
];

/**
 * Assembles features added in dependency order: their routes (after the operations routes), the
 * OpenAPI document, readiness checks, the compliance report's sources, and start/stop in order.
 */
export class House {
  readonly platform: Platform;
  private readonly features: Feature[] = [];
  private document: Record<string, unknown> | undefined;
  private allRoutes: RouteSpec[] | undefined;

  constructor(options: ContainerOptions) {
    const { config, db, logger } = options;
    // Heartbeats well inside the staleness bound, so a live feed never lets the policy view go stale.
    const changes = new ChangeFeed(logger, {
      heartbeatMs: Math.min(1000, Math.max(50, Math.floor(config.policyMaxStalenessMs / 4))),
      clock: options.feedClock,
    });
    this.platform = {
      config,
      db,
      logger,
      secrets: options.secrets,
      clock: options.clock ?? systemClock,
      changes,
      metrics: createMetrics(db, { defaultMetrics: options.defaultMetrics, feed: changes }),
      writeLanes: writeLanesFor(config),
    };
  }

  /** Adds a feature (after every feature it depends on) and returns what it provides. */
  add<P extends object>(feature: Feature<P>): P {
    if (this.allRoutes) throw new Error(`Feature ${feature.name} added after the routes were assembled`);
    this.features.push(feature);
    return feature.provides;
  }

  /** The compliance report's sources, from the features added so far; every question must have an answer. */
  complianceSources(): ComplianceSources {
    return completeSources(Object.assign({}, ...this.features.map((f) => f.compliance ?? {})));
  }

  /** The operations routes, then every feature's routes in document order. */
  get routes(): readonly RouteSpec[] {
    return (this.allRoutes ??= [...operationsRoutes(this.operations()), ...this.featureRoutes()]);
  }

  readonly openApiDocument = (): Record<string, unknown> => (this.document ??= buildOpenApiDocument(this.routes));

  /** The container: the platform, what the features provide, the assembled routes, start and stop. */
  assemble(provided: Provided): Container {
    const { config, db, logger, clock, metrics, changes } = this.platform;
    return {
      ...provided,
      config,
      db,
      logger,
      clock,
      metrics,
      changes,
      routes: this.routes,
      openApiDocument: this.openApiDocument,
      start: () => this.start(),
      stop: () => this.stop(),
    };
  }

  /** Starts the change feed, then every feature in the order added. */
  async start(): Promise<void> {
    const { config, changes } = this.platform;
    if (config.databaseUrl !== undefined) await changes.listen(config.databaseUrl);
    for (const feature of this.features) await feature.start?.();
  }

  /** Stops the features in reverse order, then the change feed. */
  async stop(): Promise<void> {
    for (const feature of [...this.features].reverse()) await feature.stop?.();
    await this.platform.changes.stop();
  }

  private operations() {
    const { db, config, metrics } = this.platform;
    let migrationsOk = false;
    const readiness: ReadinessCheck[] = [
      { name: 'database', check: async () => (await db.raw('select 1'), true) },
      { name: 'migrations', check: async () => (migrationsOk ||= await migrationsCurrent(db)) },
      ...this.features.flatMap((f) => f.readiness ?? []),
    ];
    return { readiness, registry: metrics.registry, openApiDocument: this.openApiDocument, metrics: metricsExposure(config) };
  }

  private featureRoutes(): RouteSpec[] {
    const rank = (f: Feature) => (DOCUMENT_ORDER.includes(f.name) ? DOCUMENT_ORDER.indexOf(f.name) : DOCUMENT_ORDER.length);
    const ordered = this.features.map((f, i) => ({ f, i })).sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i);
    return ordered.flatMap(({ f }) => f.routes ?? []);
  }
}
