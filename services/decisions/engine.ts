import {
  ACCESS_GRANTS_CHANGED,
  type AccessGrantStore,
  type GrantDirectory,
  type GrantTerms,
  type RetiredSubjects,
  type RowScope,
} from '../access-grants';
import { PolicyIndexBuilder, VendorPolicy, type FieldVerdict, type VendorAttributes } from '../authz/vendor-policy';
import { DATA_ASSETS_CHANGED } from '../data-assets';
import { PURPOSE_CHANGED } from '../purposes';
import { boundedCache } from '../platform/bounded-cache';
import { isoInstant } from '../platform/row-mapper';
import type { ChangeFeed, FeedStatus } from '../platform/change-feed';
import { systemClock, type Clock } from '../platform/clock';
import { VENDOR_CHANGED } from '../vendors';
import { ServiceUnavailableError } from '../shared/errors';

export interface VendorSnapshot {
  readonly id: string;
  readonly status: string;
  readonly contractStartsAt: string;
  readonly contractEndsAt: string;
  readonly purposes: readonly string[];
}

/** Bulk reads of vendors for the in-memory snapshot (implemented over the vendors feature). */
export interface VendorDirectory {
  loadAll(): Promise<VendorSnapshot[]>;
  loadOne(id: string): Promise<VendorSnapshot | undefined>;
}

export type AssetSnapshot = NonNullable<Awaited<ReturnType<GrantDirectory['asset']>>>;

/** What a decision needs to know about a matched grant beyond its policy line. */
export interface GrantMeta {
  readonly id: string;
  readonly vendorId: string;
  readonly purposeKey: string;
  readonly rowScope: RowScope | null;
  readonly dailyRecordCap: number | null;
}

/** Assets and purposes are read briefly from memory (and dropped at once when they change); a miss for less long. */
export const CACHE_MS = 5_000;
export const MISS_CACHE_MS = 1_000;
/** Asset refs and purpose keys come from request bodies: at most this many of each are remembered. */
export const MAX_CACHED_ASSETS = 10_000;
export const MAX_CACHED_PURPOSES = 10_000;
const LOAD_PAGE = 20_000;

/**
 * The decision engine's in-memory view: vendor policy lines (indexed), vendor status and
 * contract windows, grant metadata and today's usage. Loaded once at start, then kept current
 * per vendor through the change feed (this process at once, other replicas via pg_notify).
 */
export class VendorAccessEngine {
  private policy: VendorPolicy | undefined;
  private readonly vendors = new Map<string, VendorAttributes>();
  private readonly grants = new Map<string, GrantMeta>();
  private readonly assets = boundedCache<string, { readonly value: AssetSnapshot | undefined }>({
    max: MAX_CACHED_ASSETS,
    ttlMs: CACHE_MS,
  });
  private readonly purposes = boundedCache<string, { readonly legalBasis: string | undefined }>({
    max: MAX_CACHED_PURPOSES,
    ttlMs: CACHE_MS,
  });
  /** Retired assets (ids), fields (asset id + NUL + name) and purposes: never allowed, whatever a line says. */
  private retired = { assets: new Set<string>(), fields: new Set<string>(), purposes: new Set<string>() };
  private retiredGeneration = 0;
  private usageDay = '';
  private usage = new Map<string, number>();
  /** When the last completed full load began reading: it reflects every change committed before. */
  private loadedAt = 0;
  /** Vendors changed while a full load was reading: re-read after it, or the load would undo them. */
  private changedDuringLoad: Set<string> | undefined;
  /** Bumped when what a vendor's checks answer may have changed (see `revision`). */
  private fullRevision = 0;
  private readonly vendorRevisions = new Map<string, number>();

  constructor(
    private readonly store: AccessGrantStore,
    private readonly directory: GrantDirectory,
    private readonly vendorDirectory: VendorDirectory,
    private readonly clock: Clock = systemClock,
    /** The change feed's clock (`ChangeFeed.clock`): `loadedAt` and freshness are compared with its heartbeats. */
    private readonly feedClock: Clock = systemClock,
  ) {}

  get ready(): boolean {
    return this.policy !== undefined;
  }

  /**
   * The instant up to which this view is known to include every committed change: the start of
   * the last full load, or, when that load began after the change feed's current session started
   * listening, the feed's last answered heartbeat (everything since the load arrived as notices).
   */
  currentAsOf(feed: FeedStatus): number {
    if (!feed.listening) return this.feedClock.now().getTime();
    return this.loadedAt >= feed.since ? Math.max(feed.confirmedAt, this.loadedAt) : this.loadedAt;
  }

