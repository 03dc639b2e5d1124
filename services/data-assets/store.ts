import type { Db, Trx } from '../db';
import type { DataAsset, DataAssetField, PiCategory } from './schemas';
import type { AssetFilter, AssetRecord, AssetRef, DataAssetStoreType } from './store-type';

export type { AssetFilter, AssetRecord, AssetRef } from './store-type';

interface AssetRow {
  id: string;
  key: string;
  name: string;
  description: string | null;
  owning_department: string;
  classification: number;
  status: DataAsset['status'];
  created_at: string;
  updated_at: string;
  retired_at: string | null;
  retired_reason: string | null;
}

interface FieldRow {
  id: string;
  asset_id: string;
  name: string;
  pi_category: PiCategory;
  description: string | null;
  status: DataAssetField['status'];
  created_at: string;
  retired_at: string | null;
  retired_reason: string | null;
}

const assetFromRow = (r: AssetRow): AssetRecord => ({
  id: r.id,
  key: r.key,
  name: r.name,
  description: r.description,
  owningDepartment: r.owning_department,
  classification: r.classification,
  status: r.status,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  retiredAt: r.retired_at,
  retiredReason: r.retired_reason,
});

const fieldFromRow = (r: FieldRow): DataAssetField => ({
  id: r.id,
  name: r.name,
  piCategory: r.pi_category,
  description: r.description,
  status: r.status,
  createdAt: r.created_at,
  retiredAt: r.retired_at,
  retiredReason: r.retired_reason,
});

export class DataAssetStore implements DataAssetStoreType {
  constructor(private readonly db: Db) {}

  /** Reads one asset; `lock` takes a row lock so concurrent changes to the asset queue behind this transaction. */
  async find(ref: AssetRef, trx: Db | Trx = this.db, lock = false): Promise<AssetRecord | undefined> {
    const q = trx('data_assets').where(ref).first();
    if (lock) q.forUpdate();
    const row = (await q) as AssetRow | undefined;
    return row && assetFromRow(row);
  }

  async owningDepartment(id: string, trx: Db | Trx = this.db): Promise<string | undefined> {
    const row = (await trx('data_assets').where({ id }).first('owning_department')) as { owning_department: string } | undefined;
    return row?.owning_department;
  }

  /** Fields of each asset, in the order they were registered. */
  async fieldsOf(assetIds: readonly string[], trx: Db | Trx = this.db): Promise<Map<string, DataAssetField[]>> {
    const byAsset = new Map<string, DataAssetField[]>(assetIds.map((id) => [id, []]));
    if (assetIds.length === 0) return byAsset;
    const rows = (await trx('data_asset_fields')
      .whereIn('asset_id', [...assetIds])
      .orderBy('position')) as FieldRow[];
    for (const row of rows) byAsset.get(row.asset_id)?.push(fieldFromRow(row));
    return byAsset;
  }

  async list(filter: AssetFilter, limit: number): Promise<AssetRecord[]> {
    const q = this.db('data_assets').orderBy('key').limit(limit);
    if (filter.departments) q.whereIn('owning_department', [...filter.departments]);
    if (filter.department) q.where('owning_department', filter.department);
    if (filter.classification !== undefined) q.where('classification', filter.classification);
    if (filter.status) q.where('status', filter.status);
    if (filter.afterKey) q.where('key', '>', filter.afterKey);
    if (filter.piCategory) {
      const category = filter.piCategory;
      q.whereExists((sub) =>
        sub
          .select(this.db.raw('1'))
          .from('data_asset_fields as f')
          .whereRaw('f.asset_id = data_assets.id')
          .where({ 'f.pi_category': category, 'f.status': 'active' }),
      );
    }
    return ((await q) as AssetRow[]).map(assetFromRow);
  }

  async insert(trx: Trx, a: AssetRecord): Promise<void> {
    await trx('data_assets').insert({
      id: a.id,
      key: a.key,
      name: a.name,
      description: a.description,
      owning_department: a.owningDepartment,
      classification: a.classification,
      status: a.status,
      created_at: a.createdAt,
      updated_at: a.updatedAt,
      retired_at: a.retiredAt,
      retired_reason: a.retiredReason,
    });
  }

  /** Appends fields after the asset's existing ones (the caller holds the asset's row lock). */
  async insertFields(trx: Trx, assetId: string, fields: readonly DataAssetField[]): Promise<void> {
    if (fields.length === 0) return;
    const last = (await trx('data_asset_fields').where({ asset_id: assetId }).max('position as max').first()) as
      { max: number | null } | undefined;
    const start = (last?.max ?? -1) + 1;
    await trx('data_asset_fields').insert(
      fields.map((f, i) => ({
        id: f.id,
        asset_id: assetId,
        name: f.name,
        pi_category: f.piCategory,
        description: f.description,
        status: f.status,
        created_at: f.createdAt,
        retired_at: f.retiredAt,
        retired_reason: f.retiredReason,
        position: start + i,
      })),
    );
  }

  /** Writes name, description, classification, owner and lifecycle columns. */
  async update(trx: Trx, a: AssetRecord): Promise<void> {
    await trx('data_assets').where({ id: a.id }).update({
      name: a.name,
      description: a.description,
      classification: a.classification,
      owning_department: a.owningDepartment,
      status: a.status,
      updated_at: a.updatedAt,
      retired_at: a.retiredAt,
      retired_reason: a.retiredReason,
    });
  }

  /** Approved grants on the asset (naming `field`, when given) that have not ended at `now`: they depend on it staying live. */
  async grantsDependingOn(trx: Trx, assetId: string, now: string, field?: string): Promise<string[]> {
    const q = trx('access_grants')
      .where({ asset_id: assetId, status: 'approved' })
      .where('valid_until', '>', now)
      .orderBy('id')
      .select('id');
    if (field !== undefined) q.whereRaw('? = any(fields)', [field]);
    return ((await q) as Array<{ id: string }>).map((r) => r.id);
  }

  async retireField(trx: Trx, fieldId: string, at: string, reason: string): Promise<void> {
    await trx('data_asset_fields').where({ id: fieldId }).update({ status: 'retired', retired_at: at, retired_reason: reason });
  }
}
