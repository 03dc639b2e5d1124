import { PURPOSE_CHANGED, type Purpose, type PurposeService } from '../purposes';
import { boundedCache } from '../platform/bounded-cache';
import type { ChangeSubscriber } from '../platform/change-feed';
import { NotFoundError } from '../shared/errors';
import type { PublicNotice } from './schemas';
import type { NoticeStoreType, PublishedNotice, ScopeVersions } from './store-type';

/** Change-feed topic, payload { purposeKey }: a notice version of the purpose was published. */
export const NOTICES_CHANGED = 'notices.published';

/** The one answer for every public notice that cannot be shown. */
export const NO_PUBLISHED_NOTICE = 'No published notice matches this purpose and version';

// Purposes are a bank's few hundred; the bound only stops a flood of distinct keys from growing memory.
export const MAX_CACHED_PURPOSES = 10_000;
// The change feed drops a purpose at once when it changes; the TTL only re-reads the quiet ones.
export const CACHED_PURPOSE_TTL_MS = 10 * 60_000;

/** What consent checks need about a purpose's notices, per scope ('' = general, else an app id). */
export interface PurposeNotices {
  readonly purpose: Purpose;
  readonly scopes: ReadonlyMap<string, ScopeVersions>;
}

/**
 * Published notice versions, read: the public view, pinned versions, whether a purpose has a notice,
 * and per purpose the latest (material) version of each scope, kept in memory for consent checks.
 * A publication or a purpose change anywhere clears that memory (change feed); nothing is cached
 * while the feed is disconnected.
 */
export class PublishedNotices {
  private readonly cache = boundedCache<string, PurposeNotices>({ max: MAX_CACHED_PURPOSES, ttlMs: CACHED_PURPOSE_TTL_MS });
  private generation = 0;

  constructor(
    private readonly store: NoticeStoreType,
    private readonly purposes: Pick<PurposeService, 'find'>,
    private readonly changes: ChangeSubscriber,
  ) {
    changes.subscribe(NOTICES_CHANGED, (p) => this.forget(String(p.purposeKey)));
    changes.subscribe(PURPOSE_CHANGED, (p) => this.forget(String(p.key)));
    changes.onReconnect(() => this.forget());
  }

  /**
   * The published notice people see: a pinned version, or the latest of the app's own notice
   * (when `app` is given and has one) or of the purpose's general notice. One 404, with the same
   * words and the same reads, whether the purpose is unknown, has nothing published or lacks the
   * version: the public cannot tell which purposes exist.
   */
  async publicNotice(purposeKey: string, query: { version?: number; app?: string }): Promise<PublicNotice> {
    let notice: PublishedNotice | undefined;
    if (query.version !== undefined) {
      notice = await this.store.publishedVersion(purposeKey, query.version);
      if (notice && query.app !== undefined && notice.appId !== null && notice.appId !== query.app) notice = undefined;
    } else {
      const own = query.app === undefined ? undefined : await this.store.latestPublished(purposeKey, query.app);
      notice = own ?? (await this.store.latestPublished(purposeKey, null));
    }
    const purpose = await this.purposes.find(purposeKey);
    if (!notice || !purpose) throw new NotFoundError(NO_PUBLISHED_NOTICE);
    return {
      purpose: purposeKey,
      legalBasis: purpose.legalBasis,
      app: notice.appId,
      version: notice.version,
      material: notice.material,
      publishedAt: notice.publishedAt,
      ...notice.content,
      changes: notice.changes,
    };
  }

  /** Whether the purpose has a published notice (for `appId`: its own or the general one). */
  hasPublishedNotice(purposeKey: string, appId?: string): Promise<boolean> {
    return this.store.hasPublished(purposeKey, appId);
  }

  /** A published version of a purpose. */
  publishedVersion(purposeKey: string, version: number): Promise<PublishedNotice | undefined> {
    return this.store.publishedVersion(purposeKey, version);
  }

  /** The purpose and the latest (material) notice version of each of its scopes; undefined for an unknown purpose. */
  async purposeNotices(purposeKey: string): Promise<PurposeNotices | undefined> {
    const trusted = this.changes.connected;
    const cached = trusted ? this.cache.get(purposeKey) : undefined;
    if (cached) return cached;
    const generation = this.generation;
    const purpose = await this.purposes.find(purposeKey);
    if (!purpose) return undefined;
    const state: PurposeNotices = { purpose, scopes: await this.store.scopeVersions(purposeKey) };
    // A publication that committed while we read would be lost if we cached what we read before it.
    if (trusted && generation === this.generation) this.cache.set(purposeKey, state);
    return state;
  }

  /** Purposes remembered right now (bounded by MAX_CACHED_PURPOSES). */
  get cachedPurposes(): number {
    return this.cache.size;
  }

  private forget(purposeKey?: string): void {
    this.generation += 1;
    if (purposeKey === undefined) this.cache.clear();
    else this.cache.delete(purposeKey);
  }
}
