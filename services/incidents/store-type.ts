import type { Db, Trx } from '../db';
import type { ContainmentRecord, IncidentHistoryEntry, IncidentNotification, IncidentSeverity, IncidentStatus } from './schemas';

export interface IncidentRecord {
  id: string;
  title: string;
  description: string;
  source: string;
  severity: IncidentSeverity;
  status: IncidentStatus;
  detectedAt: string;
  vendors: string[];
  assets: string[];
  apps: string[];
  notificationDueAt: string;
  regulatorNotifiedAt: string | null;
  containedAt: string | null;
  closedAt: string | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

export interface RectificationRecord {
  id: string;
  incidentId: string;
  action: string;
  owner: string;
  dueAt: string;
  status: 'open' | 'done';
  createdBy: string;
  createdAt: string;
  completedAt: string | null;
  completedBy: string | null;
  evidence: string | null;
}

export interface IncidentFilter {
  status?: IncidentStatus;
  severity?: IncidentSeverity;
  vendor?: string;
  notificationOverdue?: boolean;
  after?: { createdAt: string; id: string };
  /** Only incidents concerning one of these departments (undefined = all). */
  departments?: readonly string[];
  now: string;
}

/** A report period as UTC instants, `to` exclusive. */
export interface Period {
  readonly from: string;
  readonly to: string;
}

/** Of how many, how many, and the ids of the first few (oldest first). */
export interface CountWithExamples {
  /** How many records the question was asked of. */
  examined: number;
  count: number;
  ids: string[];
}

/** Rectification items of one incident: all, and those still open. */
export interface RectificationCounts {
  total: number;
  open: number;
}

/** What the incident and containment services need of storage (store.ts on the database, fake-store.ts in memory). */
export interface IncidentStoreType {
  insert(trx: Trx, incident: IncidentRecord): Promise<void>;
  update(trx: Trx, incident: IncidentRecord): Promise<void>;
  /** With `forUpdate`, locks the incident's row until the transaction ends. */
  get(id: string, trx?: Db | Trx, forUpdate?: boolean): Promise<IncidentRecord | undefined>;
  /** Oldest first (created, then id), after `after`. */
  list(filter: IncidentFilter, limit: number): Promise<IncidentRecord[]>;
  exists(id: string): Promise<boolean>;
  addHistory(trx: Trx, incidentId: string, entry: IncidentHistoryEntry): Promise<void>;
  /** In the order they were added. */
  history(incidentId: string): Promise<IncidentHistoryEntry[]>;
  addContainment(trx: Trx, incidentId: string, containment: ContainmentRecord): Promise<void>;
  /** In the order they were applied. */
  containments(incidentId: string): Promise<ContainmentRecord[]>;
  addNotification(trx: Trx, incidentId: string, notification: IncidentNotification): Promise<void>;
  /** In the order they were sent. */
  notifications(incidentId: string): Promise<IncidentNotification[]>;
  addRectification(trx: Trx, rectification: RectificationRecord): Promise<void>;
  /** Writes a completed item's status, completion and evidence. */
  completeRectification(trx: Trx, rectification: RectificationRecord): Promise<void>;
  /** One item of the incident, locked until the transaction ends. */
  rectification(trx: Trx, incidentId: string, id: string): Promise<RectificationRecord | undefined>;
  /** In the order they were created. */
  rectifications(incidentId: string): Promise<RectificationRecord[]>;
  /** Per incident that has any: how many rectification items, and how many are open. */
  rectificationCounts(incidentIds: readonly string[], trx?: Db | Trx): Promise<Map<string, RectificationCounts>>;

  // What the compliance report asks, of all incidents or of those open at some time in `openDuring`
  // (detected before its end and not closed before its start); examples oldest first.
  /** Incidents whose regulator notification is due at `now` and not recorded. */
  overdueNotifications(now: string, examples: number, openDuring?: Period): Promise<CountWithExamples>;
  /** Of all incidents, those whose regulator notification was recorded after it was due. */
  lateNotifications(examples: number): Promise<CountWithExamples>;
  /** Incidents still open: nothing has been done to contain them. */
  withoutContainment(examples: number, openDuring?: Period): Promise<CountWithExamples>;
  /** Of the rectification items (created before the period's end and not completed before its start), the open ones past due (item ids). */
  overdueRectifications(now: string, examples: number, openDuring?: Period): Promise<CountWithExamples>;
}

/**
 * Which departments incidents concern (read from the data assets and apps they name), and which
 * containments still hold a vendor suspended (scope-store.ts on the database, fake-store.ts in memory).
 */
export interface IncidentScopeStoreType {
  /** The departments incident `id` concerns, sorted; undefined when there is no such incident. */
  departmentsOf(id: string): Promise<string[] | undefined>;
  /** The departments an incident naming these assets (ids or keys) and apps (ledger names) would concern. */
  departmentsFor(assets: readonly string[], apps: readonly string[]): Promise<string[]>;
  /** Incidents (not closed) whose unreleased containment suspended `vendorId` or found it suspended. */
  holding(trx: Trx, vendorId: string): Promise<string[]>;
  /** Releases every unreleased vendor-suspending containment of the incident; answers their ids. */
  release(trx: Trx, incidentId: string, release: { at: string; by: string; reason: string }): Promise<string[]>;
}
