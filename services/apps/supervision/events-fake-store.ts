import type { AppStoreType } from '../store-type';
import type { AccountabilityEventLookup } from './events-store-type';
import type { FakeSupervisionStore } from './fake-store';
import type { AccountabilityEvent, AccountabilitySubjectKind } from './schemas';

/** A warning or vulnerability of an app, as another feature records it: the test sets whether it is a major event. */
export interface OtherRecord {
  readonly kind: 'warning' | 'vulnerability';
  readonly id: string;
  readonly appId: string;
  readonly title: string;
  /** When it counts as a major event (a major warning; a regulator-reported or overdue vulnerability), when it happened. */
  readonly majorSince?: string;
}

/**
 * The app's major events and overdue rectification in memory: inspection findings and rectification
 * items from the supervision fake, warnings and vulnerabilities as the test sets them in `others`.
 */
export class FakeAccountabilityEvents implements AccountabilityEventLookup {
  readonly others: OtherRecord[] = [];

  constructor(
    private readonly supervision: FakeSupervisionStore,
    private readonly apps: Pick<AppStoreType, 'find'>,
  ) {}

  async event(
    _trx: unknown,
    appId: string,
    kind: AccountabilitySubjectKind,
    id: string,
    now: string,
  ): Promise<{ label: string } | undefined> {
    const event = (await this.all(appId, now)).find((e) => e.kind === kind && e.id === id);
    return event && { label: event.label };
  }

  async exists(_trx: unknown, appId: string, kind: AccountabilitySubjectKind, id: string): Promise<boolean> {
    const records: Array<{ id: string; appId: string }> =
      kind === 'inspection_finding'
        ? this.supervision.findings
        : kind === 'rectification_item'
          ? this.supervision.items
          : this.others.filter((o) => o.kind === kind);
    return records.some((r) => r.appId === appId && r.id === id);
  }

  async eventsOf(appId: string, now: string): Promise<AccountabilityEvent[]> {
    return (await this.all(appId, now)).sort((a, b) => `${b.occurredAt}_${b.id}`.localeCompare(`${a.occurredAt}_${a.id}`)).slice(0, 200);
  }

  private async all(appId: string, now: string): Promise<AccountabilityEvent[]> {
    const name = (await this.apps.find(appId))?.name ?? '';
    const decided = (kind: AccountabilitySubjectKind, id: string) =>
      this.supervision.decisions.some((d) => d.subject.kind === kind && d.subject.id === id);
    const event = (kind: AccountabilitySubjectKind, id: string, occurredAt: string, what: string): AccountabilityEvent => ({
      kind,
      id,
      occurredAt,
      label: `${name} · ${what}`,
      decided: decided(kind, id),
    });
    return [
      ...this.others
        .filter((o) => o.appId === appId && o.majorSince !== undefined)
        .map((o) => event(o.kind, o.id, o.majorSince ?? '', o.title)),
      ...this.supervision.findings.filter((f) => f.appId === appId).map((f) => event('inspection_finding', f.id, f.recordedAt, f.title)),
      ...this.supervision.items
        .filter((i) => i.appId === appId && ((i.closedAt === null && i.dueAt < now) || (i.closedAt !== null && i.closedAt > i.dueAt)))
        .map((i) => event('rectification_item', i.id, i.dueAt, i.action)),
    ];
  }
}
