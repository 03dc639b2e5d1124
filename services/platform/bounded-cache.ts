import { LRUCache } from 'lru-cache';

// TTLs are cache ages on the wall clock (Date.now): how long an entry may be kept, never a business
// rule (a rule such as a token's expiry is checked against the injected clock, on top of the TTL).
// It is read on every check, so no timer keeps a stale "now" (lru-cache's ttlResolution).
const WALL_CLOCK = Object.freeze({ now: (): number => Date.now() });

export interface CacheBounds {
  /** Most entries kept; the least recently used goes first. */
  readonly max: number;
  /** Default lifetime of an entry in milliseconds (a `set` may give a shorter one); omitted: none. */
  readonly ttlMs?: number;
}

/** An in-memory cache from lru-cache, bounded in size and (when given) in age. */
export function boundedCache<K extends string, V extends object>(bounds: CacheBounds): LRUCache<K, V> {
  return new LRUCache<K, V>({ max: bounds.max, ttl: bounds.ttlMs ?? 0, ttlResolution: 0, perf: WALL_CLOCK });
}
