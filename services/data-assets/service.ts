import crypto from 'node:crypto';
import { grantsDependOn } from '../access-grants/grantability';
import type { AuditRecorder, Change, ChangeContext } from '../audit';
import type { Transactor, Trx } from '../db';
import type { DepartmentService } from '../departments';
import type { OwnershipTransfer } from '../ownership/schemas';
import type { ChangePublisher } from '../platform/change-feed';
import { ConflictError, NotFoundError, isUniqueViolation } from '../shared/errors';
import type { DepartmentAccess } from '../http/route';
import { decodeCursor, pageFrom, type Page } from '../shared/schemas';
import type {
  CreateDataAsset,
  DataAsset,
  DataAssetDetail,
  DataAssetField,
  DataAssetQuery,
  NewField,
  PiCategory,
  UpdateDataAsset,
} from './schemas';
import { systemClock, type Clock } from '../platform/clock';
import type { AssetRecord, AssetRef, DataAssetStoreType } from './store-type';

/** Change-feed topic: an asset, its fields or its owner changed (payload { id, key }). */
export const DATA_ASSETS_CHANGED = 'data_assets.changed';

/** What other features need to know about an asset: its owner and the state of each field. */
export interface AssetSummary {
  readonly id: string;
  readonly key: string;
  readonly name: string;
  readonly owningDepartment: string;
  readonly classification: number;
  readonly status: DataAsset['status'];
  readonly fields: ReadonlyArray<{ readonly name: string; readonly piCategory: PiCategory; readonly status: DataAssetField['status'] }>;
}

