import type { Db, Trx } from '../db';
import type { Vendor, VendorSnapshot, VendorStatus, VendorStatusHistoryEntry } from './schemas';

export interface VendorFilter {
  status?: VendorStatus;
  purpose?: string;
  after?: { createdAt: string; id: string };
}

export interface VendorHistoryEntry {
  from: VendorStatus | null;
  to: VendorStatus;
  reason: string | null;
  actor: string;
  at: string;
}

/** What the vendor service needs of storage (store.ts on the database, fake-store.ts in memory). */
export interface VendorStoreType {
  findById(id: string, trx?: Db | Trx): Promise<Vendor | undefined>;
  /** Locks the vendor's row until the transaction ends, so status changes and edits are serialised. */
  lockById(trx: Trx, id: string): Promise<Vendor | undefined>;
  findIdByName(trx: Db | Trx, name: string): Promise<string | undefined>;
  findIdByCreditCode(trx: Db | Trx, code: string): Promise<string | undefined>;
  /** In creation order, after `after`. */
  list(filter: VendorFilter, limit: number): Promise<Vendor[]>;
  insert(trx: Trx, vendor: Vendor): Promise<void>;
  update(trx: Trx, vendor: Vendor): Promise<void>;
  replacePurposes(trx: Trx, vendorId: string, purposes: readonly string[]): Promise<void>;
  appendHistory(trx: Trx, vendorId: string, entry: VendorHistoryEntry): Promise<void>;
  history(vendorId: string, afterId: number | undefined, limit: number): Promise<VendorStatusHistoryEntry[]>;
  /** Every vendor's (or one vendor's) status, contract window and purposes. */
  snapshots(id?: string): Promise<VendorSnapshot[]>;
}
