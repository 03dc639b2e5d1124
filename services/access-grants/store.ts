import { deleteLines, insertLines, selectLines, type PolicyLine } from '../authz';
import type { Db, Trx } from '../db';
import { currentNoticesOf, lockPurposeNotices, type CurrentNotice } from '../notices/store';
import { rowMapper } from '../platform/row-mapper';
import type { AssessmentView, GrantSubjects } from './grantability';
import type { GrantAction, RowScope } from './schemas';
import type { AccessGrantStoreType, GrantFilter, GrantRecord } from './store-type';

export type { GrantFilter, GrantRecord } from './store-type';

interface GrantRow {
  id: string;
  vendor_id: string;
  asset_id: string;
  fields: string[];
  actions: GrantAction[];
  purpose_key: string;
  valid_from: string;
  valid_until: string;
  row_scope: RowScope | null;
  daily_record_cap: number | null;
  justification: string;
  sensitive: boolean;
  status: GrantRecord['status'];
  requested_by: string;
  requested_at: string;
  owner_approved_by: string | null;
  owner_approved_at: string | null;
  privacy_approved_by: string | null;
  privacy_approved_at: string | null;
  decided_by: string | null;
  decided_at: string | null;
  decision_reason: string | null;
  last_used_at: string | null;
}

/** A grant as the decision engine keeps it: what a decision needs beyond the grant's policy lines. */
export type GrantTerms = Pick<GrantRecord, 'id' | 'vendorId' | 'purposeKey' | 'rowScope' | 'dailyRecordCap'>;

const rows = rowMapper<GrantRecord, GrantRow>({
  id: 'id',
  vendorId: 'vendor_id',
  assetId: 'asset_id',
  fields: 'fields',
  actions: 'actions',
  purposeKey: 'purpose_key',
  validFrom: 'valid_from',
  validUntil: 'valid_until',
  rowScope: 'row_scope',
  dailyRecordCap: 'daily_record_cap',
  justification: 'justification',
  sensitive: 'sensitive',
  status: 'status',
  requestedBy: 'requested_by',
  requestedAt: 'requested_at',
  ownerApprovedBy: 'owner_approved_by',
  ownerApprovedAt: 'owner_approved_at',
  privacyApprovedBy: 'privacy_approved_by',
  privacyApprovedAt: 'privacy_approved_at',
  decidedBy: 'decided_by',
  decidedAt: 'decided_at',
  decisionReason: 'decision_reason',
  lastUsedAt: 'last_used_at',
});
const fromRow = rows.fromRow;
const toRow = rows.toRow;

export interface RetiredSubjects {
  readonly assets: readonly string[];
  readonly fields: ReadonlyArray<{ readonly assetId: string; readonly name: string }>;
  readonly purposes: readonly string[];
}

/** Casbin lines of one grant: one per field × action (policies/vendor_access.conf). */
export function grantLines(g: GrantRecord): PolicyLine[] {
  const lines: PolicyLine[] = [];
  for (const field of g.fields) {
    for (const action of g.actions) {
      lines.push([g.vendorId, g.assetId, field, action, g.purposeKey, g.validFrom, g.validUntil, g.id]);
    }
  }
  return lines;
}

export class AccessGrantStore implements AccessGrantStoreType {
  constructor(private readonly db: Db) {}

  async insert(trx: Trx, g: GrantRecord): Promise<void> {
    await trx('access_grants').insert({ ...toRow(g), row_scope: g.rowScope === null ? null : JSON.stringify(g.rowScope) });
  }

  async update(trx: Trx, g: GrantRecord): Promise<void> {
    const { id, ...rest } = toRow(g);
    await trx('access_grants')
      .where({ id })
      .update({ ...rest, row_scope: g.rowScope === null ? null : JSON.stringify(g.rowScope) });
  }

  async get(id: string, trx: Db | Trx = this.db, forUpdate = false): Promise<GrantRecord | undefined> {
    const q = trx<GrantRow>('access_grants').where({ id }).first();
    if (forUpdate) q.forUpdate();
    const row = await q;
    return row && fromRow(row);
  }

  async list(filter: GrantFilter, limit: number): Promise<GrantRecord[]> {
    const q = this.db('access_grants as g').select('g.*').orderBy('g.id').limit(limit);
    if (filter.vendorId) q.where('g.vendor_id', filter.vendorId);
    if (filter.assetId) q.where('g.asset_id', filter.assetId);
    if (filter.purposeKey) q.where('g.purpose_key', filter.purposeKey);
    if (filter.afterId) q.where('g.id', '>', filter.afterId);
    if (filter.departments) {
      q.join('data_assets as a', 'a.id', 'g.asset_id').whereIn('a.owning_department', [...filter.departments]);
    }
    switch (filter.status) {
      case undefined:
        break;
      case 'approved':
        q.where('g.status', 'approved').where('g.valid_from', '>', filter.now);
        break;
      case 'active':
        q.where('g.status', 'approved').where('g.valid_from', '<=', filter.now).where('g.valid_until', '>', filter.now);
        break;
      case 'expired':
        q.where('g.status', 'approved').where('g.valid_until', '<=', filter.now);
        break;
      default:
        q.where('g.status', filter.status);
    }
    return ((await q) as GrantRow[]).map(fromRow);
  }

