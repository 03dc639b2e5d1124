import type { ContainmentRecord, IncidentHistoryEntry, IncidentNotification } from './schemas';
import type {
  CountWithExamples,
  IncidentFilter,
  IncidentRecord,
  IncidentScopeStoreType,
  IncidentStoreType,
  Period,
  RectificationCounts,
  RectificationRecord,
} from './store-type';

/** Oldest first by `key`, then by id; how many, and the first few ids. */
function countWithExamples<T extends { id: string }>(
  examined: readonly T[],
  offending: (item: T) => boolean,
  key: (item: T) => string,
  examples: number,
): CountWithExamples {
  const found = examined.filter(offending).sort((a, b) => (`${key(a)}_${a.id}` < `${key(b)}_${b.id}` ? -1 : 1));
  return { examined: examined.length, count: found.length, ids: found.slice(0, examples).map((i) => i.id) };
}

/**
 * Incidents with their history, containments, notifications and rectification items, in memory,
 * with who owns the data assets and apps they name set by the test.
 */
export class FakeIncidentStore implements IncidentStoreType {
  readonly incidents = new Map<string, IncidentRecord>();
  /** Per data asset id or key: its owning department. */
  readonly assetOwners = new Map<string, string>();
  /** Per ledger app name (lower case): its owning department. */
  readonly appOwners = new Map<string, string>();
  readonly historyEntries: Array<IncidentHistoryEntry & { incidentId: string }> = [];
  readonly containmentRecords: Array<ContainmentRecord & { incidentId: string }> = [];
  readonly notificationRecords: Array<IncidentNotification & { incidentId: string }> = [];
  readonly rectificationRecords: RectificationRecord[] = [];

  async insert(_trx: unknown, incident: IncidentRecord): Promise<void> {
    this.incidents.set(incident.id, structuredClone(incident));
  }

  async update(_trx: unknown, incident: IncidentRecord): Promise<void> {
    this.incidents.set(incident.id, structuredClone(incident));
  }

  async get(id: string): Promise<IncidentRecord | undefined> {
    const incident = this.incidents.get(id);
    return incident && structuredClone(incident);
  }

  async list(filter: IncidentFilter, limit: number): Promise<IncidentRecord[]> {
    const key = (i: { createdAt: string; id: string }) => `${i.createdAt}_${i.id}`;
    const overdue = (i: IncidentRecord) => i.regulatorNotifiedAt === null && i.notificationDueAt <= filter.now;
    return [...this.incidents.values()]
      .filter((i) => !filter.departments || this.concerned(i).some((d) => filter.departments?.includes(d)))
      .filter((i) => (!filter.status || i.status === filter.status) && (!filter.severity || i.severity === filter.severity))
      .filter((i) => !filter.vendor || i.vendors.includes(filter.vendor))
      .filter((i) => filter.notificationOverdue === undefined || overdue(i) === filter.notificationOverdue)
      .filter((i) => !filter.after || key(i) > key(filter.after))
      .sort((a, b) => (key(a) < key(b) ? -1 : 1))
      .slice(0, limit)
      .map((i) => structuredClone(i));
  }

  async exists(id: string): Promise<boolean> {
    return this.incidents.has(id);
  }

  async addHistory(_trx: unknown, incidentId: string, entry: IncidentHistoryEntry): Promise<void> {
    this.historyEntries.push({ ...entry, incidentId });
  }

  async history(incidentId: string): Promise<IncidentHistoryEntry[]> {
    return this.historyEntries.filter((h) => h.incidentId === incidentId).map(({ incidentId: _i, ...entry }) => entry);
  }

  async addContainment(_trx: unknown, incidentId: string, containment: ContainmentRecord): Promise<void> {
    this.containmentRecords.push({ ...structuredClone(containment), incidentId });
  }

  async containments(incidentId: string): Promise<ContainmentRecord[]> {
    return this.containmentRecords
      .filter((c) => c.incidentId === incidentId)
      .map(({ incidentId: _i, ...containment }) => structuredClone(containment));
  }

  async addNotification(_trx: unknown, incidentId: string, notification: IncidentNotification): Promise<void> {
    this.notificationRecords.push({ ...structuredClone(notification), incidentId });
  }

  async notifications(incidentId: string): Promise<IncidentNotification[]> {
    return this.notificationRecords
      .filter((n) => n.incidentId === incidentId)
      .sort((a, b) => (`${a.sentAt}_${a.id}` < `${b.sentAt}_${b.id}` ? -1 : 1))
      .map(({ incidentId: _i, ...notification }) => structuredClone(notification));
  }

  async addRectification(_trx: unknown, rectification: RectificationRecord): Promise<void> {
    this.rectificationRecords.push({ ...rectification });
  }

