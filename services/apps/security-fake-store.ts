import { newestFirst } from './fake-paging';
import type { BlockingFindingFact, SecurityTestFact } from './release-gate';
import type { SecurityTest, VulnerabilitySeverity } from './security-schemas';
import type { AppSecurityStoreType, SecurityTestFilter, VulnerabilityFilter, VulnerabilityRecord } from './security-store-type';

/** Apps' security tests and vulnerabilities in memory, for fast tests of the security and release rules. */
export class FakeAppSecurityStore implements AppSecurityStoreType {
  readonly tests: SecurityTest[] = [];
  readonly vulnerabilities = new Map<string, VulnerabilityRecord>();

  async insertTest(_trx: unknown, test: SecurityTest): Promise<void> {
    this.tests.push(structuredClone(test));
  }

  async testsOf(appId: string, filter: SecurityTestFilter, limit: number): Promise<SecurityTest[]> {
    const mine = this.tests.filter(
      (t) => t.appId === appId && (!filter.kind || t.kind === filter.kind) && (!filter.result || t.result === filter.result),
    );
    return newestFirst(mine, (t) => `${t.performedAt}_${t.recordedAt}_${t.id}`, filter.afterId)
      .slice(0, limit)
      .map((t) => structuredClone(t));
  }

  async testFactsOf(_trx: unknown, appId: string): Promise<SecurityTestFact[]> {
    return this.tests
      .filter((t) => t.appId === appId)
      .map((t) => ({ id: t.id, kind: t.kind, performedAt: t.performedAt, result: t.result, recordedAt: t.recordedAt }));
  }

  async findTest(_trx: unknown, appId: string, id: string): Promise<SecurityTest | undefined> {
    const test = this.tests.find((t) => t.appId === appId && t.id === id);
    return test && structuredClone(test);
  }

  async blockingFindingsOf(_trx: unknown, appId: string): Promise<BlockingFindingFact[]> {
    return this.oldestFirst()
      .filter((v) => v.appId === appId && v.blocksRelease && v.fixedAt === null)
      .map((v) => ({ id: v.id, title: v.title, severity: v.severity, testKind: v.testKind, dueAt: v.dueAt }));
  }

  async insertVulnerability(_trx: unknown, vulnerability: VulnerabilityRecord): Promise<void> {
    this.vulnerabilities.set(vulnerability.id, structuredClone(vulnerability));
  }

  async findVulnerability(_trx: unknown, appId: string, id: string): Promise<VulnerabilityRecord | undefined> {
    const v = this.vulnerabilities.get(id);
    return v && v.appId === appId ? structuredClone(v) : undefined;
  }

  async recordFix(_trx: unknown, vulnerability: VulnerabilityRecord): Promise<void> {
    const stored = this.vulnerabilities.get(vulnerability.id);
    if (stored)
      Object.assign(stored, { fixedAt: vulnerability.fixedAt, fixEvidence: vulnerability.fixEvidence, fixedBy: vulnerability.fixedBy });
  }

  async vulnerabilitiesOf(appId: string, filter: VulnerabilityFilter, limit: number): Promise<VulnerabilityRecord[]> {
    const status = (v: VulnerabilityRecord) => (v.fixedAt !== null ? 'fixed' : v.dueAt < filter.now ? 'overdue' : 'open');
    const mine = [...this.vulnerabilities.values()].filter(
      (v) =>
        v.appId === appId &&
        (!filter.severity || v.severity === filter.severity) &&
        (filter.blocksRelease === undefined || v.blocksRelease === filter.blocksRelease) &&
        (filter.source === undefined || v.source === filter.source) &&
        (filter.status === undefined || status(v) === filter.status),
    );
    return newestFirst(mine, (v) => `${v.reportedAt}_${v.id}`, filter.afterId)
      .slice(0, limit)
      .map((v) => structuredClone(v));
  }

  async unfixedOf(appIds: readonly string[], severities: readonly VulnerabilitySeverity[]): Promise<VulnerabilityRecord[]> {
    return this.oldestFirst().filter((v) => appIds.includes(v.appId) && severities.includes(v.severity) && v.fixedAt === null);
  }

  private oldestFirst(): VulnerabilityRecord[] {
    return [...this.vulnerabilities.values()]
      .sort((a, b) => a.reportedAt.localeCompare(b.reportedAt) || a.id.localeCompare(b.id))
      .map((v) => structuredClone(v));
  }
}
