import type { Db, Trx } from '../db';
import { rowMapper } from '../platform/row-mapper';
import type { Finding } from '../reports/compliance-check';
import { LIVE_STATES } from './lifecycle';
import type { BlockingFindingFact, SecurityTestFact } from './release-gate';
import type { SecurityTest, VulnerabilitySeverity, VulnerabilitySource } from './security-schemas';
import type { AppSecurityStoreType, SecurityTestFilter, VulnerabilityFilter, VulnerabilityRecord } from './security-store-type';
import { newestFirstAfter } from './store';

export type { VulnerabilityRecord } from './security-store-type';

interface SecurityTestRow {
  id: string;
  app_id: string;
  kind: SecurityTest['kind'];
  performed_at: string;
  result: SecurityTest['result'];
  performer: string;
  report_reference: string;
  recorded_by: string;
  recorded_at: string;
}

const tests = rowMapper<SecurityTest, SecurityTestRow>({
  id: 'id',
  appId: 'app_id',
  kind: 'kind',
  performedAt: 'performed_at',
  result: 'result',
  performer: 'performer',
  reportReference: 'report_reference',
  recordedBy: 'recorded_by',
  recordedAt: 'recorded_at',
});

interface VulnerabilityRow {
  id: string;
  app_id: string;
  title: string;
  severity: VulnerabilitySeverity;
  reported_at: string;
  due_at: string;
  test_kind: SecurityTest['kind'] | null;
  security_test_id: string | null;
  blocks_release: boolean;
  source: VulnerabilitySource;
  regulator_reference: string | null;
  fixed_at: string | null;
  fix_evidence: string | null;
  fixed_by: string | null;
  recorded_by: string;
  recorded_at: string;
}

const vulnerabilities = rowMapper<VulnerabilityRecord, VulnerabilityRow>({
  id: 'id',
  appId: 'app_id',
  title: 'title',
  severity: 'severity',
  reportedAt: 'reported_at',
  dueAt: 'due_at',
  testKind: 'test_kind',
  securityTestId: 'security_test_id',
  blocksRelease: 'blocks_release',
  source: 'source',
  regulatorReference: 'regulator_reference',
  fixedAt: 'fixed_at',
  fixEvidence: 'fix_evidence',
  fixedBy: 'fixed_by',
  recordedBy: 'recorded_by',
  recordedAt: 'recorded_at',
});

/** Security tests and vulnerabilities of apps, and the questions inspectors ask about them. */
export class AppSecurityStore implements AppSecurityStoreType {
  constructor(private readonly db: Db) {}

  async insertTest(trx: Trx, test: SecurityTest): Promise<void> {
    await trx('app_security_tests').insert(tests.toRow(test));
  }

  /** Tests of an app, most recently performed first. */
  async testsOf(appId: string, filter: SecurityTestFilter, limit: number): Promise<SecurityTest[]> {
    const q = this.db<SecurityTestRow>('app_security_tests').where({ app_id: appId }).limit(limit);
    if (filter.kind) q.where('kind', filter.kind);
    if (filter.result) q.where('result', filter.result);
    newestFirstAfter(q, 'app_security_tests', ['performed_at', 'recorded_at', 'id'], filter.afterId);
    return (await q).map(tests.fromRow);
  }

  /** Every test of an app, all kinds, as the release gate reads them. */
  async testFactsOf(trx: Db | Trx, appId: string): Promise<SecurityTestFact[]> {
    const rows = await trx<SecurityTestRow>('app_security_tests')
      .where({ app_id: appId })
      .select('id', 'kind', 'performed_at', 'result', 'recorded_at');
    return rows.map((r) => ({ id: r.id, kind: r.kind, performedAt: r.performed_at, result: r.result, recordedAt: r.recorded_at }));
  }

  async findTest(trx: Db | Trx, appId: string, id: string): Promise<SecurityTest | undefined> {
    const row = await trx<SecurityTestRow>('app_security_tests').where({ app_id: appId, id }).first();
    return row && tests.fromRow(row);
  }

  /** Unfixed findings of an app that block its release, oldest first. */
  async blockingFindingsOf(trx: Db | Trx, appId: string): Promise<BlockingFindingFact[]> {
    const rows = await trx<VulnerabilityRow>('app_vulnerabilities')
      .where({ app_id: appId, blocks_release: true })
      .whereNull('fixed_at')
      .orderBy([{ column: 'reported_at' }, { column: 'id' }]);
    return rows.map((r) => ({ id: r.id, title: r.title, severity: r.severity, testKind: r.test_kind, dueAt: r.due_at }));
  }

  async insertVulnerability(trx: Trx, v: VulnerabilityRecord): Promise<void> {
    await trx('app_vulnerabilities').insert(vulnerabilities.toRow(v));
  }

