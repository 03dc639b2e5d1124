import { newestFirst } from '../fake-paging';
import type { AccountabilityDecision } from './schemas';
import type { FindingFilter, FindingRecord, RectificationItemRecord, SupervisionStoreType } from './store-type';

/** Inspection findings, rectification items and accountability decisions in memory, for fast tests of the supervision rules. */
export class FakeSupervisionStore implements SupervisionStoreType {
  readonly findings: FindingRecord[] = [];
  readonly items: RectificationItemRecord[] = [];
  readonly decisions: AccountabilityDecision[] = [];

  async insertFinding(_trx: unknown, finding: FindingRecord): Promise<void> {
    this.findings.push(structuredClone(finding));
  }

  async finding(appId: string, findingId: string): Promise<FindingRecord | undefined> {
    const finding = this.findings.find((f) => f.appId === appId && f.id === findingId);
    return finding && structuredClone(finding);
  }

  async insertItems(_trx: unknown, items: readonly RectificationItemRecord[]): Promise<void> {
    this.items.push(...structuredClone(items));
  }

  async item(appId: string, itemId: string): Promise<RectificationItemRecord | undefined> {
    const item = this.items.find((i) => i.appId === appId && i.id === itemId);
    return item && structuredClone(item);
  }

  async closeItem(_trx: unknown, item: RectificationItemRecord): Promise<void> {
    const stored = this.items.find((i) => i.id === item.id);
    if (stored) Object.assign(stored, { closedAt: item.closedAt, closedBy: item.closedBy, evidence: item.evidence });
  }

  async findingsOf(
    appId: string,
    filter: FindingFilter,
    limit: number,
  ): Promise<Array<FindingRecord & { items: RectificationItemRecord[] }>> {
    const mine = this.findings.filter((f) => f.appId === appId && (!filter.inspector || f.inspector === filter.inspector));
    return newestFirst(mine, (f) => `${f.recordedAt}_${f.id}`, filter.afterId)
      .slice(0, limit)
      .map((f) => ({
        ...structuredClone(f),
        items: this.items
          .filter((i) => i.findingId === f.id)
          .sort((a, b) => `${a.createdAt}_${a.id}`.localeCompare(`${b.createdAt}_${b.id}`))
          .map((i) => structuredClone(i)),
      }));
  }

  async insertDecision(_trx: unknown, decision: AccountabilityDecision): Promise<void> {
    this.decisions.push(structuredClone(decision));
  }

  async decisionsOf(appId: string, afterId: string | undefined, limit: number): Promise<AccountabilityDecision[]> {
    return newestFirst(
      this.decisions.filter((d) => d.appId === appId),
      (d) => `${d.recordedAt}_${d.id}`,
      afterId,
    )
      .slice(0, limit)
      .map((d) => structuredClone(d));
  }

  async overdueItemsOf(_trx: unknown, appId: string, now: string): Promise<RectificationItemRecord[]> {
    return this.items
      .filter((i) => i.appId === appId && i.closedAt === null && i.dueAt < now)
      .sort((a, b) => `${a.dueAt}_${a.id}`.localeCompare(`${b.dueAt}_${b.id}`))
      .map((i) => structuredClone(i));
  }
}