  /**
   * The grant's asset, fields and purpose inside an approval, share-locked: a retirement (which
   * locks the row for update) waits for the approval to commit, or the approval sees it retired.
   */
  async lockSubjects(trx: Trx, assetId: string, purposeKey: string): Promise<GrantSubjects> {
    const asset = await trx<{ id: string; key: string; status: string }>('data_assets')
      .where({ id: assetId })
      .forShare()
      .first('key', 'status');
    const fields = await trx<{ asset_id: string; name: string; pi_category: string; status: string }>('data_asset_fields')
      .where({ asset_id: assetId })
      .select('name', 'pi_category', 'status');
    const purpose = await trx<{ key: string; status: string; legal_basis: string }>('purposes')
      .where({ key: purposeKey })
      .forShare()
      .first('status', 'legal_basis');
    return {
      asset,
      fields: fields.map((f) => ({ name: f.name, piCategory: f.pi_category, status: f.status })),
      purpose: purpose && { status: purpose.status, legalBasis: purpose.legal_basis },
    };
  }

  /** The vendor's latest security assessment (null when none is on record). */
  async securityAssessmentOf(trx: Trx, vendorId: string): Promise<AssessmentView | null> {
    const row = await trx<{ id: string; security_assessment: AssessmentView | null }>('vendors')
      .where({ id: vendorId })
      .first('security_assessment');
    return row?.security_assessment ?? null;
  }

  /** The purpose's current notices, after taking its notice lock (publications wait for this approval, or it sees them). */
  async lockCurrentNotices(trx: Trx, purposeKey: string): Promise<CurrentNotice[]> {
    await lockPurposeNotices(trx, purposeKey);
    return currentNoticesOf(trx, purposeKey);
  }

  /** Approved grants of one vendor that have not ended (used by the kill switch). */
  async liveOfVendor(trx: Trx, vendorId: string): Promise<GrantRecord[]> {
    const live = await trx<GrantRow>('access_grants')
      .where({ vendor_id: vendorId })
      .whereIn('status', ['requested', 'approved'])
      .forUpdate();
    return live.map(fromRow);
  }

  /** Every retired asset, field and purpose (few): the decision engine never allows them, whatever a line says. */
  async retiredSubjects(): Promise<RetiredSubjects> {
    const assets = (await this.db('data_assets').where({ status: 'retired' }).select('id')) as Array<{ id: string }>;
    const fields = (await this.db('data_asset_fields').where({ status: 'retired' }).select('asset_id', 'name')) as Array<{
      asset_id: string;
      name: string;
    }>;
    const purposes = (await this.db('purposes').where({ status: 'retired' }).select('key')) as Array<{ key: string }>;
    return {
      assets: assets.map((a) => a.id),
      fields: fields.map((f) => ({ assetId: f.asset_id, name: f.name })),
      purposes: purposes.map((p) => p.key),
    };
  }

  /** What the decision engine keeps of each approved grant whose window has not closed (only the columns it needs). */
  async liveGrantTerms(now: string, vendorId?: string): Promise<GrantTerms[]> {
    const q = this.db('access_grants')
      .where('status', 'approved')
      .where('valid_until', '>', now)
      .select('id', 'vendor_id', 'purpose_key', 'row_scope', 'daily_record_cap');
    if (vendorId) q.where('vendor_id', vendorId);
    const rows = (await q) as Array<Pick<GrantRow, 'id' | 'vendor_id' | 'purpose_key' | 'row_scope' | 'daily_record_cap'>>;
    return rows.map((r) => ({
      id: r.id,
      vendorId: r.vendor_id,
      purposeKey: r.purpose_key,
      rowScope: r.row_scope,
      dailyRecordCap: r.daily_record_cap,
    }));
  }

  async addLines(trx: Trx, lines: readonly PolicyLine[]): Promise<void> {
    await insertLines(trx, 'p', lines);
  }

  async removeLines(trx: Trx, lines: readonly PolicyLine[]): Promise<void> {
    await deleteLines(trx, 'p', lines);
  }

  /** Every vendor-access line of one vendor, or of all vendors, a page at a time by id. */
  async linesOfVendor(vendorId: string): Promise<string[][]> {
    const rows = await selectLines(this.db, { ptypes: ['p'], v0: [vendorId] });
    return rows.map((r) => [r.v0, r.v1, r.v2, r.v3, r.v4, r.v5, r.v6, r.v7]);
  }

  /** Rows come back as arrays, not objects: the decision engine reads a million of these at start-up. */
  async linesPage(afterId: number, size: number): Promise<Array<{ id: number; line: string[] }>> {
    const rows = (await this.db('casbin_rule')
      .where('ptype', 'p')
      .where('id', '>', afterId)
      .orderBy('id')
      .limit(size)
      .select('id', 'v0', 'v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'v7')
      .options({ rowMode: 'array' })) as unknown[][] | Array<Record<string, unknown>>;
    // PGlite answers with objects whatever the mode; PostgreSQL with [id, v0, …, v7].
    return rows.map((r) => {
      const values = Array.isArray(r) ? r : [r.id, r.v0, r.v1, r.v2, r.v3, r.v4, r.v5, r.v6, r.v7];
      return { id: Number(values[0]), line: values.slice(1) as string[] };
    });
  }

  async usageToday(day: string, grantIds?: readonly string[]): Promise<Map<string, number>> {
    const q = this.db('access_grant_usage').where({ day }).select('grant_id', 'records');
    if (grantIds) q.whereIn('grant_id', [...grantIds]);
    const rows = (await q) as Array<{ grant_id: string; records: number }>;
    return new Map(rows.map((r) => [r.grant_id, r.records]));
  }
}
