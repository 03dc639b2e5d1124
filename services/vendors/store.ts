import type { Knex } from 'knex';
import type { Db, Trx } from '../db';
import type { VendorFilter, VendorHistoryEntry, VendorStoreType } from './store-type';
import type { SecurityAssessment, Vendor, VendorContact, VendorSnapshot, VendorStatus, VendorStatusHistoryEntry } from './schemas';

interface VendorRow {
  id: string;
  name: string;
  unified_social_credit_code: string | null;
  contacts: VendorContact[];
  contract_reference: string;
  contract_starts_at: string;
  contract_ends_at: string;
  security_assessment: SecurityAssessment | null;
  status: VendorStatus;
  status_reason: string | null;
  status_changed_at: string;
  status_changed_by: string;
  created_at: string;
  updated_at: string;
  purposes: string[];
}

interface HistoryRow {
  id: number;
  from_status: VendorStatus | null;
  to_status: VendorStatus;
  reason: string | null;
  actor: string;
  at: string;
}

const fromRow = (r: VendorRow): Vendor => ({
  id: r.id,
  name: r.name,
  unifiedSocialCreditCode: r.unified_social_credit_code,
  contacts: r.contacts,
  contract: { reference: r.contract_reference, startsAt: r.contract_starts_at, endsAt: r.contract_ends_at, purposes: r.purposes },
  securityAssessment: r.security_assessment,
  status: r.status,
  statusReason: r.status_reason,
  statusChangedAt: r.status_changed_at,
  statusChangedBy: r.status_changed_by,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toRow = (v: Vendor) => ({
  id: v.id,
  name: v.name,
  unified_social_credit_code: v.unifiedSocialCreditCode,
  contacts: JSON.stringify(v.contacts),
  contract_reference: v.contract.reference,
  contract_starts_at: v.contract.startsAt,
  contract_ends_at: v.contract.endsAt,
  security_assessment: v.securityAssessment === null ? null : JSON.stringify(v.securityAssessment),
  status: v.status,
  status_reason: v.statusReason,
  status_changed_at: v.statusChangedAt,
  status_changed_by: v.statusChangedBy,
  created_at: v.createdAt,
  updated_at: v.updatedAt,
});

// The contract's purposes, aggregated next to each vendor row (json, so both engines return an array).
const PURPOSES = `(select coalesce(json_agg(cp.purpose_key order by cp.purpose_key), '[]'::json)
  from vendor_contract_purposes cp where cp.vendor_id = vendors.id) as purposes`;

export class VendorStore implements VendorStoreType {
  constructor(private readonly db: Db) {}

  private select(trx: Db | Trx): Knex.QueryBuilder {
    return trx('vendors').select('vendors.*', trx.raw(PURPOSES));
  }

  async findById(id: string, trx: Db | Trx = this.db): Promise<Vendor | undefined> {
    const row = (await this.select(trx).where('vendors.id', id).first()) as VendorRow | undefined; // typed by hand: purposes is computed (PURPOSES)
    return row && fromRow(row);
  }

  /** Locks the vendor's row until the transaction ends, so status changes and edits are serialised. */
  async lockById(trx: Trx, id: string): Promise<Vendor | undefined> {
    await trx('vendors').where({ id }).forUpdate().first('id');
    return this.findById(id, trx);
  }

  async findIdByName(trx: Db | Trx, name: string): Promise<string | undefined> {
    const row = await trx<VendorRow>('vendors').where({ name }).first('id');
    return row?.id;
  }

  async findIdByCreditCode(trx: Db | Trx, code: string): Promise<string | undefined> {
    const row = await trx<VendorRow>('vendors').where({ unified_social_credit_code: code }).first('id');
    return row?.id;
  }

  async list(filter: VendorFilter, limit: number): Promise<Vendor[]> {
    const q = this.select(this.db)
      .orderBy([{ column: 'vendors.created_at' }, { column: 'vendors.id' }])
      .limit(limit);
    if (filter.status) q.where('vendors.status', filter.status);
    if (filter.purpose) {
      q.whereExists((sub) =>
        sub.select(1).from('vendor_contract_purposes').whereRaw('vendor_id = vendors.id').where('purpose_key', filter.purpose),
      );
    }
    if (filter.after) q.whereRaw('(vendors.created_at, vendors.id) > (?, ?)', [filter.after.createdAt, filter.after.id]);
    return ((await q) as VendorRow[]).map(fromRow);
  }

  async insert(trx: Trx, v: Vendor): Promise<void> {
    await trx('vendors').insert(toRow(v));
    await this.replacePurposes(trx, v.id, v.contract.purposes);
  }

  async update(trx: Trx, v: Vendor): Promise<void> {
    const { id: _id, created_at: _created, ...changes } = toRow(v);
    await trx('vendors').where({ id: v.id }).update(changes);
  }

  async replacePurposes(trx: Trx, vendorId: string, purposes: readonly string[]): Promise<void> {
    await trx('vendor_contract_purposes').where({ vendor_id: vendorId }).delete();
    if (purposes.length > 0) {
      await trx('vendor_contract_purposes').insert(purposes.map((key) => ({ vendor_id: vendorId, purpose_key: key })));
    }
  }

  async appendHistory(trx: Trx, vendorId: string, entry: VendorHistoryEntry): Promise<void> {
    await trx('vendor_status_history').insert({
      vendor_id: vendorId,
      from_status: entry.from,
      to_status: entry.to,
      reason: entry.reason,
      actor: entry.actor,
      at: entry.at,
    });
  }

  async history(vendorId: string, afterId: number | undefined, limit: number): Promise<VendorStatusHistoryEntry[]> {
    const q = this.db<HistoryRow & { vendor_id: string }>('vendor_status_history')
      .where({ vendor_id: vendorId })
      .orderBy('id')
      .limit(limit);
    if (afterId !== undefined) q.where('id', '>', afterId);
    const rows = await q;
    return rows.map((r) => ({ id: r.id, fromStatus: r.from_status, toStatus: r.to_status, reason: r.reason, actor: r.actor, at: r.at }));
  }

  /** Every vendor's status, contract window and contract purposes (for in-memory decision snapshots). */
  async snapshots(id?: string): Promise<VendorSnapshot[]> {
    const q = this.db('vendors').select('id', 'status', 'contract_starts_at', 'contract_ends_at', this.db.raw(PURPOSES)).orderBy('id');
    if (id !== undefined) q.where({ id });
    const rows = (await q) as Array<Pick<VendorRow, 'id' | 'status' | 'contract_starts_at' | 'contract_ends_at' | 'purposes'>>;
    return rows.map((r) => ({
      id: r.id,
      status: r.status,
      contractStartsAt: r.contract_starts_at,
      contractEndsAt: r.contract_ends_at,
      purposes: r.purposes,
    }));
  }
}
