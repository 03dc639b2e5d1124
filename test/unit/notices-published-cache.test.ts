import { NOTICES_CHANGED, PublishedNotices, type NoticeStore, type ScopeVersions } from '../../services/notices';
import { PURPOSE_CHANGED, type Purpose, type PurposeService } from '../../services/purposes';
import type { ChangeFeed, ChangeHandler } from '../../services/platform/change-feed';

// The per-purpose notice versions consent checks read from memory: loaded once, dropped by every
// publication or purpose change (change feed), never cached from a read that a change overtook.

const purpose = { key: 'card_offers', legalBasis: 'consent', status: 'active' } as Purpose;

function setup() {
  const handlers = new Map<string, ChangeHandler[]>();
  const feed = {
    connected: true,
    subscribe: (topic: string, h: ChangeHandler) => handlers.set(topic, [...(handlers.get(topic) ?? []), h]),
    onReconnect: (h: ChangeHandler) => handlers.set('reconnect', [h]),
  };
  const emit = (topic: string, payload: Record<string, unknown> = {}) => handlers.get(topic)?.forEach((h) => void h(payload));
  let versions = new Map<string, ScopeVersions>([['', { latest: 1, latestMaterial: 1 }]]);
  let reads = 0;
  let gate: Promise<void> = Promise.resolve();
  const store = {
    scopeVersions: async () => {
      reads += 1;
      const seen = versions;
      await gate;
      return seen;
    },
  } as unknown as NoticeStore;
  const purposes = { find: async (key: string) => (key === purpose.key ? purpose : undefined) } as unknown as PurposeService;
  const published = new PublishedNotices(store, purposes, feed as unknown as ChangeFeed);
  return {
    published,
    emit,
    feed,
    reads: () => reads,
    publish: (v: ScopeVersions) => (versions = new Map([['', v]])),
    hold: () => {
      let release = () => {};
      gate = new Promise<void>((r) => (release = r));
      return () => release();
    },
  };
}

describe('PublishedNotices.purposeNotices', () => {
  it('reads a purpose once, then answers from memory until a notice of it is published', async () => {
    const s = setup();
    expect((await s.published.purposeNotices('card_offers'))?.scopes.get('')).toEqual({ latest: 1, latestMaterial: 1 });
    await s.published.purposeNotices('card_offers');
    expect(s.reads()).toBe(1);
    s.publish({ latest: 2, latestMaterial: 2 });
    s.emit(NOTICES_CHANGED, { purposeKey: 'card_offers' });
    expect((await s.published.purposeNotices('card_offers'))?.scopes.get('')).toEqual({ latest: 2, latestMaterial: 2 });
    expect(s.reads()).toBe(2);
  });

  it('drops what it knows on purpose changes and reconnections, and caches nothing while the feed is down', async () => {
    const s = setup();
    await s.published.purposeNotices('card_offers');
    s.emit(PURPOSE_CHANGED, { key: 'card_offers' });
    await s.published.purposeNotices('card_offers');
    s.emit('reconnect');
    await s.published.purposeNotices('card_offers');
    expect(s.reads()).toBe(3);
    s.feed.connected = false;
    await s.published.purposeNotices('card_offers');
    await s.published.purposeNotices('card_offers');
    expect(s.reads()).toBe(5);
  });

  it('does not keep a read that a publication overtook', async () => {
    const s = setup();
    const release = s.hold();
    const inFlight = s.published.purposeNotices('card_offers');
    while (s.reads() === 0) await Promise.resolve();
    s.publish({ latest: 2, latestMaterial: 2 });
    s.emit(NOTICES_CHANGED, { purposeKey: 'card_offers' });
    release();
    expect((await inFlight)?.scopes.get('')).toEqual({ latest: 1, latestMaterial: 1 });
    expect((await s.published.purposeNotices('card_offers'))?.scopes.get('')).toEqual({ latest: 2, latestMaterial: 2 });
  });

  it('answers undefined for an unknown purpose without remembering it', async () => {
    const s = setup();
    expect(await s.published.purposeNotices('nope')).toBeUndefined();
    expect(s.reads()).toBe(0);
  });
});
