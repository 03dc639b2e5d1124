import type { Db, Trx } from '../../db';
import { isoInstant } from '../../platform/row-mapper';
import type { NoticeThirdParty } from './disclosure';
import type { AppSdk } from './schemas';
import type { AppSdkStoreType, PublishedThirdParties } from './store-type';

interface SdkRow {
  id: string;
  app_id: string;
  release: string;
  name: string;
  provider: string;
  version: string;
  pi_categories: string[] | string;
  purpose_key: string | null;
  contract_covered: boolean;
  vendor_id: string | null;
  declared_by: string;
  declared_at: Date | string;
  approved_by: string | null;
  approved_at: Date | string | null;
}

function fromRow(r: SdkRow): AppSdk {
  const piCategories = typeof r.pi_categories === 'string' ? (JSON.parse(r.pi_categories) as string[]) : r.pi_categories;
  return {
    id: r.id,
    appId: r.app_id,
    release: r.release,
    name: r.name,
    provider: r.provider,
    version: r.version,
    piCategories,
    purpose: r.purpose_key,
    contractCovered: r.contract_covered,
    vendorId: r.vendor_id,
    declaredBy: r.declared_by,
    declaredAt: isoInstant(r.declared_at),
    approvedBy: r.approved_by,
    approvedAt: r.approved_at === null ? null : isoInstant(r.approved_at),
    needsApproval: piCategories.length > 0 && r.approved_by === null,
  };
}

/** The apps' third-party components, and the notices that disclose them. */
export class AppSdkStore implements AppSdkStoreType {
  constructor(private readonly db: Db) {}

  async list(appIds: readonly string[], trx: Db | Trx = this.db): Promise<AppSdk[]> {
    if (appIds.length === 0) return [];
    const rows = (await trx('app_sdks')
      .whereIn('app_id', [...appIds])
      .orderBy(['release', 'name', 'version', 'id'])) as SdkRow[];
    return rows.map(fromRow);
  }

  async find(appId: string, id: string, trx: Db | Trx = this.db, forUpdate = false): Promise<AppSdk | undefined> {
    const q = trx('app_sdks').where({ app_id: appId, id }).first();
    if (forUpdate) q.forUpdate();
    const row = (await q) as SdkRow | undefined;
    return row && fromRow(row);
  }

  async count(trx: Trx, appId: string): Promise<number> {
    const [row] = (await trx('app_sdks').where({ app_id: appId }).count({ n: '*' })) as Array<{ n: number | string }>;
    return Number(row.n);
  }

  async exists(trx: Trx, appId: string, s: Pick<AppSdk, 'release' | 'name' | 'version'>): Promise<boolean> {
    return (await trx('app_sdks').where({ app_id: appId, release: s.release, name: s.name, version: s.version }).first('id')) !== undefined;
  }

  async insert(trx: Trx, s: AppSdk): Promise<void> {
    await trx('app_sdks').insert({
      id: s.id,
      app_id: s.appId,
      release: s.release,
      name: s.name,
      provider: s.provider,
      version: s.version,
      pi_categories: JSON.stringify(s.piCategories),
      purpose_key: s.purpose,
      contract_covered: s.contractCovered,
      vendor_id: s.vendorId,
      declared_by: s.declaredBy,
      declared_at: s.declaredAt,
    });
  }

  async approve(trx: Trx, id: string, by: string, at: string): Promise<void> {
    await trx('app_sdks').where({ id }).update({ approved_by: by, approved_at: at });
  }

  /** The third parties of the latest published general notice of each purpose, and of each app's own. */
  async publishedThirdParties(
    purposeKeys: readonly string[],
    appIds: readonly string[],
    trx: Db | Trx = this.db,
  ): Promise<PublishedThirdParties[]> {
    if (purposeKeys.length === 0) return [];
    const rows = (await trx('notices')
      .distinctOn(['purpose_key', 'app_id'])
      .select('purpose_key', 'app_id', trx.raw(`content -> 'thirdParties' as third_parties`))
      .where({ status: 'published' })
      .whereIn('purpose_key', [...purposeKeys])
      .where((w) => (appIds.length > 0 ? w.whereNull('app_id').orWhereIn('app_id', [...appIds]) : w.whereNull('app_id')))
      .orderBy([{ column: 'purpose_key' }, { column: 'app_id' }, { column: 'version', order: 'desc' }])) as Array<{
      purpose_key: string;
      app_id: string | null;
      third_parties: NoticeThirdParty[] | string | null;
    }>;
    return rows.map((r) => ({
      purposeKey: r.purpose_key,
      appId: r.app_id,
      thirdParties: (typeof r.third_parties === 'string' ? (JSON.parse(r.third_parties) as NoticeThirdParty[]) : r.third_parties) ?? [],
    }));
  }

  /** Apps in service (released, operating or consolidating), by name. */
  async appsInService(): Promise<Array<{ id: string }>> {
    return (await this.db('apps')
      .whereIn('lifecycle_state', ['released', 'operating', 'consolidating'])
      .orderByRaw('lower(name), id')
      .select('id')) as Array<{ id: string }>;
  }
}
