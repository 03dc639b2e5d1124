import type { Knex } from 'knex';
import type { Db, Trx } from '../db';
import { rowMapper } from '../platform/row-mapper';
import { APP_STATES, LIVE_STATES, type AppState } from './lifecycle';
import type { App, AppDataUse, AppTransition, ThirdPartySdk } from './schemas';
import type { AppFilter, AppStoreType } from './store-type';

export type { AppFilter, AppStoreType } from './store-type';

interface AppRow {
  id: string;
  name: string;
  kind: App['kind'];
  platform: string | null;
  audience: App['audience'];
  lead_department: string;
  owning_department: string;
  responsible_person: string;
  business_owner: string | null;
  technology_owner: string | null;
  filing_number: string | null;
  monthly_active_users: number;
  satisfaction: number | null;
  business_scenarios: string[];
  third_party_sdks: ThirdPartySdk[];
  lifecycle_state: AppState;
  created_by: string;
  created_at: string;
  updated_at: string;
}

const apps = rowMapper<App, AppRow>({
  id: 'id',
  name: 'name',
  kind: 'kind',
  platform: 'platform',
  audience: 'audience',
  leadDepartment: 'lead_department',
  owningDepartment: 'owning_department',
  responsiblePerson: 'responsible_person',
  businessOwner: 'business_owner',
  technologyOwner: 'technology_owner',
  filingNumber: 'filing_number',
  monthlyActiveUsers: 'monthly_active_users',
  satisfaction: 'satisfaction',
  businessScenarios: 'business_scenarios',
  thirdPartySdks: 'third_party_sdks',
  lifecycleState: 'lifecycle_state',
  createdBy: 'created_by',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
});
const fromRow = apps.fromRow;
// pg turns JS arrays into SQL arrays; jsonb needs the JSON text.
const toRow = (a: App) => ({ ...apps.toRow(a), third_party_sdks: JSON.stringify(a.thirdPartySdks) });

interface TransitionRow {
  id: string;
  app_id: string;
  from_state: AppState;
  to_state: AppState;
  note: string | null;
  disposal: AppTransition['disposal'];
  release_evidence: AppTransition['releaseEvidence'];
  transitioned_by: string;
  transitioned_at: string;
}

const transitions = rowMapper<AppTransition, TransitionRow>({
  id: 'id',
  from: 'from_state',
  to: 'to_state',
  note: 'note',
  disposal: 'disposal',
  releaseEvidence: 'release_evidence',
  transitionedBy: 'transitioned_by',
  transitionedAt: 'transitioned_at',
});

interface DataUseRow {
  id: string;
  app_id: string;
  asset_id: string;
  asset_key: string;
  fields: string[];
  purpose_key: string;
  created_by: string;
  created_at: string;
}

const dataUseFromRow = (r: DataUseRow): AppDataUse => ({
  id: r.id,
  appId: r.app_id,
  asset: { id: r.asset_id, key: r.asset_key },
  fields: r.fields,
  purpose: r.purpose_key,
  createdBy: r.created_by,
  createdAt: r.created_at,
});

/** Rows after the row with id `afterId` in the order of `columns` (SQL expressions, id last), for keyset paging. */
export function afterRow(q: Knex.QueryBuilder, table: string, columns: string, direction: '>' | '<', afterId: string | undefined): void {
  if (afterId !== undefined) q.whereRaw(`(${columns}) ${direction} (select ${columns} from ${table} where id = ?)`, [afterId]);
}

/** Newest first by `columns` (id last), after the row with id `afterId`: the order and the keyset of one page agree. */
export function newestFirstAfter(q: Knex.QueryBuilder, table: string, columns: readonly string[], afterId: string | undefined): void {
  q.orderBy(columns.map((column) => ({ column, order: 'desc' })));
  afterRow(q, table, columns.join(', '), '<', afterId);
}

/** The app ledger, its transition history and its data uses. */
export class AppStore implements AppStoreType {
  constructor(private readonly db: Db) {}

  async insert(trx: Trx, app: App): Promise<void> {
    await trx('apps').insert(toRow(app));
  }

  async update(trx: Trx, app: App): Promise<void> {
    const { id, created_by: _createdBy, created_at: _createdAt, ...rest } = toRow(app);
    await trx('apps').where({ id }).update(rest);
  }

