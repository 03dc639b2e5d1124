import type { Db, Trx } from '../db';
import type { SensitiveRelease } from './disclosure';
import type { DraftContent, NoticeContent, NoticeDiff, NoticeStatus } from './schemas';
import type { GrantedVendor, NoticeFilter, NoticeRecord, NoticeStoreType, PublishedNotice, ScopeVersions } from './store-type';

export type { GrantedVendor, NoticeFilter, NoticeRecord, PublishedNotice, ScopeVersions } from './store-type';

interface NoticeRow {
  seq: number;
  id: string;
  purpose_key: string;
  app_id: string | null;
  status: NoticeStatus;
  content: DraftContent;
  based_on_version: number | null;
  version: number | null;
  material: boolean | null;
  previous_version: number | null;
  changes: NoticeDiff | null;
  created_by: string;
  created_at: string;
  updated_by: string;
  updated_at: string;
  published_by: string | null;
  published_at: string | null;
}

const fromRow = (r: NoticeRow): NoticeRecord => ({
  seq: r.seq,
  id: r.id,
  purposeKey: r.purpose_key,
  appId: r.app_id,
  status: r.status,
  content: r.content,
  basedOnVersion: r.based_on_version,
  version: r.version,
  material: r.material,
  changes: r.changes,
  createdBy: r.created_by,
  createdAt: r.created_at,
  updatedBy: r.updated_by,
  updatedAt: r.updated_at,
  publishedBy: r.published_by,
  publishedAt: r.published_at,
});

export const GENERAL_SCOPE = '';
export const scopeOf = (appId: string | null): string => appId ?? GENERAL_SCOPE;

export class NoticeStore implements NoticeStoreType {
  constructor(private readonly db: Db) {}

  async get(id: string, trx: Db | Trx = this.db, forUpdate = false): Promise<NoticeRecord | undefined> {
    const q = trx('notices').where({ id }).first();
    if (forUpdate) q.forUpdate();
    const row = (await q) as NoticeRow | undefined;
    return row && fromRow(row);
  }

  async list(filter: NoticeFilter, limit: number): Promise<NoticeRecord[]> {
    const q = this.db('notices').orderBy('seq', 'desc').limit(limit);
    if (filter.purposeKey) q.where('purpose_key', filter.purposeKey);
    if (filter.appId) q.where('app_id', filter.appId);
    if (filter.status) q.where('status', filter.status);
    if (filter.beforeSeq !== undefined) q.where('seq', '<', filter.beforeSeq);
    return ((await q) as NoticeRow[]).map(fromRow);
  }

  /** The open draft of a scope, if any. */
  async draftOf(purposeKey: string, appId: string | null, trx: Db | Trx = this.db): Promise<NoticeRecord | undefined> {
    const q = trx('notices').where({ purpose_key: purposeKey, status: 'draft' }).first();
    if (appId === null) q.whereNull('app_id');
    else q.where('app_id', appId);
    const row = (await q) as NoticeRow | undefined;
    return row && fromRow(row);
  }

  /** The latest published version of exactly this scope. */
  async latestPublished(purposeKey: string, appId: string | null, trx: Db | Trx = this.db): Promise<PublishedNotice | undefined> {
    const q = trx('notices').where({ purpose_key: purposeKey, status: 'published' }).orderBy('version', 'desc').first();
    if (appId === null) q.whereNull('app_id');
    else q.where('app_id', appId);
    const row = (await q) as NoticeRow | undefined;
    return row && (fromRow(row) as PublishedNotice);
  }

  async publishedVersion(purposeKey: string, version: number, trx: Db | Trx = this.db): Promise<PublishedNotice | undefined> {
    const row = (await trx('notices').where({ purpose_key: purposeKey, version, status: 'published' }).first()) as NoticeRow | undefined;
    return row && (fromRow(row) as PublishedNotice);
  }

  async hasPublished(purposeKey: string, appId?: string): Promise<boolean> {
    const q = this.db('notices').where({ purpose_key: purposeKey, status: 'published' }).first('id');
    if (appId === undefined) q.whereNull('app_id');
    else q.where((w) => w.whereNull('app_id').orWhere('app_id', appId));
    return (await q) !== undefined;
  }

  /** Per scope of a purpose: its latest published version and its latest material one. */
  async scopeVersions(purposeKey: string, trx: Db | Trx = this.db): Promise<Map<string, ScopeVersions>> {
    const { rows } = (await trx.raw(
      `select coalesce(app_id::text, '') as scope,
              max(version) as latest,
              max(version) filter (where material) as latest_material
         from notices
        where purpose_key = ? and status = 'published'
        group by 1`,
      [purposeKey],
    )) as { rows: Array<{ scope: string; latest: number; latest_material: number }> };
    return new Map(rows.map((r) => [r.scope, { latest: Number(r.latest), latestMaterial: Number(r.latest_material) }]));
  }

  /** Serialises publications of one purpose (versions are numbered per purpose) until the transaction ends. */
  async lockPurpose(trx: Trx, purposeKey: string): Promise<void> {
    await lockPurposeNotices(trx, purposeKey);
  }

