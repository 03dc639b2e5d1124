import { uniqueViolation } from '../shared/errors';
import { OPEN_STATUSES } from './deadlines';
import type { ComplaintExtension, ComplaintHistoryEntry, ComplaintLink } from './schemas';
import type { ComplaintFilter, ComplaintRecord, ComplaintStoreType, OverdueCount } from './store-type';

/** Complaints in memory, with who owns the apps, assets and incidents they concern set by the test. */
export class FakeComplaintStore implements ComplaintStoreType {
  readonly complaints = new Map<string, ComplaintRecord>();
  readonly historyEntries: Array<ComplaintHistoryEntry & { complaintId: string }> = [];
  readonly extensionEntries: Array<ComplaintExtension & { complaintId: string }> = [];
  readonly linkEntries: Array<ComplaintLink & { complaintId: string }> = [];
  /** Per ledger app name (lower case): its owning department. */
  readonly appOwners = new Map<string, string>();
  /** Per data asset id: its owning department. */
  readonly assetOwners = new Map<string, string>();
  /** Per incident id: the departments it concerns. */
  readonly incidentDepartments = new Map<string, string[]>();

  async insert(_trx: unknown, complaint: ComplaintRecord): Promise<void> {
    if ([...this.complaints.values()].some((c) => c.reference === complaint.reference))
      throw uniqueViolation('duplicate key value violates unique constraint');
    this.complaints.set(complaint.id, structuredClone(complaint));
  }

  async update(_trx: unknown, complaint: ComplaintRecord): Promise<void> {
    this.complaints.set(complaint.id, structuredClone(complaint));
  }

  async get(id: string): Promise<ComplaintRecord | undefined> {
    const complaint = this.complaints.get(id);
    return complaint && structuredClone(complaint);
  }

  async byReference(reference: string): Promise<ComplaintRecord | undefined> {
    const complaint = [...this.complaints.values()].find((c) => c.reference === reference);
    return complaint && structuredClone(complaint);
  }

  async list(filter: ComplaintFilter, limit: number): Promise<ComplaintRecord[]> {
    const key = (c: { receivedAt: string; id: string }) => `${c.receivedAt}_${c.id}`;
    const linked = (c: ComplaintRecord, kind: ComplaintLink['kind'], target: string) =>
      this.linkEntries.some((l) => l.complaintId === c.id && l.kind === kind && l.target === target);
    const overdue = (c: ComplaintRecord) => OPEN_STATUSES.includes(c.status) && c.dueAt <= filter.now;
    return [...this.complaints.values()]
      .filter((c) => !filter.departments || this.concerned(c).some((d) => filter.departments?.includes(d)))
      .filter((c) => (!filter.status || c.status === filter.status) && (!filter.category || c.category === filter.category))
      .filter((c) => filter.overdue === undefined || overdue(c) === filter.overdue)
      .filter((c) => !filter.app || c.app === filter.app || linked(c, 'app', filter.app))
      .filter((c) => !filter.vendor || linked(c, 'vendor', filter.vendor))
      .filter((c) => !filter.after || key(c) > key(filter.after))
      .sort((a, b) => (key(a) < key(b) ? -1 : 1))
      .slice(0, limit)
      .map((c) => structuredClone(c));
  }

  async overdue(now: string, examples: number, openDuring?: { from: string; to: string }): Promise<OverdueCount> {
    const examined = [...this.complaints.values()].filter((c) => {
      const decided = c.decidedAt ?? c.closedAt;
      return !openDuring || (c.receivedAt < openDuring.to && (decided === null || decided >= openDuring.from));
    });
    const late = examined
      .filter((c) => OPEN_STATUSES.includes(c.status) && c.dueAt <= now)
      .sort((a, b) => (`${a.dueAt}_${a.id}` < `${b.dueAt}_${b.id}` ? -1 : 1));
    return { examined: examined.length, count: late.length, ids: late.slice(0, examples).map((c) => c.id) };
  }

  async addHistory(_trx: unknown, complaintId: string, entry: ComplaintHistoryEntry): Promise<void> {
    this.historyEntries.push({ ...entry, complaintId });
  }

  async history(complaintId: string): Promise<ComplaintHistoryEntry[]> {
    return this.historyEntries.filter((h) => h.complaintId === complaintId).map(({ complaintId: _c, ...entry }) => entry);
  }

  async addExtension(_trx: unknown, complaintId: string, extension: ComplaintExtension): Promise<void> {
    this.extensionEntries.push({ ...extension, complaintId });
  }

  async extensions(complaintId: string): Promise<ComplaintExtension[]> {
    return this.extensionEntries.filter((e) => e.complaintId === complaintId).map(({ complaintId: _c, ...extension }) => extension);
  }

  async addLink(_trx: unknown, complaintId: string, link: ComplaintLink): Promise<boolean> {
    const taken = this.linkEntries.some((l) => l.complaintId === complaintId && l.kind === link.kind && l.target === link.target);
    if (!taken) this.linkEntries.push({ ...link, complaintId });
    return !taken;
  }

  async links(complaintIds: readonly string[]): Promise<Map<string, ComplaintLink[]>> {
    const out = new Map<string, ComplaintLink[]>();
    const order = (l: ComplaintLink) => `${l.linkedAt}\u0000${l.kind}\u0000${l.target}`;
    for (const { complaintId, ...link } of [...this.linkEntries].sort((a, b) => (order(a) < order(b) ? -1 : 1)))
      if (complaintIds.includes(complaintId)) out.set(complaintId, [...(out.get(complaintId) ?? []), link]);
    return out;
  }

  async departmentsOf(id: string): Promise<string[] | undefined> {
    const complaint = this.complaints.get(id);
    return complaint && this.concerned(complaint);
  }

  /** As the database derives it: the owners of the app it names, of linked apps and assets, and what linked incidents concern. */
  private concerned(c: ComplaintRecord): string[] {
    const linked = this.linkEntries.filter((l) => l.complaintId === c.id);
    const departments = [
      c.app === null ? undefined : this.appOwners.get(c.app.toLowerCase()),
      ...linked.map((l) => (l.kind === 'app' ? this.appOwners.get(l.target.toLowerCase()) : undefined)),
      ...linked.map((l) => (l.kind === 'asset' ? this.assetOwners.get(l.target) : undefined)),
      ...linked.flatMap((l) => (l.kind === 'incident' ? (this.incidentDepartments.get(l.target) ?? []) : [])),
    ];
    return [...new Set(departments.filter((d) => d !== undefined))].sort();
  }
}
