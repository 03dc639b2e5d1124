import type { AccessGrantStore, GrantDirectory } from '../../services/access-grants';
import { DATA_ASSETS_CHANGED } from '../../services/data-assets';
import { VendorAccessEngine, type VendorDirectory } from '../../services/decisions';
import { CACHE_MS, MAX_CACHED_ASSETS, MAX_CACHED_PURPOSES, MISS_CACHE_MS } from '../../services/decisions/engine';
import { PublishedNotices, type NoticeStore, type ScopeVersions } from '../../services/notices';
import { CACHED_PURPOSE_TTL_MS, MAX_CACHED_PURPOSES as MAX_NOTICE_PURPOSES } from '../../services/notices/published';
import { ClientDirectory } from '../../services/oauth/clients/client-directory';
import type { ClientRecord } from '../../services/oauth/clients/store-type';
import type { JwksUriPolicy } from '../../services/oauth/clients/jwks-uri';
import { CLIENT_CACHE_SIZE, CLIENT_CACHE_TTL_MS } from '../../services/oauth/settings';
import { PURPOSE_CHANGED, type Purpose, type PurposeService } from '../../services/purposes';
import type { ChangeFeed, ChangeHandler } from '../../services/platform/change-feed';

// Keys of these caches come from request bodies or unauthenticated callers: however many distinct
// keys arrive, each cache stays at its bound, entries age out on the wall clock, and the change
// feed still drops a changed entry at once.

const T0 = Date.UTC(2026, 11, 5, 9);

function fakeFeed() {
  const handlers = new Map<string, ChangeHandler[]>();
  const feed = {
    connected: true,
    subscribe: (topic: string, h: ChangeHandler) => handlers.set(topic, [...(handlers.get(topic) ?? []), h]),
    onReconnect: (h: ChangeHandler) => handlers.set('reconnect', [h]),
  };
  const emit = async (topic: string, payload: Record<string, unknown> = {}) => {
    for (const h of handlers.get(topic) ?? []) await h(payload);
  };
  return { feed: feed as unknown as ChangeFeed, emit };
}

beforeEach(() => jest.useFakeTimers({ now: T0, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] }));
afterEach(() => jest.useRealTimers());

describe('decision engine asset and purpose lookups', () => {
  function engine() {
    const reads = { assets: 0, purposes: 0 };
    const directory = {
      asset: async (ref: string) => {
        reads.assets += 1;
        return ref === 'known' ? ({ id: 'a1', key: 'known' } as never) : undefined;
      },
      purpose: async (key: string) => {
        reads.purposes += 1;
        return key === 'collections' ? ({ key, legalBasis: 'contract' } as never) : undefined;
      },
    } as unknown as GrantDirectory;
    const store = {
      retiredSubjects: async () => ({ assets: [], fields: [], purposes: [] }),
    } as unknown as AccessGrantStore;
    const vendors: VendorDirectory = { loadAll: async () => [], loadOne: async () => undefined };
    const feed = fakeFeed();
    const e = new VendorAccessEngine(store, directory, vendors);
    e.subscribe(feed.feed);
    return { e, reads, emit: feed.emit };
  }

  it('stays at its bound however many distinct unknown asset refs and purpose keys callers send', async () => {
    const { e } = engine();
    for (let i = 0; i < MAX_CACHED_ASSETS + 500; i++) await e.asset(`unknown-asset-${i}`);
    for (let i = 0; i < MAX_CACHED_PURPOSES + 500; i++) await e.legalBasis(`unknown-purpose-${i}`);
    expect(e.cachedLookups).toEqual({ assets: MAX_CACHED_ASSETS, purposes: MAX_CACHED_PURPOSES });
  });

  it('keeps a found asset for CACHE_MS and a miss for MISS_CACHE_MS, then reads again', async () => {
    const { e, reads } = engine();
    await e.asset('known');
    await e.asset('missing');
    jest.setSystemTime(T0 + MISS_CACHE_MS - 1);
    await e.asset('known');
    await e.asset('missing');
    expect(reads.assets).toBe(2);
    jest.setSystemTime(T0 + MISS_CACHE_MS + 1);
    await e.asset('missing');
    expect(reads.assets).toBe(3);
    await e.asset('known');
    expect(reads.assets).toBe(3);
    jest.setSystemTime(T0 + CACHE_MS + 1);
    await e.asset('known');
    expect(reads.assets).toBe(4);
  });

  it('drops remembered assets and purposes at once when the change feed says they changed', async () => {
    const { e, reads, emit } = engine();
    await e.asset('known');
    expect(await e.legalBasis('collections')).toBe('contract');
    await emit(DATA_ASSETS_CHANGED);
    await emit(PURPOSE_CHANGED, { key: 'collections' });
    expect(e.cachedLookups).toEqual({ assets: 0, purposes: 0 });
    await e.asset('known');
    await e.legalBasis('collections');
    expect(reads).toEqual({ assets: 2, purposes: 2 });
  });
});

