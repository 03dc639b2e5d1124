import crypto from 'node:crypto';
import { actorOf, type AuditRecorder, type ChangeContext } from '../audit';
import { DATA_ASSETS_CHANGED } from '../data-assets/service';
import type { DataAssetStoreType } from '../data-assets/store-type';
import type { Transactor, Trx } from '../db';
import type { DepartmentService } from '../departments';
import type { ChangePublisher } from '../platform/change-feed';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError, isUniqueViolation } from '../shared/errors';
import type { DepartmentAccess } from '../http/route';
import { decodeInstantCursor, pageFrom, type Page } from '../shared/schemas';
import { systemClock, type Clock } from '../platform/clock';
import type { OwnershipTransfer, ProposeTransfer, TransferQuery, TransferStatus } from './schemas';
import type { OwnershipTransferStoreType } from './store-type';

type Decision = Exclude<TransferStatus, 'proposed'>;

/**
 * Ownership moves only by transfer: the current owner proposes, the receiving department accepts
 * or rejects, the proposing department may cancel. Every step locks the asset row first, so steps
 * on one asset run one after another.
 */
export class OwnershipTransferService {
  constructor(
    private readonly db: Transactor,
    private readonly store: OwnershipTransferStoreType,
    private readonly assets: DataAssetStoreType,
    private readonly departments: Pick<DepartmentService, 'requireExisting'>,
    private readonly audit: AuditRecorder,
    private readonly changes: ChangePublisher,
    private readonly clock: Clock = systemClock,
  ) {}

  async propose(ctx: ChangeContext, assetId: string, input: ProposeTransfer): Promise<OwnershipTransfer> {
    await this.departments.requireExisting([input.toDepartment], 'body.toDepartment');
    try {
      return await this.db.transaction(async (trx) => {
        const asset = await this.assets.find({ id: assetId }, trx, true);
        if (!asset) throw new NotFoundError(`No data asset ${assetId}`);
        if (asset.status === 'retired')
          throw new ConflictError('asset_retired', `The asset ${asset.key} is retired; it cannot change owner`);
        if (asset.owningDepartment === input.toDepartment) {
          throw new ValidationError(`body.toDepartment: ${input.toDepartment} already owns the asset`, [
            { path: 'body.toDepartment', message: 'the receiving department must differ from the current owner' },
          ]);
        }
        const open = await this.store.openTransferOf(trx, assetId);
        if (open) throw transferOpen(open.id);
        const transfer: OwnershipTransfer = {
          id: crypto.randomUUID(),
          assetId,
          assetKey: asset.key,
          fromDepartment: asset.owningDepartment,
          toDepartment: input.toDepartment,
          reason: input.reason,
          status: 'proposed',
          proposedBy: actorOf(ctx).actorId,
          proposedAt: this.clock.now().toISOString(),
          decidedBy: null,
          decidedAt: null,
          decisionNote: null,
        };
        await this.store.insert(trx, transfer);
        await this.audit.record(trx, ctx, {
          action: 'ownership_transfer.proposed',
          objectType: 'ownership_transfer',
          objectId: transfer.id,
          details: { after: transfer },
        });
        return transfer;
      });
    } catch (err) {
      // Two proposals racing: the partial unique index lets only one stay open.
      if (isUniqueViolation(err)) throw transferOpen('another');
      throw err;
    }
  }

  /** The receiving department takes the asset: the owner moves in the same transaction. */
  accept(ctx: ChangeContext, assetId: string, transferId: string): Promise<OwnershipTransfer> {
    return this.changes.transaction(this.db, async (trx) => {
      const { asset, transfer } = await this.openTransfer(trx, assetId, transferId);
      requireOtherThanProposer(ctx, transfer);
      if (asset.owningDepartment !== transfer.fromDepartment) {
        throw new ConflictError('owner_changed', `The asset is now owned by ${asset.owningDepartment}, not by the proposing department`);
      }
      const closed = await this.close(trx, ctx, transfer, 'accepted', null);
      const now = closed.decidedAt ?? this.clock.now().toISOString();
      await this.assets.update(trx, { ...asset, owningDepartment: transfer.toDepartment, updatedAt: now });
      await this.audit.record(trx, ctx, {
        action: 'data_asset.owner_changed',
        objectType: 'data_asset',
        objectId: asset.id,
        details: {
          key: asset.key,
          transferId: transfer.id,
          before: { owningDepartment: transfer.fromDepartment },
          after: { owningDepartment: transfer.toDepartment },
        },
      });
      await this.changes.publish(trx, DATA_ASSETS_CHANGED, { id: asset.id, key: asset.key });
      return closed;
    });
  }

