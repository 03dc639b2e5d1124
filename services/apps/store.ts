import type { Knex } from 'knex';
import type { Db, Trx } from '../db';
import { APP_STATES, LIVE_STATES, type AppState } from './lifecycle';
import type { App, AppDataUse, AppTransition, ThirdPartySdk } from './schemas';

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

const fromRow = (r: AppRow): App => ({
  id: r.id,
  name: r.name,
  kind: r.kind,
  platform: r.platform,
  audience: r.audience,
  leadDepartment: r.lead_department,
  owningDepartment: r.owning_department,
  responsiblePerson: r.responsible_person,
  businessOwner: r.business_owner,
  technologyOwner: r.technology_owner,
  filingNumber: r.filing_number,
  monthlyActiveUsers: r.monthly_active_users,
  satisfaction: r.satisfaction,
  businessScenarios: r.business_scenarios,
  thirdPartySdks: r.third_party_sdks,
  lifecycleState: r.lifecycle_state,
  createdBy: r.created_by,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toRow = (a: App) => ({
  id: a.id,
  name: a.name,
  kind: a.kind,
  platform: a.platform,
  audience: a.audience,
  lead_department: a.leadDepartment,
  owning_department: a.owningDepartment,
  responsible_person: a.responsiblePerson,
  business_owner: a.businessOwner,
  technology_owner: a.technologyOwner,
  filing_number: a.filingNumber,
  monthly_active_users: a.monthlyActiveUsers,
  satisfaction: a.satisfaction,
  business_scenarios: a.businessScenarios,
  // pg turns JS arrays into SQL arrays; jsonb needs the JSON text.
  third_party_sdks: JSON.stringify(a.thirdPartySdks),
  lifecycle_state: a.lifecycleState,
  created_by: a.createdBy,
  created_at: a.createdAt,
  updated_at: a.updatedAt,
});

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

export interface AppFilter {
  kind?: App['kind'];
  audience?: App['audience'];
  lifecycleState?: AppState;
  owningDepartment?: string;
  leadDepartment?: string;
  businessScenario?: string;
  /** Only apps owned by these departments (undefined = all). */
  departments?: readonly string[];
  /** Keyset: the id of the last app of the previous page. */
  afterId?: string;
}

/** Rows after the row with id `afterId` in the order of `columns` (SQL expressions, id last), for keyset paging. */
export function afterRow(q: Knex.QueryBuilder, table: string, columns: string, direction: '>' | '<', afterId: string | undefined): void {
  if (afterId !== undefined) q.whereRaw(`(${columns}) ${direction} (select ${columns} from ${table} where id = ?)`, [afterId]);
}

/** The app ledger, its transition history and its data uses. */
export class AppStore {
  constructor(private readonly db: Db) {}

  async insert(trx: Trx, app: App): Promise<void> {
    await trx('apps').insert(toRow(app));
  }

  async update(trx: Trx, app: App): Promise<void> {
    const { id, created_by: _createdBy, created_at: _createdAt, ...rest } = toRow(app);
    await trx('apps').where({ id }).update(rest);
  }

  async find(id: string, trx: Db | Trx = this.db, forUpdate = false): Promise<App | undefined> {
    const q = trx('apps').where({ id }).first();
    if (forUpdate) q.forUpdate();
    const row = (await q) as AppRow | undefined;
    return row && fromRow(row);
  }

  async owningDepartment(id: string): Promise<string | undefined> {
    const row = (await this.db('apps').where({ id }).first('owning_department')) as { owning_department: string } | undefined;
    return row?.owning_department;
  }

  async list(filter: AppFilter, limit: number): Promise<App[]> {
    const q = this.db('apps').orderByRaw('lower(name), id').limit(limit);
    if (filter.kind) q.where('kind', filter.kind);
    if (filter.audience) q.where('audience', filter.audience);
    if (filter.lifecycleState) q.where('lifecycle_state', filter.lifecycleState);
    if (filter.owningDepartment) q.where('owning_department', filter.owningDepartment);
    if (filter.leadDepartment) q.where('lead_department', filter.leadDepartment);
    if (filter.businessScenario) q.whereRaw('? = any(business_scenarios)', [filter.businessScenario]);
    if (filter.departments) q.whereIn('owning_department', [...filter.departments]);
    afterRow(q, 'apps', 'lower(name), id', '>', filter.afterId);
    return ((await q) as AppRow[]).map(fromRow);
  }

  /** Apps not retired, by name. */
  async notRetired(trx: Db | Trx = this.db): Promise<App[]> {
    const rows = (await trx('apps').whereNot('lifecycle_state', 'retired').orderByRaw('lower(name), id')) as AppRow[];
    return rows.map(fromRow);
  }

  /** Apps in service (released, operating, consolidating), by name. */
  async live(trx: Db | Trx = this.db): Promise<App[]> {
    const rows = (await trx('apps')
      .whereIn('lifecycle_state', [...LIVE_STATES])
      .orderByRaw('lower(name), id')) as AppRow[];
    return rows.map(fromRow);
  }

  async transitionsOf(appId: string, trx: Db | Trx = this.db): Promise<AppTransition[]> {
    const rows = (await trx('app_transitions').where({ app_id: appId })) as TransitionRow[];
    // The lifecycle is linear, so the target state orders the history exactly, even within one millisecond.
    return rows
      .sort((a, b) => APP_STATES.indexOf(a.to_state) - APP_STATES.indexOf(b.to_state))
      .map((r) => ({
        id: r.id,
        from: r.from_state,
        to: r.to_state,
        note: r.note,
        disposal: r.disposal,
        releaseEvidence: r.release_evidence,
        transitionedBy: r.transitioned_by,
        transitionedAt: r.transitioned_at,
      }));
  }

  async insertTransition(trx: Trx, appId: string, t: AppTransition): Promise<void> {
    await trx('app_transitions').insert({
      id: t.id,
      app_id: appId,
      from_state: t.from,
      to_state: t.to,
      note: t.note,
      disposal: t.disposal === null ? null : JSON.stringify(t.disposal),
      release_evidence: t.releaseEvidence === null ? null : JSON.stringify(t.releaseEvidence),
      transitioned_by: t.transitionedBy,
      transitioned_at: t.transitionedAt,
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
    const row = (await trx('app_data_uses').where({ app_id: appId, asset_id: assetId, purpose_key: purposeKey }).first()) as
      DataUseRow | undefined;
    return row && dataUseFromRow(row);
  }

  async dataUsesOf(appId: string, afterId: string | undefined, limit: number): Promise<AppDataUse[]> {
    const q = this.db('app_data_uses')
      .where({ app_id: appId })
      .orderBy([{ column: 'created_at' }, { column: 'id' }])
      .limit(limit);
    afterRow(q, 'app_data_uses', 'created_at, id', '>', afterId);
    return ((await q) as DataUseRow[]).map(dataUseFromRow);
  }

  /** The distinct purposes an app's data uses name. */
  async purposesOf(appId: string, trx: Db | Trx = this.db): Promise<string[]> {
    const rows = (await trx('app_data_uses').where({ app_id: appId }).distinct('purpose_key').orderBy('purpose_key')) as Array<{
      purpose_key: string;
    }>;
    return rows.map((r) => r.purpose_key);
  }
}