  /**
   * Fresh enough to decide: current as of less than `maxStalenessMs` ago. A replica whose change
   * feed is down (or came back but has not reloaded yet) stops being fresh once the bound passes,
   * and decisions answer 503 rather than decide on what may be stale.
   */
  fresh(feed: FeedStatus, maxStalenessMs: number): boolean {
    return this.ready && this.feedClock.now().getTime() - this.currentAsOf(feed) < maxStalenessMs;
  }

  get lastLoadedAt(): number {
    return this.loadedAt;
  }

  get lineCount(): number {
    return this.policy?.lineCount ?? 0;
  }

  subscribe(changes: ChangeFeed): void {
    changes.subscribe(ACCESS_GRANTS_CHANGED, (p) => this.reloadVendor(String(p.vendorId)));
    changes.subscribe(VENDOR_CHANGED, (p) => this.reloadVendor(String(p.vendorId)));
    changes.subscribe(DATA_ASSETS_CHANGED, () => {
      this.assets.clear();
      this.fullRevision += 1;
      return this.reloadRetired();
    });
    changes.subscribe(PURPOSE_CHANGED, () => {
      this.purposes.clear();
      return this.reloadRetired();
    });
    changes.onReconnect(() => this.load());
  }

  /** Full load: every vendor, every policy line, every live grant and today's usage. */
  async load(): Promise<void> {
    const startedAt = this.feedClock.now().getTime(); // becomes loadedAt, compared with the change feed's heartbeats
    const changed = new Set<string>();
    this.changedDuringLoad = changed;
    try {
      await this.loadAll(startedAt);
    } finally {
      if (this.changedDuringLoad === changed) this.changedDuringLoad = undefined;
    }
    for (const vendorId of changed) await this.reloadVendor(vendorId);
  }

  private async loadAll(startedAt: number): Promise<void> {
    const policy = this.policy ?? (await VendorPolicy.create());
    // Packed page by page: the raw rows of two pages at a time, never all of them. The next page is
    // asked for before this one is packed, so the database reads it while this process packs.
    const built = new PolicyIndexBuilder();
    for (let next = this.store.linesPage(0, LOAD_PAGE); ;) {
      const page = await next;
      if (page.length === 0) break;
      next = this.store.linesPage(page[page.length - 1].id, LOAD_PAGE);
      // Awaited at the top of the loop; should packing throw first, its failure must not go unhandled.
      next.catch(() => undefined);
      built.add(page.map((row) => row.line));
    }
    const now = this.clock.now().toISOString();
    const vendors = await this.vendorDirectory.loadAll();
    const grants = await this.store.liveGrantTerms(now);
    const day = now.slice(0, 10);
    const usage = await this.store.usageToday(day);
    const retiredGeneration = ++this.retiredGeneration;
    const retired = await this.store.retiredSubjects();
    policy.install(built);
    if (retiredGeneration === this.retiredGeneration) this.retired = retiredSets(retired);
    this.vendors.clear();
    for (const v of vendors) this.vendors.set(v.id, toAttributes(v));
    this.grants.clear();
    for (const g of grants) this.grants.set(g.id, toMeta(g));
    this.usageDay = day;
    this.usage = usage;
    this.assets.clear();
    this.purposes.clear();
    this.policy = policy;
    this.loadedAt = startedAt;
    this.fullRevision += 1;
  }

  /** Reloads one vendor's lines, grants and status after a change. */
  async reloadVendor(vendorId: string): Promise<void> {
    this.changedDuringLoad?.add(vendorId);
    if (!this.policy) return;
    const [lines, snapshot, grants] = await Promise.all([
      this.store.linesOfVendor(vendorId),
      this.vendorDirectory.loadOne(vendorId),
      this.store.liveGrantTerms(this.clock.now().toISOString(), vendorId),
    ]);
    this.policy.replaceVendor(vendorId, lines);
    if (snapshot) this.vendors.set(vendorId, toAttributes(snapshot));
    else this.vendors.delete(vendorId);
    for (const [id, meta] of this.grants) if (meta.vendorId === vendorId) this.grants.delete(id);
    for (const g of grants) this.grants.set(g.id, toMeta(g));
    this.vendorRevisions.set(vendorId, (this.vendorRevisions.get(vendorId) ?? 0) + 1);
  }

  /**
   * Changes whenever a check for `vendorId` may answer differently than before (its lines, status or
   * contract, assets, a full reload); equal revisions mean the same answers at the same instant.
   */
  revision(vendorId: string): string {
    return `${this.fullRevision}.${this.vendorRevisions.get(vendorId) ?? 0}`;
  }

