import type { JWTVerifyGetKey } from 'jose';
import { AuditLog, AuditStore, auditRoutes } from './audit';
import { JwtStaffAuthenticator } from './auth';
import { StaffAuthorizer } from './authz';
import type { Config } from './config';
import { migrationsCurrent, type Db } from './db';
import { DepartmentService, DepartmentStore, departmentRoutes } from './departments';
import type { Logger } from './logger';
import { operationsRoutes, type ReadinessCheck } from './operations/routes';
import { ROLE_ASSIGNMENTS_CHANGED, RoleAssignmentService, RoleAssignmentStore, roleAssignmentRoutes } from './role-assignments';
import { ChangeFeed } from './shared/change-feed';
import type { Secrets } from './secrets';
import { UnauthorizedError } from './shared/errors';
import { createMetrics, type Metrics } from './shared/metrics';
import { buildOpenApiDocument } from './shared/openapi';
import type { RouteSpec } from './shared/route';
import type { ClientAuthenticator, StaffAuthenticator } from './shared/router';

export interface ContainerOptions {
  readonly config: Config;
  readonly db: Db;
  readonly logger: Logger;
  readonly secrets: Secrets;
  /** The staff identity provider's keys (remote JWKS in production, the development key otherwise). */
  readonly staffKeys: JWTVerifyGetKey;
  readonly defaultMetrics?: boolean;
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
  readonly staffAuthorizer: StaffAuthorizer;
  readonly staffAuth: StaffAuthenticator;
  readonly clientAuth: ClientAuthenticator;
  readonly departments: DepartmentService;
  readonly roleAssignments: RoleAssignmentService;
  readonly routes: readonly RouteSpec[];
  readonly openApiDocument: () => Record<string, unknown>;
  /** Loads policies and applies start-up configuration (bootstrap admins). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createContainer(options: ContainerOptions): Container {
  const { config, db, logger } = options;
  const metrics = createMetrics(db, { defaultMetrics: options.defaultMetrics });
  const audit = new AuditLog(new AuditStore(db));
  const changes = new ChangeFeed(logger);
  const staffAuthorizer = new StaffAuthorizer(db);
  const staffAuth = new JwtStaffAuthenticator(options.staffKeys, config.staff.issuer, config.staff.audience);
  const clientAuth: ClientAuthenticator = {
    authenticate: async () => {
      throw new UnauthorizedError('Machine client tokens are not accepted: no authorization server is configured');
    },
  };
  const departments = new DepartmentService(db, new DepartmentStore(db), audit);
  const roleAssignments = new RoleAssignmentService(db, new RoleAssignmentStore(db), audit, staffAuthorizer, departments, changes);
  changes.subscribe(ROLE_ASSIGNMENTS_CHANGED, () => staffAuthorizer.reload());
  changes.onReconnect(() => staffAuthorizer.reload());

  let migrationsOk = false;
  const readiness: ReadinessCheck[] = [
    { name: 'database', check: async () => (await db.raw('select 1'), true) },
    { name: 'migrations', check: async () => (migrationsOk ||= await migrationsCurrent(db)) },
    { name: 'staff_policies', check: async () => staffAuthorizer.ready },
  ];

  let document: Record<string, unknown> | undefined;
  const featureRoutes: RouteSpec[] = [...departmentRoutes(departments), ...roleAssignmentRoutes(roleAssignments), ...auditRoutes(audit)];
  const routes: RouteSpec[] = [];
  const openApiDocument = () => (document ??= buildOpenApiDocument(routes));
  routes.push(...operationsRoutes({ readiness, registry: metrics.registry, openApiDocument }), ...featureRoutes);

  return {
    config,
    db,
    logger,
    metrics,
    changes,
    audit,
    staffAuthorizer,
    staffAuth,
    clientAuth,
    departments,
    roleAssignments,
    routes,
    openApiDocument,
    async start() {
      if (config.databaseUrl !== undefined) await changes.listen(config.databaseUrl);
      await staffAuthorizer.reload();
      await roleAssignments.bootstrapAdmins(config.bootstrapAdminSubjects);
    },
    async stop() {
      await changes.stop();
    },
  };
}
