import { uniqueViolation } from '../shared/errors';
import type { DataAssetField } from './schemas';
import type { AssetFilter, AssetRecord, AssetRef, DataAssetStoreType } from './store-type';

/** Data assets in memory, with the grants that rest on them set by the test. */
export class FakeDataAssetStore implements DataAssetStoreType {
  readonly assets = new Map<string, AssetRecord>();
  readonly fields = new Map<string, DataAssetField[]>();
  /** Approved grants: which asset (and fields) they name, and when they end. */
  readonly grants: Array<{ id: string; assetId: string; fields: string[]; validUntil: string }> = [];

  async find(ref: AssetRef): Promise<AssetRecord | undefined> {
    const asset = 'id' in ref ? this.assets.get(ref.id) : [...this.assets.values()].find((a) => a.key === ref.key);
    return asset && { ...asset };
  }

  async owningDepartment(id: string): Promise<string | undefined> {
    return this.assets.get(id)?.owningDepartment;
  }

  async fieldsOf(assetIds: readonly string[]): Promise<Map<string, DataAssetField[]>> {
    return new Map(assetIds.map((id) => [id, (this.fields.get(id) ?? []).map((f) => ({ ...f }))]));
  }

  async list(filter: AssetFilter, limit: number): Promise<AssetRecord[]> {
    return [...this.assets.values()]
      .filter((a) => (!filter.department || a.owningDepartment === filter.department) && (!filter.status || a.status === filter.status))
      .filter(
        (a) => (!filter.departments || filter.departments.includes(a.owningDepartment)) && (!filter.afterKey || a.key > filter.afterKey),
      )
      .filter((a) => filter.classification === undefined || a.classification === filter.classification)
      .filter(
        (a) => !filter.piCategory || (this.fields.get(a.id) ?? []).some((f) => f.piCategory === filter.piCategory && f.status === 'active'),
      )
      .sort((a, b) => (a.key < b.key ? -1 : 1))
      .slice(0, limit);
  }

  async insert(_trx: unknown, asset: AssetRecord): Promise<void> {
    if ([...this.assets.values()].some((a) => a.key === asset.key)) throw uniqueViolation();
    this.assets.set(asset.id, { ...asset });
  }

  async insertFields(_trx: unknown, assetId: string, fields: readonly DataAssetField[]): Promise<void> {
    this.fields.set(assetId, [...(this.fields.get(assetId) ?? []), ...fields.map((f) => ({ ...f }))]);
  }

  async update(_trx: unknown, asset: AssetRecord): Promise<void> {
    this.assets.set(asset.id, { ...asset });
  }

  async retireField(_trx: unknown, fieldId: string, at: string, reason: string): Promise<void> {
    for (const list of this.fields.values())
      for (const f of list) if (f.id === fieldId) Object.assign(f, { status: 'retired', retiredAt: at, retiredReason: reason });
  }

  async grantsDependingOn(_trx: unknown, assetId: string, now: string, field?: string): Promise<string[]> {
    return this.grants
      .filter((g) => g.assetId === assetId && g.validUntil > now && (field === undefined || g.fields.includes(field)))
      .map((g) => g.id)
      .sort();
  }
}
