import type { Db, Trx } from '../db';
import type { SensitiveRelease } from './disclosure';
import type { DraftContent, NoticeContent, NoticeDiff, NoticeStatus } from './schemas';

/** A notice row as the service works with it. */
export interface NoticeRecord {
  seq: number;
  id: string;
  purposeKey: string;
  appId: string | null;
  status: NoticeStatus;
  content: DraftContent;
  basedOnVersion: number | null;
  version: number | null;
  material: boolean | null;
  changes: NoticeDiff | null;
  createdBy: string;
  createdAt: string;
  updatedBy: string;
  updatedAt: string;
  publishedBy: string | null;
  publishedAt: string | null;
}

export interface PublishedNotice extends NoticeRecord {
  status: 'published';
  content: NoticeContent;
  version: number;
  material: boolean;
  changes: NoticeDiff;
  publishedBy: string;
  publishedAt: string;
}

/** Per scope ('' = the purpose's general notice, else an app id): the latest version and the latest material one. */
export interface ScopeVersions {
  readonly latest: number;
  readonly latestMaterial: number;
}

export interface NoticeFilter {
  purposeKey?: string;
  appId?: string;
  status?: NoticeStatus;
  beforeSeq?: number;
}

/** A vendor holding grants for a purpose that are approved and in their window now. */
export interface GrantedVendor {
  readonly vendorId: string;
  readonly name: string;
  readonly fields: string[];
}

/**
 * What the notice service and the published-notice reads need of storage (store.ts on the
 * database, fake-store.ts in memory). The last three read other features' tables: what a
 * publication must agree with.
 */
export interface NoticeStoreType {
  /** With `forUpdate`, locks the notice's row until the transaction ends. */
  get(id: string, trx?: Db | Trx, forUpdate?: boolean): Promise<NoticeRecord | undefined>;
  /** Newest first, before `beforeSeq`. */
  list(filter: NoticeFilter, limit: number): Promise<NoticeRecord[]>;
  /** The open draft of a scope, if any. */
  draftOf(purposeKey: string, appId: string | null, trx?: Db | Trx): Promise<NoticeRecord | undefined>;
  /** The latest published version of exactly this scope. */
  latestPublished(purposeKey: string, appId: string | null, trx?: Db | Trx): Promise<PublishedNotice | undefined>;
  publishedVersion(purposeKey: string, version: number, trx?: Db | Trx): Promise<PublishedNotice | undefined>;
  /** Whether the purpose has a published general notice (or, for `appId`, the app's own or the general one). */
  hasPublished(purposeKey: string, appId?: string): Promise<boolean>;
  /** Per scope of a purpose: its latest published version and its latest material one. */
  scopeVersions(purposeKey: string, trx?: Db | Trx): Promise<Map<string, ScopeVersions>>;
  /** Serialises publications of one purpose (versions are numbered per purpose) until the transaction ends. */
  lockPurpose(trx: Trx, purposeKey: string): Promise<void>;
  /** The highest version of any scope of the purpose (0 when none). */
  maxVersion(trx: Trx, purposeKey: string): Promise<number>;
  insert(trx: Trx, notice: NoticeRecord): Promise<void>;
  /** Writes a draft's content, or turns it into a published version (a published row never changes). */
  update(trx: Trx, notice: NoticeRecord): Promise<void>;
  deleteDraft(trx: Trx, id: string): Promise<void>;

  /** Sensitive fields that approved grants under the purpose release now or later, with those grants. */
  sensitiveReleases(trx: Trx, purposeKey: string, now: string): Promise<SensitiveRelease[]>;
  /** The ledger state of an app, or undefined when the ledger has no such app. */
  appState(appId: string, trx?: Db | Trx): Promise<string | undefined>;
  /** Vendors whose grants for the purpose are approved and in their window at `now`, with the fields granted. */
  grantedVendors(purposeKey: string, now: string, trx?: Db | Trx): Promise<GrantedVendor[]>;
}
