import type { Db, Trx } from '../db';
import type {
  ComplaintCategory,
  ComplaintChannel,
  ComplaintExtension,
  ComplaintHistoryEntry,
  ComplaintLink,
  ComplaintStatus,
} from './schemas';

/** A complaint as stored; `contact` is personal data and leaves only through the privacy officers' view. */
export interface ComplaintRecord {
  id: string;
  reference: string;
  category: ComplaintCategory;
  description: string;
  contact: string | null;
  subjectRef: string | null;
  app: string | null;
  channel: ComplaintChannel;
  clientId: string | null;
  status: ComplaintStatus;
  receivedAt: string;
  dueDays: number;
  dueDate: string;
  dueAt: string;
  decidedAt: string | null;
  closedAt: string | null;
  rejectionReason: string | null;
  updatedAt: string;
}

export interface ComplaintFilter {
  status?: ComplaintStatus;
  category?: ComplaintCategory;
  overdue?: boolean;
  app?: string;
  vendor?: string;
  after?: { receivedAt: string; id: string };
  /** Only complaints concerning one of these departments (undefined = all). */
  departments?: readonly string[];
  now: string;
}

/** Of how many complaints, how many, and the ids of the longest overdue. */
export interface OverdueCount {
  examined: number;
  count: number;
  ids: string[];
}

/**
 * What the complaint service needs of storage (store.ts on the database, fake-store.ts in memory).
 * Which departments a complaint concerns is read from other features' tables (the apps, assets and
 * incidents it names or is linked to): `departmentsOf` and the `departments` filter of `list`.
 */
export interface ComplaintStoreType {
  /** Fails with a unique violation when the reference is taken. */
  insert(trx: Trx, complaint: ComplaintRecord): Promise<void>;
  update(trx: Trx, complaint: ComplaintRecord): Promise<void>;
  /** With `forUpdate`, locks the complaint's row until the transaction ends. */
  get(id: string, trx?: Db | Trx, forUpdate?: boolean): Promise<ComplaintRecord | undefined>;
  byReference(reference: string): Promise<ComplaintRecord | undefined>;
  /** Oldest first (received, then id), after `after`. */
  list(filter: ComplaintFilter, limit: number): Promise<ComplaintRecord[]>;
  /**
   * Of all complaints (or those undecided at some time in `openDuring`: received before its end and not
   * decided before its start), the undecided ones past their deadline at `now`, the longest overdue first.
   */
  overdue(now: string, examples: number, openDuring?: { from: string; to: string }): Promise<OverdueCount>;
  addHistory(trx: Trx, complaintId: string, entry: ComplaintHistoryEntry): Promise<void>;
  /** In the order they were added. */
  history(complaintId: string): Promise<ComplaintHistoryEntry[]>;
  addExtension(trx: Trx, complaintId: string, extension: ComplaintExtension): Promise<void>;
  /** In the order they were added. */
  extensions(complaintId: string): Promise<ComplaintExtension[]>;
  /** Adds a link; false when the complaint already has it. */
  addLink(trx: Trx, complaintId: string, link: ComplaintLink): Promise<boolean>;
  /** Each complaint's links, in the order they were made. */
  links(complaintIds: readonly string[]): Promise<Map<string, ComplaintLink[]>>;

  /** The departments complaint `id` concerns, sorted; undefined when there is no such complaint. */
  departmentsOf(id: string): Promise<string[] | undefined>;
}
