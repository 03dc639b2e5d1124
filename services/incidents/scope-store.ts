import type { Knex } from 'knex';
import type { Db, Trx } from '../db';
import type { IncidentScopeStoreType } from './store-type';

/**
 * The departments an incident (alias `i`) concerns: the owners of its affected data assets and of
 * the ledger apps it names. Rectification owners and notified departments are told, not given access.
 */
const INCIDENT_DEPARTMENTS = `
  select a.owning_department as department from data_assets a where a.id = any(i.asset_ids)
  union select p.owning_department from apps p where lower(p.name) in (select lower(x) from unnest(i.apps) x)`;

/** What an incident's scope reads of the data assets and apps it names. */
interface AssetOwnerRow {
  id: string;
  key: string;
  owning_department: string;
}

interface AppOwnerRow {
  name: string;
  owning_department: string;
}

/** The columns a release writes to a containment row. */
interface ReleaseColumns {
  id: string;
  incident_id: string;
  suspend_vendors: boolean;
  released_at: string | null;
  released_by: string | null;
  release_reason: string | null;
}

const placeholders = (items: readonly unknown[]) => items.map(() => '?').join(', ');

/** Limits an incidents query (aliased `i`) to those concerning one of `departments`. */
export function concerningAny(q: Knex.QueryBuilder, departments: readonly string[]): void {
  if (departments.length === 0) {
    q.whereRaw('false');
    return;
  }
  q.whereRaw(`exists (select 1 from (${INCIDENT_DEPARTMENTS}) d where d.department in (${placeholders(departments)}))`, [...departments]);
}

/** Which departments incidents concern, and which containments still hold a vendor suspended. */
export class IncidentScopeStore implements IncidentScopeStoreType {
  constructor(private readonly db: Db) {}

  /** The departments incident `id` concerns, sorted; undefined when there is no such incident. */
  async departmentsOf(id: string): Promise<string[] | undefined> {
    const incident = await this.db<{ id: string }>('incidents').where({ id }).first('id');
    if (!incident) return undefined;
    const { rows } = await this.db.raw<{ rows: Array<{ department: string }> }>(
      `select distinct d.department from incidents i, lateral (${INCIDENT_DEPARTMENTS}) d where i.id = ? order by 1`,
      [id],
    );
    return rows.map((r) => r.department);
  }

  /** The departments an incident naming these assets (ids or keys) and apps (ledger names) would concern. */
  async departmentsFor(assets: readonly string[], apps: readonly string[]): Promise<string[]> {
    const out = new Set<string>();
    if (assets.length > 0) {
      const rows = await this.db<AssetOwnerRow>('data_assets')
        .where((w) => w.whereIn('key', [...assets]).orWhereRaw(`id::text in (${placeholders(assets)})`, [...assets]))
        .distinct('owning_department');
      for (const r of rows) out.add(r.owning_department);
    }
    if (apps.length > 0) {
      const lowered = apps.map((a) => a.toLowerCase());
      const rows = await this.db<AppOwnerRow>('apps')
        .whereRaw(`lower(name) in (${placeholders(lowered)})`, lowered)
        .distinct('owning_department');
      for (const r of rows) out.add(r.owning_department);
    }
    return [...out].sort();
  }

  /** Incidents (not closed) whose unreleased containment suspended `vendorId` or found it suspended. */
  async holding(trx: Trx, vendorId: string): Promise<string[]> {
    const rows = await trx('incident_containments as c')
      .join('incidents as i', 'i.id', 'c.incident_id')
      .where('c.suspend_vendors', true)
      .whereNull('c.released_at')
      .whereNot('i.status', 'closed')
      .where((w) =>
        w
          .whereRaw(`c.result -> 'suspendedVendors' @> jsonb_build_array(?::text)`, [vendorId])
          .orWhereRaw(`c.result -> 'vendorsAlreadyInactive' @> jsonb_build_array(?::text)`, [vendorId]),
      )
      .distinct<Array<{ id: string }>>('i.id')
      .orderBy('i.id');
    return rows.map((r) => r.id);
  }

  /** Releases every unreleased vendor-suspending containment of the incident; answers their ids. */
  async release(trx: Trx, incidentId: string, release: { at: string; by: string; reason: string }): Promise<string[]> {
    const rows = await trx<ReleaseColumns>('incident_containments')
      .where({ incident_id: incidentId, suspend_vendors: true })
      .whereNull('released_at')
      .update({ released_at: release.at, released_by: release.by, release_reason: release.reason })
      .returning('id');
    return rows.map((r) => r.id).sort();
  }
}
