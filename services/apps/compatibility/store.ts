import type { Db, Trx } from '../../db';
import { isoDay, isoInstant } from '../../platform/row-mapper';
import type { Finding } from '../../reports/compliance-check';
import type { CompatibilityResult, OperatingEnvironment } from './schemas';
import type { CompatibilityStoreType, SupportedRecord } from './store-type';

/** Which release counts as current: the one whose supported environments were declared last (on a tie, the first by name, as the app's view picks it). */
const CURRENT_RELEASE = `(select s.release from app_supported_environments s where s.app_id = a.id order by s.declared_at desc, s.release asc limit 1)`;

/** Each app's supported environments and compatibility results, and the end-of-support register. */
export class CompatibilityStore implements CompatibilityStoreType {
  constructor(private readonly db: Db) {}

  async supported(appId: string, trx: Db | Trx = this.db): Promise<SupportedRecord[]> {
    const rows = (await trx('app_supported_environments')
      .where({ app_id: appId })
      .orderBy([{ column: 'declared_at', order: 'desc' }, 'release', 'platform', 'version'])) as Array<{
      release: string;
      platform: string;
      version: string;
      declared_by: string;
      declared_at: Date | string;
    }>;
    return rows.map((r) => ({
      release: r.release,
      platform: r.platform,
      version: r.version,
      declaredBy: r.declared_by,
      declaredAt: isoInstant(r.declared_at),
    }));
  }

  async replaceSupported(trx: Trx, appId: string, release: string, rows: readonly SupportedRecord[]): Promise<void> {
    await trx('app_supported_environments').where({ app_id: appId, release }).delete();
    await trx('app_supported_environments').insert(
      rows.map((r) => ({
        app_id: appId,
        release,
        platform: r.platform,
        version: r.version,
        declared_by: r.declaredBy,
        declared_at: r.declaredAt,
      })),
    );
  }

  async results(appId: string, trx: Db | Trx = this.db): Promise<CompatibilityResult[]> {
    const rows = (await trx('app_compatibility_results')
      .where({ app_id: appId })
      .orderBy([{ column: 'tested_on', order: 'desc' }, { column: 'recorded_at', order: 'desc' }, { column: 'id' }])) as Array<{
      id: string;
      release: string;
      platform: string;
      version: string;
      result: 'pass' | 'fail';
      tested_on: Date | string;
      report_reference: string | null;
      recorded_by: string;
      recorded_at: Date | string;
    }>;
    return rows.map((r) => ({
      id: r.id,
      release: r.release,
      platform: r.platform,
      version: r.version,
      result: r.result,
      testedOn: isoDay(r.tested_on),
      reportReference: r.report_reference,
      recordedBy: r.recorded_by,
      recordedAt: isoInstant(r.recorded_at),
    }));
  }

  async insertResult(trx: Trx, appId: string, r: CompatibilityResult): Promise<void> {
    await trx('app_compatibility_results').insert({
      id: r.id,
      app_id: appId,
      release: r.release,
      platform: r.platform,
      version: r.version,
      result: r.result,
      tested_on: r.testedOn,
      report_reference: r.reportReference,
      recorded_by: r.recordedBy,
      recorded_at: r.recordedAt,
    });
  }

  async environments(trx: Db | Trx = this.db): Promise<OperatingEnvironment[]> {
    const rows = (await trx('operating_environments').orderBy(['platform', 'version'])) as Array<{
      platform: string;
      version: string;
      end_of_support: Date | string;
      set_by: string;
      set_at: Date | string;
    }>;
    return rows.map((r) => ({
      platform: r.platform,
      version: r.version,
      endOfSupport: isoDay(r.end_of_support),
      setBy: r.set_by,
      setAt: isoInstant(r.set_at),
    }));
  }

  async environment(trx: Trx, platform: string, version: string): Promise<OperatingEnvironment | undefined> {
    return (await this.environments(trx)).find((e) => e.platform === platform && e.version === version);
  }

  async setEnvironment(trx: Trx, e: OperatingEnvironment): Promise<void> {
    await trx('operating_environments')
      .insert({ platform: e.platform, version: e.version, end_of_support: e.endOfSupport, set_by: e.setBy, set_at: e.setAt })
      .onConflict(['platform', 'version'])
      .merge();
  }

  /** Of the apps in service, those whose current release supports an environment past its end of support on `today`. */
  async inServiceSupportingEnded(today: string): Promise<Finding> {
    const inService = `select a.id, a.name from apps a where a.lifecycle_state in ('released', 'operating', 'consolidating')`;
    const offending = `${inService} and exists (
        select 1 from app_supported_environments s join operating_environments e on e.platform = s.platform and e.version = s.version
        where s.app_id = a.id and s.release = ${CURRENT_RELEASE} and e.end_of_support < ?::date)
      order by lower(a.name), a.id`;
    const result = (await this.db.raw(
      `select (select count(*) from (${inService}) e) as examined, (select count(*) from (${offending}) o) as total,
              coalesce((select array_agg(id) from (select id::text as id from (${offending}) x limit 10) l), '{}') as examples`,
      [today, today],
    )) as { rows: Array<{ examined: number | string; total: number | string; examples: string[] }> };
    const row = result.rows[0];
    return { examined: Number(row.examined), count: Number(row.total), examples: row.examples };
  }
}
