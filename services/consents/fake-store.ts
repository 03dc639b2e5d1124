import type { ConsentEventRecord, ConsentStoreType, HistoryFilter, LatestConsentEvent } from './store-type';

/** The consent log in memory, for fast tests of the service's rules. */
export class FakeConsentStore implements ConsentStoreType {
  readonly events: ConsentEventRecord[] = [];

  async latest(subjectRef: string, purposeKey: string): Promise<LatestConsentEvent | undefined> {
    return this.of(subjectRef, purposeKey).at(-1);
  }

  async latestOf(subjectRefs: readonly string[], purposeKey: string): Promise<Array<LatestConsentEvent | undefined>> {
    return subjectRefs.map((s) => this.of(s, purposeKey).at(-1));
  }

  async get(id: string): Promise<ConsentEventRecord | undefined> {
    return this.events.find((e) => e.id === id);
  }

  async nextAfter(subjectRef: string, purposeKey: string, seq: number): Promise<ConsentEventRecord | undefined> {
    return this.of(subjectRef, purposeKey).find((e) => e.seq > seq);
  }

  async history(filter: HistoryFilter, limit: number): Promise<ConsentEventRecord[]> {
    return this.events
      .filter((e) => e.subjectRef === filter.subjectRef && (!filter.purposeKey || e.purposeKey === filter.purposeKey))
      .filter((e) => (!filter.clientId || e.clientId === filter.clientId) && (filter.beforeSeq === undefined || e.seq < filter.beforeSeq))
      .reverse()
      .slice(0, limit);
  }

  async lockSubject(): Promise<void> {}

  async insert(_trx: unknown, event: Omit<ConsentEventRecord, 'seq'>): Promise<void> {
    this.events.push({ ...event, seq: this.events.length + 1 });
  }

  private of(subjectRef: string, purposeKey: string): ConsentEventRecord[] {
    return this.events.filter((e) => e.subjectRef === subjectRef && e.purposeKey === purposeKey);
  }
}