  /** Sensitive fields that approved grants under the purpose release now or later (not ended at `now`), with those grants. */
  async sensitiveReleases(trx: Trx, purposeKey: string, now: string): Promise<SensitiveRelease[]> {
    const { rows } = (await trx.raw(
      `select a.key as asset_key, f.name as field, array_agg(g.id::text order by g.id) as grant_ids
         from access_grants g
         join data_assets a on a.id = g.asset_id
         cross join lateral unnest(g.fields) as gf(name)
         join data_asset_fields f on f.asset_id = g.asset_id and f.name = gf.name
        where g.purpose_key = ? and g.status = 'approved' and g.valid_until > ? and f.pi_category = 'sensitive'
        group by a.key, f.name
        order by a.key, f.name`,
      [purposeKey, now],
    )) as { rows: Array<{ asset_key: string; field: string; grant_ids: string[] }> };
    return rows.map((r) => ({ assetKey: r.asset_key, field: r.field, grantIds: r.grant_ids }));
  }

  async maxVersion(trx: Trx, purposeKey: string): Promise<number> {
    const row = (await trx('notices').where({ purpose_key: purposeKey }).max({ v: 'version' }).first()) as { v: number | null } | undefined;
    return Number(row?.v ?? 0);
  }

  async insert(trx: Trx, n: NoticeRecord): Promise<void> {
    await trx('notices').insert({
      id: n.id,
      purpose_key: n.purposeKey,
      app_id: n.appId,
      status: n.status,
      content: JSON.stringify(n.content),
      based_on_version: n.basedOnVersion,
      version: n.version,
      material: n.material,
      changes: n.changes === null ? null : JSON.stringify(n.changes),
      created_by: n.createdBy,
      created_at: n.createdAt,
      updated_by: n.updatedBy,
      updated_at: n.updatedAt,
      published_by: n.publishedBy,
      published_at: n.publishedAt,
    });
  }

  /** Writes a draft's content, or turns it into a published version (the database refuses any change to a published row). */
  async update(trx: Trx, n: NoticeRecord): Promise<void> {
    await trx('notices')
      .where({ id: n.id, status: 'draft' })
      .update({
        status: n.status,
        content: JSON.stringify(n.content),
        version: n.version,
        material: n.material,
        previous_version: n.changes?.againstVersion ?? null,
        changes: n.changes === null ? null : JSON.stringify(n.changes),
        updated_by: n.updatedBy,
        updated_at: n.updatedAt,
        published_by: n.publishedBy,
        published_at: n.publishedAt,
      });
  }

  async deleteDraft(trx: Trx, id: string): Promise<void> {
    await trx('notices').where({ id, status: 'draft' }).delete();
  }

  /** The ledger state of an app, or undefined when the ledger has no such app. */
  async appState(appId: string, trx: Db | Trx = this.db): Promise<string | undefined> {
    const row = (await trx('apps').where({ id: appId }).first('lifecycle_state')) as { lifecycle_state: string } | undefined;
    return row?.lifecycle_state;
  }

  /** Vendors whose grants for the purpose are approved and in their window at `now`, with the fields granted. */
  async grantedVendors(purposeKey: string, now: string, trx: Db | Trx = this.db): Promise<GrantedVendor[]> {
    const { rows } = (await trx.raw(
      `select v.id as vendor_id, v.name, array_agg(distinct f order by f) as fields
         from access_grants g
         join vendors v on v.id = g.vendor_id
         cross join lateral unnest(g.fields) as f
        where g.purpose_key = ? and g.status = 'approved' and g.valid_from <= ? and g.valid_until > ?
        group by v.id, v.name
        order by v.name`,
      [purposeKey, now, now],
    )) as { rows: Array<{ vendor_id: string; name: string; fields: string[] }> };
    return rows.map((r) => ({ vendorId: r.vendor_id, name: r.name, fields: r.fields }));
  }
}

/**
 * Serialises, per purpose, what must not interleave: publications (versions are numbered per
 * purpose) and grant approvals that check the purpose's notices disclose what they release.
 */
export async function lockPurposeNotices(trx: Trx, purposeKey: string): Promise<void> {
  await trx.raw(`select pg_advisory_xact_lock(hashtext('notices:' || ?))`, [purposeKey]);
}

/** The latest published version of each scope of a purpose (its general notice and app notices). */
export interface CurrentNotice {
  readonly id: string;
  readonly appId: string | null;
  readonly version: number;
  readonly sensitivePiCategories: NonNullable<NoticeContent['sensitivePiCategories']>;
}

export async function currentNoticesOf(trx: Db | Trx, purposeKey: string): Promise<CurrentNotice[]> {
  const rows = (await trx('notices as n')
    .where({ 'n.purpose_key': purposeKey, 'n.status': 'published' })
    .whereRaw(
      `n.version = (select max(m.version) from notices m where m.purpose_key = n.purpose_key and m.status = 'published' and m.app_id is not distinct from n.app_id)`,
    )
    .orderBy('n.version')
    .select(
      'n.id',
      'n.app_id',
      'n.version',
      trx.raw(`coalesce(n.content -> 'sensitivePiCategories', '[]'::jsonb) as sensitive`),
    )) as Array<{
    id: string;
    app_id: string | null;
    version: number;
    sensitive: CurrentNotice['sensitivePiCategories'];
  }>;
  return rows.map((r) => ({ id: r.id, appId: r.app_id, version: Number(r.version), sensitivePiCategories: r.sensitive }));
}