  async completeRectification(_trx: unknown, rectification: RectificationRecord): Promise<void> {
    const at = this.rectificationRecords.findIndex((r) => r.id === rectification.id);
    if (at >= 0) this.rectificationRecords[at] = { ...rectification };
  }

  async rectification(_trx: unknown, incidentId: string, id: string): Promise<RectificationRecord | undefined> {
    const item = this.rectificationRecords.find((r) => r.id === id && r.incidentId === incidentId);
    return item && { ...item };
  }

  async rectifications(incidentId: string): Promise<RectificationRecord[]> {
    return this.rectificationRecords.filter((r) => r.incidentId === incidentId).map((r) => ({ ...r }));
  }

  async rectificationCounts(incidentIds: readonly string[]): Promise<Map<string, RectificationCounts>> {
    const out = new Map<string, RectificationCounts>();
    for (const r of this.rectificationRecords.filter((x) => incidentIds.includes(x.incidentId))) {
      const was = out.get(r.incidentId) ?? { total: 0, open: 0 };
      out.set(r.incidentId, { total: was.total + 1, open: was.open + (r.status === 'open' ? 1 : 0) });
    }
    return out;
  }

  async overdueNotifications(now: string, examples: number, openDuring?: Period): Promise<CountWithExamples> {
    const due = (i: IncidentRecord) => i.regulatorNotifiedAt === null && i.notificationDueAt <= now;
    return countWithExamples(this.openDuring(openDuring), due, (i) => i.notificationDueAt, examples);
  }

  async lateNotifications(examples: number): Promise<CountWithExamples> {
    const late = (i: IncidentRecord) => i.regulatorNotifiedAt !== null && i.regulatorNotifiedAt > i.notificationDueAt;
    return countWithExamples(this.openDuring(), late, (i) => i.notificationDueAt, examples);
  }

  async withoutContainment(examples: number, openDuring?: Period): Promise<CountWithExamples> {
    return countWithExamples(
      this.openDuring(openDuring),
      (i) => i.status === 'open',
      (i) => i.detectedAt,
      examples,
    );
  }

  async overdueRectifications(now: string, examples: number, openDuring?: Period): Promise<CountWithExamples> {
    const items = this.rectificationRecords.filter(
      (r) => !openDuring || (r.createdAt < openDuring.to && (r.completedAt === null || r.completedAt >= openDuring.from)),
    );
    return countWithExamples(
      items,
      (r) => r.status === 'open' && r.dueAt <= now,
      (r) => r.dueAt,
      examples,
    );
  }

  /** As the database derives it: the owners of the incident's data assets and of the ledger apps it names. */
  concerned(incident: IncidentRecord): string[] {
    return this.owners(incident.assets, incident.apps);
  }

  owners(assets: readonly string[], apps: readonly string[]): string[] {
    const owners = [...assets.map((a) => this.assetOwners.get(a)), ...apps.map((a) => this.appOwners.get(a.toLowerCase()))];
    return [...new Set(owners.filter((d) => d !== undefined))].sort();
  }

  private openDuring(period?: Period): IncidentRecord[] {
    return [...this.incidents.values()].filter(
      (i) => !period || (i.detectedAt < period.to && (i.closedAt === null || i.closedAt >= period.from)),
    );
  }
}

/** Which departments incidents concern and which containments hold a vendor, read from a FakeIncidentStore. */
export class FakeIncidentScopeStore implements IncidentScopeStoreType {
  constructor(private readonly store: FakeIncidentStore) {}

  async departmentsOf(id: string): Promise<string[] | undefined> {
    const incident = this.store.incidents.get(id);
    return incident && this.store.concerned(incident);
  }

  async departmentsFor(assets: readonly string[], apps: readonly string[]): Promise<string[]> {
    return this.store.owners(assets, apps);
  }

  async holding(_trx: unknown, vendorId: string): Promise<string[]> {
    const held = this.store.containmentRecords.filter(
      (c) =>
        c.suspendVendors &&
        c.release === null &&
        this.store.incidents.get(c.incidentId)?.status !== 'closed' &&
        [...c.result.suspendedVendors, ...c.result.vendorsAlreadyInactive].includes(vendorId),
    );
    return [...new Set(held.map((c) => c.incidentId))].sort();
  }

  async release(_trx: unknown, incidentId: string, release: { at: string; by: string; reason: string }): Promise<string[]> {
    const released = this.store.containmentRecords.filter((c) => c.incidentId === incidentId && c.suspendVendors && c.release === null);
    for (const c of released) c.release = { ...release };
    return released.map((c) => c.id).sort();
  }
}