describe('published notices per purpose', () => {
  function notices() {
    let reads = 0;
    const store = {
      scopeVersions: async () => {
        reads += 1;
        return new Map<string, ScopeVersions>([['', { latest: 1, latestMaterial: 1 }]]);
      },
    } as unknown as NoticeStore;
    // Every key names a purpose here, so each is cached: the worst case for the bound.
    const purposes = {
      find: async (key: string) => ({ key, legalBasis: 'consent', status: 'active' }) as Purpose,
    } as unknown as PurposeService;
    const feed = fakeFeed();
    return { published: new PublishedNotices(store, purposes, feed.feed), reads: () => reads, emit: feed.emit };
  }

  it('stays at its bound however many distinct purposes are asked for', async () => {
    const s = notices();
    for (let i = 0; i < MAX_NOTICE_PURPOSES + 500; i++) await s.published.purposeNotices(`purpose-${i}`);
    expect(s.published.cachedPurposes).toBe(MAX_NOTICE_PURPOSES);
  });

  it('reads a quiet purpose again once its TTL has passed', async () => {
    const s = notices();
    await s.published.purposeNotices('card_offers');
    jest.setSystemTime(T0 + CACHED_PURPOSE_TTL_MS - 1);
    await s.published.purposeNotices('card_offers');
    expect(s.reads()).toBe(1);
    jest.setSystemTime(T0 + CACHED_PURPOSE_TTL_MS + 1);
    await s.published.purposeNotices('card_offers');
    expect(s.reads()).toBe(2);
  });
});

describe('OAuth client directory', () => {
  function directory() {
    let reads = 0;
    let status = 'active';
    const store = {
      get: async (clientId: string) => {
        reads += 1;
        return { clientId, status, jwks: null, jwksUri: null } as unknown as ClientRecord;
      },
    };
    const feed = fakeFeed();
    const clients = new ClientDirectory(store, feed.feed, {} as JwksUriPolicy);
    return { clients, reads: () => reads, disable: () => (status = 'disabled') };
  }

  it('stays at its bound however many distinct client ids callers present', async () => {
    const { clients } = directory();
    for (let i = 0; i < CLIENT_CACHE_SIZE + 500; i++) await clients.find(`client-${i}`);
    expect(clients.size).toBe(CLIENT_CACHE_SIZE);
  });

  it('answers from memory until invalidated (a disabled client is seen at once) or until its TTL passes', async () => {
    const s = directory();
    await s.clients.find('c1');
    expect(s.clients.cached('c1')?.record.status).toBe('active');
    s.disable();
    s.clients.invalidate('c1'); // what the CLIENT_CHANGED notice does
    expect(s.clients.cached('c1')).toBeUndefined();
    expect((await s.clients.find('c1'))?.record.status).toBe('disabled');
    expect(s.reads()).toBe(2);
    jest.setSystemTime(T0 + CLIENT_CACHE_TTL_MS + 1);
    expect(s.clients.cached('c1')).toBeUndefined();
  });
});
