import type { Db, Trx } from '../db';
import type { OwnershipTransfer, TransferStatus } from './schemas';
import type { MapRow, OwnershipMapReadModel, OwnershipTransferStoreType, TransferFilter } from './store-type';

export type { MapRow, TransferFilter } from './store-type';

interface TransferRow {
  id: string;
  asset_id: string;
  asset_key: string;
  from_department: string;
  to_department: string;
  reason: string;
  status: TransferStatus;
  proposed_by: string;
  proposed_at: string;
  decided_by: string | null;
  decided_at: string | null;
  decision_note: string | null;
}

const fromRow = (r: TransferRow): OwnershipTransfer => ({
  id: r.id,
  assetId: r.asset_id,
  assetKey: r.asset_key,
  fromDepartment: r.from_department,
  toDepartment: r.to_department,
  reason: r.reason,
  status: r.status,
  proposedBy: r.proposed_by,
  proposedAt: r.proposed_at,
  decidedBy: r.decided_by,
  decidedAt: r.decided_at,
  decisionNote: r.decision_note,
});

export class OwnershipTransferStore implements OwnershipTransferStoreType, OwnershipMapReadModel {
  constructor(private readonly db: Db) {}

  private select(trx: Db | Trx) {
    return trx('ownership_transfers as t').join('data_assets as a', 'a.id', 't.asset_id').select('t.*', 'a.key as asset_key');
  }

  async find(trx: Db | Trx | undefined, assetId: string, transferId: string): Promise<OwnershipTransfer | undefined> {
    const row = (await this.select(trx ?? this.db)
      .where({ 't.id': transferId, 't.asset_id': assetId })
      .first()) as TransferRow | undefined;
    return row && fromRow(row);
  }

  async openTransferOf(trx: Db | Trx, assetId: string): Promise<OwnershipTransfer | undefined> {
    const row = (await this.select(trx).where({ 't.asset_id': assetId, 't.status': 'proposed' }).first()) as TransferRow | undefined;
    return row && fromRow(row);
  }

  /** Every transfer of the asset, newest first. */
  async historyOf(assetId: string, trx: Db | Trx = this.db): Promise<OwnershipTransfer[]> {
    const rows = (await this.select(trx)
      .where('t.asset_id', assetId)
      .orderBy([
        { column: 't.proposed_at', order: 'desc' },
        { column: 't.id', order: 'desc' },
      ])) as TransferRow[];
    return rows.map(fromRow);
  }

  async list(filter: TransferFilter, limit: number): Promise<OwnershipTransfer[]> {
    const q = this.select(this.db)
      .orderBy([
        { column: 't.proposed_at', order: 'desc' },
        { column: 't.id', order: 'desc' },
      ])
      .limit(limit);
    if (filter.status) q.where('t.status', filter.status);
    if (filter.departments) {
      const codes = [...filter.departments];
      if (filter.direction === 'incoming') q.whereIn('t.to_department', codes);
      else if (filter.direction === 'outgoing') q.whereIn('t.from_department', codes);
      else q.where((w) => w.whereIn('t.to_department', codes).orWhereIn('t.from_department', codes));
    }
    if (filter.before) q.whereRaw('(t.proposed_at, t.id) < (?::timestamptz, ?::uuid)', [filter.before.proposedAt, filter.before.id]);
    return ((await q) as TransferRow[]).map(fromRow);
  }

  async insert(trx: Trx, t: OwnershipTransfer): Promise<void> {
    await trx('ownership_transfers').insert({
      id: t.id,
      asset_id: t.assetId,
      from_department: t.fromDepartment,
      to_department: t.toDepartment,
      reason: t.reason,
      status: t.status,
      proposed_by: t.proposedBy,
      proposed_at: t.proposedAt,
      decided_by: t.decidedBy,
      decided_at: t.decidedAt,
      decision_note: t.decisionNote,
    });
  }

  /** Closes an open transfer; false when it was no longer open. */
  async close(trx: Trx, t: OwnershipTransfer): Promise<boolean> {
    const count = await trx('ownership_transfers').where({ id: t.id, status: 'proposed' }).update({
      status: t.status,
      decided_by: t.decidedBy,
      decided_at: t.decidedAt,
      decision_note: t.decisionNote,
    });
    return count === 1;
  }

  /** Every asset of the given departments (all when undefined) with its owner and active field counts by PI category. */
  async map(filter: { departments?: readonly string[]; department?: string; status?: 'active' | 'retired' }): Promise<MapRow[]> {
    const q = this.db('data_assets as a')
      .join('departments as d', 'd.code', 'a.owning_department')
      .leftJoin('data_asset_fields as f', (j) => j.on('f.asset_id', 'a.id').andOnVal('f.status', 'active'))
      .leftJoin('ownership_transfers as t', (j) => j.on('t.asset_id', 'a.id').andOnVal('t.status', 'proposed'))
      .groupBy('a.id', 'd.name', 't.to_department')
      .orderBy([{ column: 'a.owning_department' }, { column: 'a.key' }])
      .select(
        'a.id',
        'a.key',
        'a.name',
        'a.status',
        'a.classification',
        'a.owning_department',
        'd.name as department_name',
        't.to_department as open_transfer_to',
        this.db.raw(`count(f.id) filter (where f.pi_category = 'none') as none_count`),
        this.db.raw(`count(f.id) filter (where f.pi_category = 'personal') as personal_count`),
        this.db.raw(`count(f.id) filter (where f.pi_category = 'sensitive') as sensitive_count`),
        this.db.raw('count(f.id) as total_count'),
      );
    if (filter.departments) q.whereIn('a.owning_department', [...filter.departments]);
    if (filter.department) q.where('a.owning_department', filter.department);
    if (filter.status) q.where('a.status', filter.status);
    const rows = (await q) as Array<{
      id: string;
      key: string;
      name: string;
      status: MapRow['status'];
      classification: number;
      owning_department: string;
      department_name: string;
      open_transfer_to: string | null;
      none_count: number;
      personal_count: number;
      sensitive_count: number;
      total_count: number;
    }>;
    return rows.map((r) => ({
      assetId: r.id,
      key: r.key,
      name: r.name,
      status: r.status,
      classification: r.classification,
      owningDepartment: r.owning_department,
      owningDepartmentName: r.department_name,
      fieldCounts: {
        none: Number(r.none_count),
        personal: Number(r.personal_count),
        sensitive: Number(r.sensitive_count),
        total: Number(r.total_count),
      },
      openTransferTo: r.open_transfer_to,
    }));
  }
}