  reject(ctx: ChangeContext, assetId: string, transferId: string, note: string): Promise<OwnershipTransfer> {
    return this.db.transaction(async (trx) => {
      const { transfer } = await this.openTransfer(trx, assetId, transferId);
      requireOtherThanProposer(ctx, transfer);
      return this.close(trx, ctx, transfer, 'rejected', note);
    });
  }

  cancel(ctx: ChangeContext, assetId: string, transferId: string): Promise<OwnershipTransfer> {
    return this.db.transaction(async (trx) => {
      const { transfer } = await this.openTransfer(trx, assetId, transferId);
      return this.close(trx, ctx, transfer, 'cancelled', null);
    });
  }

  /** Every transfer of an asset, newest first. */
  async history(assetId: string): Promise<OwnershipTransfer[]> {
    if ((await this.assets.owningDepartment(assetId)) === undefined) throw new NotFoundError(`No data asset ${assetId}`);
    return this.store.historyOf(assetId);
  }

  /** Transfers to or from the departments the caller may read: the receiving data owners' in-tray. */
  async list(query: TransferQuery, access: DepartmentAccess): Promise<Page<OwnershipTransfer>> {
    if (!access.all && access.departments.length === 0) return { items: [], nextCursor: null };
    const before = decodeInstantCursor(query.cursor);
    const items = await this.store.list(
      {
        status: query.status,
        direction: query.direction,
        departments: access.all ? undefined : access.departments,
        before: before && { proposedAt: before.at, id: before.id },
      },
      query.limit + 1,
    );
    return pageFrom(items, query.limit, (last) => `${last.proposedAt}_${last.id}`);
  }

  /** The department on one side of a transfer of the asset (for route permission scopes); 404 when unknown. */
  async departmentOf(assetId: string, transferId: string, side: 'from' | 'to'): Promise<string> {
    const transfer = await this.store.find(undefined, assetId, transferId);
    if (!transfer) throw transferNotFound(transferId);
    return side === 'from' ? transfer.fromDepartment : transfer.toDepartment;
  }

  private async openTransfer(trx: Trx, assetId: string, transferId: string) {
    const asset = await this.assets.find({ id: assetId }, trx, true);
    if (!asset) throw new NotFoundError(`No data asset ${assetId}`);
    const transfer = await this.store.find(trx, assetId, transferId);
    if (!transfer) throw transferNotFound(transferId);
    if (transfer.status !== 'proposed') throw new ConflictError('transfer_not_open', `The transfer is already ${transfer.status}`);
    return { asset, transfer };
  }

  private async close(trx: Trx, ctx: ChangeContext, open: OwnershipTransfer, status: Decision, note: string | null) {
    const closed: OwnershipTransfer = {
      ...open,
      status,
      decidedBy: actorOf(ctx).actorId,
      decidedAt: this.clock.now().toISOString(),
      decisionNote: note,
    };
    if (!(await this.store.close(trx, closed))) throw new ConflictError('transfer_not_open', 'The transfer is no longer open');
    await this.audit.record(trx, ctx, {
      action: `ownership_transfer.${status}`,
      objectType: 'ownership_transfer',
      objectId: open.id,
      details: {
        assetId: open.assetId,
        assetKey: open.assetKey,
        fromDepartment: open.fromDepartment,
        toDepartment: open.toDepartment,
        before: { status: open.status },
        after: { status, decisionNote: note },
      },
    });
    return closed;
  }
}

/** Four eyes: whoever proposed a transfer cannot also decide it, even when they hold both departments. */
function requireOtherThanProposer(ctx: ChangeContext, transfer: OwnershipTransfer): void {
  if (actorOf(ctx).actorId === transfer.proposedBy) {
    throw new ForbiddenError('The proposer of a transfer cannot decide it; another data owner of the receiving department must');
  }
}

const transferOpen = (id: string) =>
  new ConflictError('transfer_open', `The asset already has an open ownership transfer (${id}); only one may be open at a time`);
const transferNotFound = (id: string) => new NotFoundError(`No ownership transfer ${id} for this asset`);
