import type { Db, Trx } from '../db';
import type { BlockingFindingFact, SecurityTestFact } from './release-gate';
import type {
  SecurityTest,
  SecurityTestKind,
  SecurityTestResult,
  Vulnerability,
  VulnerabilitySeverity,
  VulnerabilitySource,
  VulnerabilityStatus,
} from './security-schemas';

/** A vulnerability as stored; its status (open, overdue, fixed) is derived from the clock. */
export type VulnerabilityRecord = Omit<Vulnerability, 'status'>;

export interface SecurityTestFilter {
  kind?: SecurityTestKind;
  result?: SecurityTestResult;
  /** Keyset: the id of the last test of the previous page. */
  afterId?: string;
}

export interface VulnerabilityFilter {
  severity?: VulnerabilitySeverity;
  /** Judged at `now`. */
  status?: VulnerabilityStatus;
  blocksRelease?: boolean;
  source?: VulnerabilitySource;
  /** Keyset: the id of the last vulnerability of the previous page. */
  afterId?: string;
  now: string;
}

/**
 * What the security service, the release gate and the consolidation report need of apps' security
 * tests and vulnerabilities (security-store.ts on the database, security-fake-store.ts in memory).
 */
export interface AppSecurityStoreType {
  insertTest(trx: Trx, test: SecurityTest): Promise<void>;
  /** Tests of an app, most recently performed (then recorded) first. */
  testsOf(appId: string, filter: SecurityTestFilter, limit: number): Promise<SecurityTest[]>;
  /** Every test of an app, all kinds, as the release gate reads them. */
  testFactsOf(trx: Db | Trx, appId: string): Promise<SecurityTestFact[]>;
  findTest(trx: Db | Trx, appId: string, id: string): Promise<SecurityTest | undefined>;
  /** Unfixed findings of an app that block its release, oldest first. */
  blockingFindingsOf(trx: Db | Trx, appId: string): Promise<BlockingFindingFact[]>;
  insertVulnerability(trx: Trx, vulnerability: VulnerabilityRecord): Promise<void>;
  /** With `forUpdate`, locks the vulnerability's row until the transaction ends. */
  findVulnerability(trx: Db | Trx, appId: string, id: string, forUpdate?: boolean): Promise<VulnerabilityRecord | undefined>;
  /** Writes the fix: when, its evidence and who. */
  recordFix(trx: Trx, vulnerability: VulnerabilityRecord): Promise<void>;
  /** Vulnerabilities of an app, most recently reported first. */
  vulnerabilitiesOf(appId: string, filter: VulnerabilityFilter, limit: number): Promise<VulnerabilityRecord[]>;
  /** Unfixed vulnerabilities of the given severities on the given apps, oldest first. */
  unfixedOf(appIds: readonly string[], severities: readonly VulnerabilitySeverity[]): Promise<VulnerabilityRecord[]>;
}