/** The ownership transfers an asset has had; implemented by the ownership feature's store. */
export interface TransferLedger {
  historyOf(assetId: string): Promise<OwnershipTransfer[]>;
  openTransferOf(trx: Trx, assetId: string): Promise<OwnershipTransfer | undefined>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class DataAssetService {
  constructor(
    private readonly db: Transactor,
    private readonly store: DataAssetStoreType,
    private readonly audit: AuditRecorder,
    private readonly departments: Pick<DepartmentService, 'requireExisting'>,
    private readonly changes: ChangePublisher,
    private readonly transfers: TransferLedger,
    private readonly clock: Clock = systemClock,
  ) {}

  async create(ctx: ChangeContext, input: CreateDataAsset): Promise<DataAsset> {
    await this.departments.requireExisting([input.owningDepartment], 'body.owningDepartment');
    const now = this.clock.now().toISOString();
    const asset: AssetRecord = {
      id: crypto.randomUUID(),
      key: input.key,
      name: input.name,
      description: input.description ?? null,
      owningDepartment: input.owningDepartment,
      classification: input.classification,
      status: 'active',
      createdAt: now,
      updatedAt: now,
      retiredAt: null,
      retiredReason: null,
    };
    const fields = input.fields.map((f) => newField(f, now));
    try {
      return await this.changes.transaction(this.db, async (trx) => {
        if (await this.store.find({ key: input.key }, trx)) throw assetExists(input.key);
        await this.store.insert(trx, asset);
        await this.store.insertFields(trx, asset.id, fields);
        await this.audit.record(
          trx,
          ctx,
          {
            action: 'data_asset.created',
            objectType: 'data_asset',
            objectId: asset.id,
            details: { after: { ...asset, fields: fields.map(fieldSummary) } },
          },
          ...fields.map((f) => fieldAdded(asset, f)),
        );
        await this.changes.publish(trx, DATA_ASSETS_CHANGED, { id: asset.id, key: asset.key });
        return { ...asset, fields };
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw assetExists(input.key);
      throw err;
    }
  }

  async update(ctx: ChangeContext, id: string, input: UpdateDataAsset): Promise<DataAsset> {
    return this.change(id, async (trx, before) => {
      const after: AssetRecord = {
        ...before,
        name: input.name ?? before.name,
        description: input.description === undefined ? before.description : input.description,
        classification: input.classification ?? before.classification,
        updatedAt: this.clock.now().toISOString(),
      };
      await this.store.update(trx, after);
      const changed = { name: after.name, description: after.description, classification: after.classification };
      const previous = { name: before.name, description: before.description, classification: before.classification };
      await this.audit.record(trx, ctx, {
        action: 'data_asset.updated',
        objectType: 'data_asset',
        objectId: id,
        details: { key: before.key, before: previous, after: changed },
      });
      return after;
    });
  }

  async retire(ctx: ChangeContext, id: string, reason: string): Promise<DataAsset> {
    return this.change(id, async (trx, before) => {
      const open = await this.transfers.openTransferOf(trx, id);
      if (open) {
        throw new ConflictError(
          'transfer_open',
          `The asset has an open ownership transfer (${open.id}); it must be accepted, rejected or cancelled before the asset is retired`,
        );
      }
      const now = this.clock.now().toISOString();
      const dependents = await this.store.grantsDependingOn(trx, id, now);
      if (dependents.length > 0) throw grantsDependOn(`The asset ${before.key}`, dependents);
      const after: AssetRecord = { ...before, status: 'retired', retiredAt: now, retiredReason: reason, updatedAt: now };
      await this.store.update(trx, after);
      await this.audit.record(trx, ctx, {
        action: 'data_asset.retired',
        objectType: 'data_asset',
        objectId: id,
        details: { key: before.key, before: { status: before.status }, after: { status: after.status }, reason },
      });
      return after;
    });
  }

  /** Adds fields; a name already used on this asset, live or retired, is refused (retired names stay reserved). */
  async addFields(ctx: ChangeContext, id: string, input: readonly NewField[]): Promise<DataAsset> {
    return this.change(id, async (trx, before) => {
      const existing = new Map((await this.store.fieldsOf([id], trx)).get(id)?.map((f) => [f.name, f]));
      for (const f of input) {
        const taken = existing.get(f.name);
        if (taken?.status === 'active') throw new ConflictError('field_exists', `The asset already has a field ${f.name}`);
        if (taken) {
          throw new ConflictError('field_retired', `The field ${f.name} was retired; retired names stay reserved, so choose a new name`);
        }
      }
      const now = this.clock.now().toISOString();
      const fields = input.map((f) => newField(f, now));
      const after = { ...before, updatedAt: now };
      await this.store.insertFields(trx, id, fields);
      await this.store.update(trx, after);
      await this.audit.record(trx, ctx, ...fields.map((f) => fieldAdded(before, f)));
      return after;
    });
  }

  async retireField(ctx: ChangeContext, id: string, fieldName: string, reason: string): Promise<DataAsset> {
    return this.change(id, async (trx, before) => {
      const field = (await this.store.fieldsOf([id], trx)).get(id)?.find((f) => f.name === fieldName);
      if (!field) throw new NotFoundError(`The asset has no field ${fieldName}`);
      if (field.status === 'retired') throw new ConflictError('field_retired', `The field ${fieldName} is already retired`);
      const now = this.clock.now().toISOString();
      const dependents = await this.store.grantsDependingOn(trx, id, now, fieldName);
      if (dependents.length > 0) throw grantsDependOn(`The field ${before.key}.${fieldName}`, dependents);
      const after = { ...before, updatedAt: now };
      await this.store.retireField(trx, field.id, now, reason);
      await this.store.update(trx, after);
      await this.audit.record(trx, ctx, {
        action: 'data_asset_field.retired',
        objectType: 'data_asset_field',
        objectId: field.id,
        details: {
          assetId: id,
          assetKey: before.key,
          field: fieldSummary(field),
          before: { status: 'active' },
          after: { status: 'retired' },
          reason,
        },
      });
      return after;
    });
  }

  async get(id: string): Promise<DataAssetDetail> {
    const asset = await this.store.find({ id });
    if (!asset) throw notFound(id);
    const [fields, ownershipTransfers] = await Promise.all([this.store.fieldsOf([id]), this.transfers.historyOf(id)]);
    return { ...asset, fields: fields.get(id) ?? [], ownershipTransfers };
  }

  /** Assets in the departments the caller may read (`access`), filtered and paged by key. */
  async list(query: DataAssetQuery, access: DepartmentAccess): Promise<Page<DataAsset>> {
    if (!access.all && access.departments.length === 0) return { items: [], nextCursor: null };
    const records = await this.store.list(
      {
        department: query.department,
        classification: query.classification,
        piCategory: query.piCategory,
        status: query.status,
        afterKey: decodeCursor(query.cursor),
        departments: access.all ? undefined : access.departments,
      },
      query.limit + 1,
    );
    const page = pageFrom(records, query.limit, (last) => last.key);
    const fields = await this.store.fieldsOf(page.items.map((a) => a.id));
    return { items: page.items.map((a) => ({ ...a, fields: fields.get(a.id) ?? [] })), nextCursor: page.nextCursor };
  }

  /** An asset by id or by key, with its owner and every field (for vendor access and other features). */
  async findAsset(idOrKey: string): Promise<AssetSummary | undefined> {
    const asset = await this.store.find(refOf(idOrKey));
    if (!asset) return undefined;
    const fields = (await this.store.fieldsOf([asset.id])).get(asset.id) ?? [];
    return {
      id: asset.id,
      key: asset.key,
      name: asset.name,
      owningDepartment: asset.owningDepartment,
      classification: asset.classification,
      status: asset.status,
      fields: fields.map((f) => ({ name: f.name, piCategory: f.piCategory, status: f.status })),
    };
  }

  /** The department that owns the asset (by id or key); 404 when there is no such asset. */
  async owningDepartment(idOrKey: string): Promise<string> {
    const ref = refOf(idOrKey);
    const department = 'id' in ref ? await this.store.owningDepartment(ref.id) : (await this.store.find(ref))?.owningDepartment;
    if (department === undefined) throw notFound(idOrKey);
    return department;
  }

  /** Runs a change to an active asset under its row lock, publishes it, and answers the asset with its fields. */
  private async change(id: string, apply: (trx: Trx, before: AssetRecord) => Promise<AssetRecord>): Promise<DataAsset> {
    return this.changes.transaction(this.db, async (trx) => {
      const before = await this.store.find({ id }, trx, true);
      if (!before) throw notFound(id);
      if (before.status === 'retired')
        throw new ConflictError('asset_retired', `The asset ${before.key} is retired and can no longer change`);
      const after = await apply(trx, before);
      await this.changes.publish(trx, DATA_ASSETS_CHANGED, { id, key: before.key });
      const fields = (await this.store.fieldsOf([id], trx)).get(id) ?? [];
      return { ...after, fields };
    });
  }
}

const refOf = (idOrKey: string): AssetRef => (UUID.test(idOrKey) ? { id: idOrKey.toLowerCase() } : { key: idOrKey });

const notFound = (ref: string) => new NotFoundError(`No data asset ${ref}`);
const assetExists = (key: string) => new ConflictError('data_asset_exists', `A data asset with key ${key} already exists`);

const newField = (f: NewField, now: string): DataAssetField => ({
  id: crypto.randomUUID(),
  name: f.name,
  piCategory: f.piCategory,
  description: f.description ?? null,
  status: 'active',
  createdAt: now,
  retiredAt: null,
  retiredReason: null,
});

const fieldSummary = (f: DataAssetField) => ({ name: f.name, piCategory: f.piCategory });

const fieldAdded = (asset: AssetRecord, f: DataAssetField): Change => ({
  action: 'data_asset_field.added',
  objectType: 'data_asset_field',
  objectId: f.id,
  details: { assetId: asset.id, assetKey: asset.key, after: { ...fieldSummary(f), description: f.description } },
});
