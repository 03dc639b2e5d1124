import type { Db, Trx } from '../db';
import { rowMapper } from '../platform/row-mapper';
import type { Purpose, PurposeStatus } from './schemas';
import type { PurposeFilter, PurposeStoreType } from './store-type';

interface PurposeRow {
  id: string;
  key: string;
  description: string;
  legal_basis: Purpose['legalBasis'];
  retention_days: number;
  status: PurposeStatus;
  retired_at: string | null;
  created_at: string;
  updated_at: string;
}

const rows = rowMapper<Purpose, PurposeRow>({
  id: 'id',
  key: 'key',
  description: 'description',
  legalBasis: 'legal_basis',
  retentionDays: 'retention_days',
  status: 'status',
  retiredAt: 'retired_at',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
});

export class PurposeStore implements PurposeStoreType {
  constructor(private readonly db: Db) {}

  async findByKey(key: string, trx: Db | Trx = this.db): Promise<Purpose | undefined> {
    const row = await trx<PurposeRow>('purposes').where({ key }).first();
    return row && rows.fromRow(row);
  }

  async lockByKey(trx: Trx, key: string): Promise<Purpose | undefined> {
    const row = await trx<PurposeRow>('purposes').where({ key }).forUpdate().first();
    return row && rows.fromRow(row);
  }

  async lockStatuses(trx: Trx, keys: readonly string[]): Promise<Map<string, PurposeStatus>> {
    if (keys.length === 0) return new Map();
    const found = await trx<PurposeRow>('purposes')
      .whereIn('key', [...keys])
      .select('key', 'status')
      .forShare();
    return new Map(found.map((r) => [r.key, r.status]));
  }

  async grantsDependingOn(trx: Trx, key: string, now: string): Promise<string[]> {
    const found = await trx<{ id: string; purpose_key: string; status: string; valid_until: string }>('access_grants')
      .where({ purpose_key: key, status: 'approved' })
      .where('valid_until', '>', now)
      .orderBy('id')
      .select('id');
    return found.map((r) => r.id);
  }

  async list(filter: PurposeFilter, limit: number): Promise<Purpose[]> {
    const q = this.db<PurposeRow>('purposes').orderBy('key').limit(limit);
    if (filter.legalBasis) q.where('legal_basis', filter.legalBasis);
    if (filter.status) q.where('status', filter.status);
    if (filter.afterKey) q.where('key', '>', filter.afterKey);
    return (await q).map(rows.fromRow);
  }

  async insert(trx: Trx, p: Purpose): Promise<void> {
    await trx<PurposeRow>('purposes').insert(rows.toRow(p));
  }

  async update(trx: Trx, p: Purpose): Promise<void> {
    await trx<PurposeRow>('purposes').where({ key: p.key }).update({
      description: p.description,
      retention_days: p.retentionDays,
      status: p.status,
      retired_at: p.retiredAt,
      updated_at: p.updatedAt,
    });
  }
}
