import { uniqueViolation } from '../shared/errors';
import type { OwnershipTransfer } from './schemas';
import type { OwnershipTransferStoreType, TransferFilter } from './store-type';

/** Ownership transfers in memory, for fast tests of the service's rules. */
export class FakeOwnershipTransferStore implements OwnershipTransferStoreType {
  readonly transfers: OwnershipTransfer[] = [];

  async find(_trx: unknown, assetId: string, transferId: string): Promise<OwnershipTransfer | undefined> {
    const transfer = this.transfers.find((t) => t.id === transferId && t.assetId === assetId);
    return transfer && { ...transfer };
  }

  async openTransferOf(_trx: unknown, assetId: string): Promise<OwnershipTransfer | undefined> {
    return this.transfers.find((t) => t.assetId === assetId && t.status === 'proposed');
  }

  async historyOf(assetId: string): Promise<OwnershipTransfer[]> {
    return this.transfers.filter((t) => t.assetId === assetId).reverse();
  }

  async list(filter: TransferFilter, limit: number): Promise<OwnershipTransfer[]> {
    const sides = (t: OwnershipTransfer) =>
      filter.direction === 'incoming'
        ? [t.toDepartment]
        : filter.direction === 'outgoing'
          ? [t.fromDepartment]
          : [t.fromDepartment, t.toDepartment];
    return this.transfers
      .filter(
        (t) =>
          (!filter.status || t.status === filter.status) && (!filter.departments || sides(t).some((d) => filter.departments?.includes(d))),
      )
      .reverse()
      .slice(0, limit);
  }

  async insert(_trx: unknown, transfer: OwnershipTransfer): Promise<void> {
    if (await this.openTransferOf(undefined, transfer.assetId)) throw uniqueViolation();
    this.transfers.push({ ...transfer });
  }

  async close(_trx: unknown, transfer: OwnershipTransfer): Promise<boolean> {
    const at = this.transfers.findIndex((t) => t.id === transfer.id && t.status === 'proposed');
    if (at < 0) return false;
    this.transfers[at] = { ...transfer };
    return true;
  }
}
