import type { Db, Trx } from '../../db';
import type { AccountabilityDecision, InspectionFinding } from './schemas';

/** An inspection finding as stored (its rectification items apart). */
export type FindingRecord = Omit<InspectionFinding, 'rectifications'>;

export interface RectificationItemRecord {
  id: string;
  findingId: string;
  appId: string;
  action: string;
  owner: string;
  ownerDepartment: string;
  dueAt: string;
  createdBy: string;
  createdAt: string;
  closedAt: string | null;
  closedBy: string | null;
  evidence: string | null;
}

export interface FindingFilter {
  inspector?: FindingRecord['inspector'];
  /** Keyset: the id of the last finding of the previous page. */
  afterId?: string;
}

/**
 * What the supervision service needs of inspection findings, their rectification items and
 * accountability decisions (store.ts on the database, fake-store.ts in memory).
 */
export interface SupervisionStoreType {
  insertFinding(trx: Trx, finding: FindingRecord): Promise<void>;
  finding(appId: string, findingId: string, trx?: Db | Trx): Promise<FindingRecord | undefined>;
  insertItems(trx: Trx, items: readonly RectificationItemRecord[]): Promise<void>;
  /** With `forUpdate`, locks the item until the transaction ends. */
  item(appId: string, itemId: string, trx?: Db | Trx, forUpdate?: boolean): Promise<RectificationItemRecord | undefined>;
  /** Writes the item's closing: when, by whom, with what evidence. */
  closeItem(trx: Trx, item: RectificationItemRecord): Promise<void>;
  /** Findings of an app, most recently recorded first, with their items (oldest first). */
  findingsOf(appId: string, filter: FindingFilter, limit: number): Promise<Array<FindingRecord & { items: RectificationItemRecord[] }>>;
  insertDecision(trx: Trx, decision: AccountabilityDecision): Promise<void>;
  /** Decisions on an app, most recently recorded first, after `afterId`. */
  decisionsOf(appId: string, afterId: string | undefined, limit: number): Promise<AccountabilityDecision[]>;
  /** The app's rectification items open past `now`, most overdue first. */
  overdueItemsOf(trx: Db | Trx, appId: string, now: string): Promise<RectificationItemRecord[]>;
}