  async find(id: string, trx: Db | Trx = this.db, forUpdate = false): Promise<App | undefined> {
    const q = trx<AppRow>('apps').where({ id }).first();
    if (forUpdate) q.forUpdate();
    const row = await q;
    return row && fromRow(row);
  }

  async owningDepartment(id: string): Promise<string | undefined> {
    const row = await this.db<AppRow>('apps').where({ id }).first('owning_department');
    return row?.owning_department;
  }

  async list(filter: AppFilter, limit: number): Promise<App[]> {
    const q = this.db<AppRow>('apps').orderByRaw('lower(name), id').limit(limit);
    if (filter.kind) q.where('kind', filter.kind);
    if (filter.audience) q.where('audience', filter.audience);
    if (filter.lifecycleState) q.where('lifecycle_state', filter.lifecycleState);
    if (filter.owningDepartment) q.where('owning_department', filter.owningDepartment);
    if (filter.leadDepartment) q.where('lead_department', filter.leadDepartment);
    if (filter.businessScenario) q.whereRaw('? = any(business_scenarios)', [filter.businessScenario]);
    if (filter.departments) q.whereIn('owning_department', [...filter.departments]);
    afterRow(q, 'apps', 'lower(name), id', '>', filter.afterId);
    return (await q).map(fromRow);
  }

  /** Apps not retired, by name. */
  async notRetired(trx: Db | Trx = this.db): Promise<App[]> {
    const rows = await trx<AppRow>('apps').whereNot('lifecycle_state', 'retired').orderByRaw('lower(name), id');
    return rows.map(fromRow);
  }

  /** Apps in service (released, operating, consolidating), by name. */
  async live(trx: Db | Trx = this.db): Promise<App[]> {
    const rows = await trx<AppRow>('apps')
      .whereIn('lifecycle_state', [...LIVE_STATES])
      .orderByRaw('lower(name), id');
    return rows.map(fromRow);
  }

  async transitionsOf(appId: string, trx: Db | Trx = this.db): Promise<AppTransition[]> {
    const rows = await trx<TransitionRow>('app_transitions').where({ app_id: appId });
    // The lifecycle is linear, so the target state orders the history exactly, even within one millisecond.
    return rows.sort((a, b) => APP_STATES.indexOf(a.to_state) - APP_STATES.indexOf(b.to_state)).map(transitions.fromRow);
  }

  async insertTransition(trx: Trx, appId: string, t: AppTransition): Promise<void> {
    await trx('app_transitions').insert({
      ...transitions.toRow(t),
      app_id: appId,
      disposal: t.disposal === null ? null : JSON.stringify(t.disposal),
      release_evidence: t.releaseEvidence === null ? null : JSON.stringify(t.releaseEvidence),
    });
  }

  async insertDataUse(trx: Trx, use: AppDataUse): Promise<void> {
    await trx('app_data_uses').insert({
      id: use.id,
      app_id: use.appId,
      asset_id: use.asset.id,
      asset_key: use.asset.key,
      fields: use.fields,
      purpose_key: use.purpose,
      created_by: use.createdBy,
      created_at: use.createdAt,
    });
  }

  async findDataUse(trx: Trx, appId: string, assetId: string, purposeKey: string): Promise<AppDataUse | undefined> {
    const row = await trx<DataUseRow>('app_data_uses').where({ app_id: appId, asset_id: assetId, purpose_key: purposeKey }).first();
    return row && dataUseFromRow(row);
  }

  async dataUsesOf(appId: string, afterId: string | undefined, limit: number): Promise<AppDataUse[]> {
    const q = this.db<DataUseRow>('app_data_uses')
      .where({ app_id: appId })
      .orderBy([{ column: 'created_at' }, { column: 'id' }])
      .limit(limit);
    afterRow(q, 'app_data_uses', 'created_at, id', '>', afterId);
    return (await q).map(dataUseFromRow);
  }

  /** The distinct purposes an app's data uses name. */
  async purposesOf(appId: string, trx: Db | Trx = this.db): Promise<string[]> {
    const rows = await trx<DataUseRow>('app_data_uses').where({ app_id: appId }).distinct('purpose_key').orderBy('purpose_key');
    return rows.map((r) => r.purpose_key);
  }
}
