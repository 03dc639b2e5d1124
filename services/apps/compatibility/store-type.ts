import type { Db, Trx } from '../../db';
import type { Finding } from '../../reports/compliance-check';
import type { CompatibilityResult, OperatingEnvironment } from './schemas';

/** One environment a release of the app supports, as declared. */
export interface SupportedRecord {
  readonly release: string;
  readonly platform: string;
  readonly version: string;
  readonly declaredBy: string;
  readonly declaredAt: string;
}

/**
 * What the compatibility service needs of each app's supported environments and compatibility
 * results, and of the operating environments' end-of-support register (store.ts on the database,
 * fake-store.ts in memory). The compliance question reads the apps.
 */
export interface CompatibilityStoreType {
  /** Every release's supported environments, the most recently declared first (then by release, platform and version). */
  supported(appId: string, trx?: Db | Trx): Promise<SupportedRecord[]>;
  /** Replaces the release's supported environments with `rows`. */
  replaceSupported(trx: Trx, appId: string, release: string, rows: readonly SupportedRecord[]): Promise<void>;
  /** Every result, the latest test date first (then the latest recorded, then id). */
  results(appId: string, trx?: Db | Trx): Promise<CompatibilityResult[]>;
  insertResult(trx: Trx, appId: string, result: CompatibilityResult): Promise<void>;
  /** The register, by platform and version. */
  environments(trx?: Db | Trx): Promise<OperatingEnvironment[]>;
  environment(trx: Trx, platform: string, version: string): Promise<OperatingEnvironment | undefined>;
  /** Registers the environment's end of support, or changes it. */
  setEnvironment(trx: Trx, environment: OperatingEnvironment): Promise<void>;
  /**
   * Apps in service, and those whose current release (declared last; of two declared at once, the
   * greater) supports an environment past its end of support on `today` (a date); by name.
   */
  inServiceSupportingEnded(today: string): Promise<Finding>;
}
