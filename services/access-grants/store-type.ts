import type { PolicyLine } from '../authz';
import type { Db, Trx } from '../db';
import type { CurrentNotice } from '../notices/store';
import type { AssessmentView, GrantSubjects } from './grantability';
import type { GrantAction, RowScope } from './schemas';

/** An access grant as stored; `status` is the stored lifecycle state (active/expired are derived from the window). */
export interface GrantRecord {
  id: string;
  vendorId: string;
  assetId: string;
  fields: string[];
  actions: GrantAction[];
  purposeKey: string;
  validFrom: string;
  validUntil: string;
  rowScope: RowScope | null;
  dailyRecordCap: number | null;
  justification: string;
  sensitive: boolean;
  status: 'requested' | 'approved' | 'rejected' | 'revoked';
  requestedBy: string;
  requestedAt: string;
  ownerApprovedBy: string | null;
  ownerApprovedAt: string | null;
  privacyApprovedBy: string | null;
  privacyApprovedAt: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
  decisionReason: string | null;
  lastUsedAt: string | null;
}

export interface GrantFilter {
  vendorId?: string;
  assetId?: string;
  purposeKey?: string;
  status?: string;
  /** Only grants on assets owned by these departments (undefined = all). */
  departments?: readonly string[];
  afterId?: string;
  now: string;
}

/** What the grant service needs of storage (store.ts on the database, fake-store.ts in memory). */
export interface AccessGrantStoreType {
  insert(trx: Trx, grant: GrantRecord): Promise<void>;
  update(trx: Trx, grant: GrantRecord): Promise<void>;
  /** With `forUpdate`, locks the grant's row until the transaction ends. */
  get(id: string, trx?: Db | Trx, forUpdate?: boolean): Promise<GrantRecord | undefined>;
  list(filter: GrantFilter, limit: number): Promise<GrantRecord[]>;
  /** Requested and approved grants of one vendor, locked (the kill switch). */
  liveOfVendor(trx: Trx, vendorId: string): Promise<GrantRecord[]>;
  /** The grant's vendor-access policy lines (policies/vendor_access.conf). */
  addLines(trx: Trx, lines: readonly PolicyLine[]): Promise<void>;
  removeLines(trx: Trx, lines: readonly PolicyLine[]): Promise<void>;

  // What an approval reads of other features, locked so that it cannot change before the approval commits.
  /** The grant's asset, fields and purpose, share-locked against retirement. */
  lockSubjects(trx: Trx, assetId: string, purposeKey: string): Promise<GrantSubjects>;
  /** The vendor's latest security assessment (null when none is on record). */
  securityAssessmentOf(trx: Trx, vendorId: string): Promise<AssessmentView | null>;
  /** The purpose's current notices, after taking its notice lock. */
  lockCurrentNotices(trx: Trx, purposeKey: string): Promise<CurrentNotice[]>;
}
