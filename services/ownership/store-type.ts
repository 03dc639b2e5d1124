import type { Db, Trx } from '../db';
import type { OwnershipTransfer, TransferStatus } from './schemas';

export interface TransferFilter {
  status?: TransferStatus;
  /** Transfers from or to these departments (per `direction`); undefined means every department. */
  departments?: readonly string[];
  direction?: 'incoming' | 'outgoing';
  before?: { proposedAt: string; id: string };
}

/** One asset's line in the ownership map, before the data owners are added. */
export interface MapRow {
  assetId: string;
  key: string;
  name: string;
  status: 'active' | 'retired';
  classification: number;
  owningDepartment: string;
  owningDepartmentName: string;
  fieldCounts: { none: number; personal: number; sensitive: number; total: number };
  openTransferTo: string | null;
}

/** What the transfer service needs of storage (store.ts on the database, fake-store.ts in memory). */
export interface OwnershipTransferStoreType {
  /** Inside `trx`, or on its own (undefined). */
  find(trx: Db | Trx | undefined, assetId: string, transferId: string): Promise<OwnershipTransfer | undefined>;
  /** The asset's proposed transfer, if any (at most one is open). */
  openTransferOf(trx: Db | Trx, assetId: string): Promise<OwnershipTransfer | undefined>;
  /** Every transfer of an asset, newest first. */
  historyOf(assetId: string, trx?: Db | Trx): Promise<OwnershipTransfer[]>;
  list(filter: TransferFilter, limit: number): Promise<OwnershipTransfer[]>;
  insert(trx: Trx, transfer: OwnershipTransfer): Promise<void>;
  /** Closes an open transfer; false when it was no longer open. */
  close(trx: Trx, transfer: OwnershipTransfer): Promise<boolean>;
}

/** The ownership map's read model: assets with their owners and field counts (reads data assets and departments). */
export interface OwnershipMapReadModel {
  map(filter: { departments?: readonly string[]; department?: string; status?: 'active' | 'retired' }): Promise<MapRow[]>;
}
