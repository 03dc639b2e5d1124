import type { AuditLog } from './audit/service';
import type { Config } from './config';
import type { Db } from './db';
import type { RouteSpec } from './http/route';
import type { Logger } from './logger';
import type { ReadinessCheck } from './operations/routes';
import type { ChangeFeed } from './platform/change-feed';
import type { Clock } from './platform/clock';
import type { Metrics } from './platform/metrics';
import type { ComplianceSources } from './reports/compliance-check';
import type { Secrets } from './secrets';

/** What every feature may use: configuration, the database, and the infrastructure of services/platform. */
export interface Platform {
  readonly config: Config;
  readonly db: Db;
  readonly logger: Logger;
  readonly secrets: Secrets;
  /** Where services read the time (ManualClock in tests). */
  readonly clock: Clock;
  /** Committed-change notices, in this process and (on PostgreSQL) across replicas. */
  readonly changes: ChangeFeed;
  readonly metrics: Metrics;
  /** Batches a batched write path keeps in flight (writeLanesFor). */
  readonly writeLanes: number;
}

/** The platform and the audit log: what every feature after the audit feature is given. */
export interface FeatureDeps extends Platform {
  readonly audit: AuditLog;
}

/**
 * A feature wired from its dependencies: what it offers later features (`provides`), its routes,
 * its readiness checks, the compliance report's questions it answers, and its start and stop.
 * Features start in the order they are added and stop in the reverse order.
 */
export interface Feature<P extends object = object> {
  readonly name: string;
  readonly provides: P;
  readonly routes?: readonly RouteSpec[];
  readonly readiness?: readonly ReadinessCheck[];
  readonly compliance?: Partial<ComplianceSources>;
  start?(): Promise<void>;
  stop?(): Promise<void>;
}

/** Batches a batched write path keeps in flight: PGlite has one connection (a second lane would only wait), PostgreSQL overlaps two. */
export const writeLanesFor = (config: Pick<Config, 'databaseUrl'>): number => (config.databaseUrl === undefined ? 1 : 2);
