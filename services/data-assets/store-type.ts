import type { Db, Trx } from '../db';
import type { DataAsset, DataAssetField, PiCategory } from './schemas';

/** An asset without its fields, as stored in data_assets. */
export type AssetRecord = Omit<DataAsset, 'fields'>;

export interface AssetFilter {
  department?: string;
  classification?: number;
  piCategory?: PiCategory;
  status?: DataAsset['status'];
  afterKey?: string;
  /** Only these owning departments; undefined means every department. */
  departments?: readonly string[];
}

export type AssetRef = { readonly id: string } | { readonly key: string };

/** What the data-asset service (and ownership transfers) need of storage (store.ts on the database, fake-store.ts in memory). */
export interface DataAssetStoreType {
  /** Reads one asset; `lock` takes a row lock so concurrent changes to the asset queue behind this transaction. */
  find(ref: AssetRef, trx?: Db | Trx, lock?: boolean): Promise<AssetRecord | undefined>;
  owningDepartment(id: string, trx?: Db | Trx): Promise<string | undefined>;
  /** Fields of each asset, in the order they were registered. */
  fieldsOf(assetIds: readonly string[], trx?: Db | Trx): Promise<Map<string, DataAssetField[]>>;
  /** In key order, after `afterKey`. */
  list(filter: AssetFilter, limit: number): Promise<AssetRecord[]>;
  insert(trx: Trx, asset: AssetRecord): Promise<void>;
  /** Appends fields after the asset's existing ones (the caller holds the asset's row lock). */
  insertFields(trx: Trx, assetId: string, fields: readonly DataAssetField[]): Promise<void>;
  /** Writes name, description, classification, owner and lifecycle columns. */
  update(trx: Trx, asset: AssetRecord): Promise<void>;
  retireField(trx: Trx, fieldId: string, at: string, reason: string): Promise<void>;
  /** Approved grants on the asset (naming `field`, when given) that have not ended at `now`: they depend on it staying live. */
  grantsDependingOn(trx: Trx, assetId: string, now: string, field?: string): Promise<string[]>;
}
