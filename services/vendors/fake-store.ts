import type { Vendor, VendorSnapshot, VendorStatusHistoryEntry } from './schemas';
import type { VendorFilter, VendorHistoryEntry, VendorStoreType } from './store-type';

/** Vendors in memory, for fast tests of the service's rules. */
export class FakeVendorStore implements VendorStoreType {
  readonly vendors = new Map<string, Vendor>();
  readonly statusHistory: Array<VendorStatusHistoryEntry & { vendorId: string }> = [];

  async findById(id: string): Promise<Vendor | undefined> {
    const vendor = this.vendors.get(id);
    return vendor && structuredClone(vendor);
  }

  lockById(_trx: unknown, id: string): Promise<Vendor | undefined> {
    return this.findById(id);
  }

  async findIdByName(_trx: unknown, name: string): Promise<string | undefined> {
    return [...this.vendors.values()].find((v) => v.name === name)?.id;
  }

  async findIdByCreditCode(_trx: unknown, code: string): Promise<string | undefined> {
    return [...this.vendors.values()].find((v) => v.unifiedSocialCreditCode === code)?.id;
  }

  async list(filter: VendorFilter, limit: number): Promise<Vendor[]> {
    const key = (v: { createdAt: string; id: string }) => `${v.createdAt}_${v.id}`;
    return [...this.vendors.values()]
      .filter((v) => (!filter.status || v.status === filter.status) && (!filter.purpose || v.contract.purposes.includes(filter.purpose)))
      .filter((v) => !filter.after || key(v) > key(filter.after))
      .sort((a, b) => (key(a) < key(b) ? -1 : 1))
      .slice(0, limit)
      .map((v) => structuredClone(v));
  }

  async insert(_trx: unknown, vendor: Vendor): Promise<void> {
    this.vendors.set(vendor.id, structuredClone(vendor));
  }

  async update(_trx: unknown, vendor: Vendor): Promise<void> {
    this.vendors.set(vendor.id, structuredClone(vendor));
  }

  async replacePurposes(_trx: unknown, vendorId: string, purposes: readonly string[]): Promise<void> {
    const vendor = this.vendors.get(vendorId);
    if (vendor) vendor.contract.purposes = [...purposes];
  }

  async appendHistory(_trx: unknown, vendorId: string, entry: VendorHistoryEntry): Promise<void> {
    const { from, to, ...rest } = entry;
    this.statusHistory.push({ id: this.statusHistory.length + 1, vendorId, fromStatus: from, toStatus: to, ...rest });
  }

  async history(vendorId: string, afterId: number | undefined, limit: number): Promise<VendorStatusHistoryEntry[]> {
    return this.statusHistory
      .filter((h) => h.vendorId === vendorId && (afterId === undefined || h.id > afterId))
      .slice(0, limit)
      .map(({ vendorId: _v, ...entry }) => entry);
  }

  async snapshots(id?: string): Promise<VendorSnapshot[]> {
    return [...this.vendors.values()]
      .filter((v) => id === undefined || v.id === id)
      .map((v) => ({
        id: v.id,
        status: v.status,
        contractStartsAt: v.contract.startsAt,
        contractEndsAt: v.contract.endsAt,
        purposes: v.contract.purposes,
      }));
  }
}
