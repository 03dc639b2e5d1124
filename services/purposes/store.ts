import type { Db, Trx } from '../db';
import type { LegalBasis, Purpose, PurposeStatus } from './schemas';

interface PurposeRow {
  id: string;
  key: string;
  description: string;
  legal_basis: LegalBasis;
  retention_days: number;
  status: PurposeStatus;
  retired_at: string | null;
  created_at: string;
  updated_at: string;
}

const fromRow = (r: PurposeRow): Purpose => ({
  id: r.id,
  key: r.key,
  description: r.description,
  legalBasis: r.legal_basis,
  retentionDays: r.retention_days,
  status: r.status,
  retiredAt: r.retired_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export interface PurposeFilter {
  legalBasis?: LegalBasis;
  status?: PurposeStatus;
  afterKey?: string;
}

export class PurposeStore {
  constructor(private readonly db: Db) {}

  async findByKey(key: string, trx: Db | Trx = this.db): Promise<Purpose | undefined> {
    const row = (await trx('purposes').where({ key }).first()) as PurposeRow | undefined;
    return row && fromRow(row);
  }

  /** Locks the purpose's row until the transaction ends (changes to one purpose are serialised). */
  async lockByKey(trx: Trx, key: string): Promise<Purpose | undefined> {
    const row = (await trx('purposes').where({ key }).forUpdate().first()) as PurposeRow | undefined;
    return row && fromRow(row);
  }

  /** The status of each listed key that exists; share-locked so a purpose cannot retire while it is being used. */
  async lockStatuses(trx: Trx, keys: readonly string[]): Promise<Map<string, PurposeStatus>> {
    if (keys.length === 0) return new Map();
    const rows = (await trx('purposes')
      .whereIn('key', [...keys])
      .select('key', 'status')
      .forShare()) as Array<{
      key: string;
      status: PurposeStatus;
    }>;
    return new Map(rows.map((r) => [r.key, r.status]));
  }

  /** Approved grants for the purpose that have not ended at `now`: they depend on it staying live. */
  async grantsDependingOn(trx: Trx, key: string, now: string): Promise<string[]> {
    const rows = (await trx('access_grants')
      .where({ purpose_key: key, status: 'approved' })
      .where('valid_until', '>', now)
      .orderBy('id')
      .select('id')) as Array<{
      id: string;
    }>;
    return rows.map((r) => r.id);
  }

  async list(filter: PurposeFilter, limit: number): Promise<Purpose[]> {
    const q = this.db('purposes').orderBy('key').limit(limit);
    if (filter.legalBasis) q.where('legal_basis', filter.legalBasis);
    if (filter.status) q.where('status', filter.status);
    if (filter.afterKey) q.where('key', '>', filter.afterKey);
    return ((await q) as PurposeRow[]).map(fromRow);
  }

  async insert(trx: Trx, p: Purpose): Promise<void> {
    await trx('purposes').insert({
      id: p.id,
      key: p.key,
      description: p.description,
      legal_basis: p.legalBasis,
      retention_days: p.retentionDays,
      status: p.status,
      retired_at: p.retiredAt,
      created_at: p.createdAt,
      updated_at: p.updatedAt,
    });
  }

  async update(trx: Trx, p: Purpose): Promise<void> {
    await trx('purposes').where({ key: p.key }).update({
      description: p.description,
      retention_days: p.retentionDays,
      status: p.status,
      retired_at: p.retiredAt,
      updated_at: p.updatedAt,
    });
  }
}