  private current(): VendorPolicy {
    if (!this.policy) throw new ServiceUnavailableError('Vendor access policies are not loaded yet');
    return this.policy;
  }

  vendor(id: string): VendorAttributes | undefined {
    return this.vendors.get(id);
  }

  /**
   * The model's verdict (policies/vendor_access.conf), except that a retired asset, field or
   * purpose is never allowed: retirement is refused while grants name them, and this holds even
   * if a line somehow still does.
   */
  check(vendorId: string, assetId: string, field: string, action: string, purpose: string, now: string): FieldVerdict {
    const verdict = this.current().check(this.vendors.get(vendorId), assetId, field, action, purpose, now);
    if (!verdict.allowed) return verdict;
    if (this.retired.purposes.has(purpose)) return { allowed: false, reason: 'purpose_mismatch' };
    if (this.retired.assets.has(assetId)) return { allowed: false, reason: 'no_grant' };
    if (this.retired.fields.has(fieldKey(assetId, field))) return { allowed: false, reason: 'field_not_granted' };
    return verdict;
  }

  /**
   * Candidates for the AuthZEN search APIs, from the same index the checks read: the assets a
   * vendor holds lines on (with those fields), or the vendors holding lines on given fields of an
   * asset. Candidates only: every one is then decided like an evaluation.
   */
  assetsOf(vendorId: string): string[] {
    return this.current().assetsOf(vendorId);
  }

  fieldsOf(vendorId: string, assetId: string): string[] {
    return this.current().fieldsOf(vendorId, assetId);
  }

  vendorsOn(assetId: string, fields: readonly string[]): string[] {
    return this.current().vendorsOn(assetId, fields);
  }

  /** Re-reads what is retired after an asset or purpose changed (the latest read wins). */
  private async reloadRetired(): Promise<void> {
    const generation = ++this.retiredGeneration;
    const retired = await this.store.retiredSubjects();
    if (generation === this.retiredGeneration) this.retired = retiredSets(retired);
  }

  grant(id: string): GrantMeta | undefined {
    return this.grants.get(id);
  }

  /** An asset by id or key, cached briefly (and dropped at once when assets change). */
  async asset(ref: string): Promise<AssetSnapshot | undefined> {
    const cached = this.assets.get(ref);
    if (cached) return cached.value;
    const value = await this.directory.asset(ref);
    this.assets.set(ref, { value }, { ttl: value ? CACHE_MS : MISS_CACHE_MS });
    return value;
  }

  async legalBasis(purposeKey: string): Promise<string | undefined> {
    const cached = this.purposes.get(purposeKey);
    if (cached) return cached.legalBasis;
    const purpose = await this.directory.purpose(purposeKey);
    this.purposes.set(purposeKey, { legalBasis: purpose?.legalBasis });
    return purpose?.legalBasis;
  }

  /** Assets and purposes remembered right now (bounded by MAX_CACHED_ASSETS and MAX_CACHED_PURPOSES). */
  get cachedLookups(): { assets: number; purposes: number } {
    return { assets: this.assets.size, purposes: this.purposes.size };
  }

  /** Records used today under a grant (this process's view: the database count at load plus what it decided since). */
  usedToday(grantId: string, today: string): number {
    this.rollDay(today);
    return this.usage.get(grantId) ?? 0;
  }

  reserve(grantId: string, records: number, today: string): void {
    this.rollDay(today);
    this.usage.set(grantId, (this.usage.get(grantId) ?? 0) + records);
  }

  release(grantId: string, records: number, today: string): void {
    if (this.usageDay !== today) return;
    this.usage.set(grantId, Math.max(0, (this.usage.get(grantId) ?? 0) - records));
  }

  private rollDay(today: string): void {
    if (this.usageDay === today) return;
    this.usageDay = today;
    this.usage = new Map();
  }
}

function toAttributes(v: VendorSnapshot): VendorAttributes {
  return {
    id: v.id,
    status: v.status,
    contractFrom: isoInstant(v.contractStartsAt),
    contractUntil: isoInstant(v.contractEndsAt),
    purposes: v.purposes,
  };
}

function toMeta(g: GrantTerms): GrantMeta {
  return { id: g.id, vendorId: g.vendorId, purposeKey: g.purposeKey, rowScope: g.rowScope, dailyRecordCap: g.dailyRecordCap };
}

const fieldKey = (assetId: string, field: string): string => `${assetId}\u0000${field}`;

function retiredSets(r: RetiredSubjects) {
  return { assets: new Set(r.assets), fields: new Set(r.fields.map((f) => fieldKey(f.assetId, f.name))), purposes: new Set(r.purposes) };
}