  async findVulnerability(trx: Db | Trx, appId: string, id: string, forUpdate = false): Promise<VulnerabilityRecord | undefined> {
    const q = trx<VulnerabilityRow>('app_vulnerabilities').where({ app_id: appId, id }).first();
    if (forUpdate) q.forUpdate();
    const row = await q;
    return row && vulnerabilities.fromRow(row);
  }

  async recordFix(trx: Trx, v: VulnerabilityRecord): Promise<void> {
    await trx('app_vulnerabilities').where({ id: v.id }).update({ fixed_at: v.fixedAt, fix_evidence: v.fixEvidence, fixed_by: v.fixedBy });
  }

  /** Vulnerabilities of an app, most recently reported first; `status` is judged at `now`. */
  async vulnerabilitiesOf(appId: string, filter: VulnerabilityFilter, limit: number): Promise<VulnerabilityRecord[]> {
    const q = this.db<VulnerabilityRow>('app_vulnerabilities').where({ app_id: appId }).limit(limit);
    if (filter.severity) q.where('severity', filter.severity);
    if (filter.blocksRelease !== undefined) q.where('blocks_release', filter.blocksRelease);
    if (filter.source !== undefined) q.where('source', filter.source);
    if (filter.status === 'fixed') q.whereNotNull('fixed_at');
    if (filter.status === 'open') q.whereNull('fixed_at').where('due_at', '>=', filter.now);
    if (filter.status === 'overdue') q.whereNull('fixed_at').where('due_at', '<', filter.now);
    newestFirstAfter(q, 'app_vulnerabilities', ['reported_at', 'id'], filter.afterId);
    return (await q).map(vulnerabilities.fromRow);
  }

  /** Unfixed vulnerabilities of the given severities on the given apps. */
  async unfixedOf(appIds: readonly string[], severities: readonly VulnerabilitySeverity[]): Promise<VulnerabilityRecord[]> {
    if (appIds.length === 0) return [];
    const rows = await this.db<VulnerabilityRow>('app_vulnerabilities')
      .whereIn('app_id', [...appIds])
      .whereIn('severity', [...severities])
      .whereNull('fixed_at')
      .orderBy([{ column: 'reported_at' }, { column: 'id' }]);
    return rows.map(vulnerabilities.fromRow);
  }

  /**
   * Of the vulnerabilities of apps that are not retired (and, with `openDuring`, unfixed at some time in
   * it: reported before its end, not fixed before its start), the unfixed ones past their due date.
   */
  async overdue(
    now: string,
    exampleLimit: number,
    openDuring?: { from: string; to: string },
    source?: VulnerabilitySource,
  ): Promise<Finding> {
    const examined = () => {
      const q = this.db('app_vulnerabilities as v').join('apps as a', 'a.id', 'v.app_id').whereNot('a.lifecycle_state', 'retired');
      if (source) q.where('v.source', source);
      if (openDuring)
        q.where('v.reported_at', '<', openDuring.to).where((w) => w.whereNull('v.fixed_at').orWhere('v.fixed_at', '>=', openDuring.from));
      return q;
    };
    const base = () => examined().whereNull('v.fixed_at').where('v.due_at', '<', now);
    return finding(
      examined(),
      base(),
      base()
        .orderBy([{ column: 'v.due_at' }, { column: 'v.id' }])
        .limit(exampleLimit)
        .pluck('v.id'),
    );
  }

  /** Of the apps in service, those without a filing number. */
  async liveWithoutFilingNumber(exampleLimit: number): Promise<Finding> {
    const examined = () => this.db('apps as a').whereIn('a.lifecycle_state', [...LIVE_STATES]);
    const base = () => examined().whereNull('a.filing_number');
    return finding(examined(), base(), base().orderByRaw('lower(a.name), a.id').limit(exampleLimit).pluck('a.id'));
  }

  /** Of the apps in service, those whose most recent penetration test is missing, not a pass, or performed before `cutoff` (YYYY-MM-DD). */
  async liveWithoutRecentPassedPenetrationTest(cutoff: string, exampleLimit: number): Promise<Finding> {
    const examined = () => this.db('apps as a').whereIn('a.lifecycle_state', [...LIVE_STATES]);
    const base = () =>
      examined()
        .joinRaw(
          `left join lateral (
             select t.result, t.performed_at from app_security_tests t
             where t.app_id = a.id and t.kind = 'penetration'
             order by t.performed_at desc, t.recorded_at desc limit 1
           ) latest on true`,
        )
        .where((w) => w.whereNull('latest.result').orWhereNot('latest.result', 'pass').orWhere('latest.performed_at', '<', cutoff));
    return finding(examined(), base(), base().orderByRaw('lower(a.name), a.id').limit(exampleLimit).pluck('a.id'));
  }
}

async function finding(examined: ReturnType<Db>, offending: ReturnType<Db>, examples: Promise<string[]>): Promise<Finding> {
  const total = async (q: ReturnType<Db>) => Number(((await q.count({ n: '*' })) as Array<{ n: number | string }>)[0].n);
  return { examined: await total(examined), count: await total(offending), examples: await examples };
}
