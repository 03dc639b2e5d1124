import type { AccessGrantStore, GrantDirectory } from '../../services/access-grants';
import { VendorAccessEngine, type VendorDirectory } from '../../services/decisions';
import type { FeedStatus } from '../../services/platform/change-feed';
import { ManualClock } from '../../services/platform/clock';

// When may a replica decide? Only while its vendor access view is known current within the bound:
// the feed delivering (heartbeats answered) since before the last full load, or a recent full load.

const BOUND_MS = 5000;
const line = (vendor: string, field: string) => [
  vendor,
  'asset-1',
  field,
  'read',
  'collections',
  '2026-01-01T00:00:00.000Z',
  '2027-01-01T00:00:00.000Z',
  `grant-${field}`,
];

/** The engine's store, with lines that can change between a full load and a vendor reload. */
function fakeStore() {
  const state = { lines: [line('v1', 'name'), line('v1', 'phone')], pageGate: Promise.resolve() };
  const store = {
    async linesPage(after: number) {
      const read = state.lines; // what the database held when the page was read
      await state.pageGate;
      return after === 0 ? read.map((l, i) => ({ id: i + 1, line: l })) : [];
    },
    async linesOfVendor(vendorId: string) {
      return state.lines.filter((l) => l[0] === vendorId);
    },
    async liveGrantTerms() {
      return [];
    },
    async usageToday() {
      return new Map<string, number>();
    },
    async retiredSubjects() {
      return { assets: [], fields: [], purposes: [] };
    },
  };
  return { state, store: store as unknown as AccessGrantStore };
}

const directory = {} as GrantDirectory;
const vendors: VendorDirectory = { loadAll: async () => [], loadOne: async () => undefined };

describe('vendor access view freshness', () => {
  /** The feed's clock (ChangeFeed.clock), at `at`: the engine stamps its loads and measures staleness on it. */
  async function loadedEngine(at: number) {
    const clock = new ManualClock();
    const feedClock = new ManualClock(new Date(at));
    const engine = new VendorAccessEngine(fakeStore().store, directory, vendors, clock, feedClock);
    await engine.load();
    return { engine, clock, feedClock };
  }

  it('is never fresh before the first load', () => {
    const engine = new VendorAccessEngine(fakeStore().store, directory, vendors);
    expect(engine.fresh({ listening: false }, BOUND_MS)).toBe(false);
  });

  it('is always fresh for a single process without a listener (every change happens here)', async () => {
    const { engine, feedClock } = await loadedEngine(1_000_000);
    feedClock.advance(3_600_000);
    expect(engine.fresh({ listening: false }, BOUND_MS)).toBe(true);
  });

  it('stays fresh while the feed answers heartbeats, from a session that began before the load', async () => {
    const t0 = 1_000_000;
    const { engine, feedClock } = await loadedEngine(t0);
    feedClock.advance(60_000);
    const live: FeedStatus = { listening: true, since: t0 - 1000, confirmedAt: t0 + 59_500, connected: true };
    expect(engine.fresh(live, BOUND_MS)).toBe(true);
  });

  it('goes stale once the feed has been silent past the bound, even though it was loaded', async () => {
    const t0 = 1_000_000;
    const { engine, feedClock } = await loadedEngine(t0);
    const lastHeartbeat = t0 + 10_000;
    const down: FeedStatus = { listening: true, since: t0 - 1000, confirmedAt: lastHeartbeat, connected: false };
    feedClock.set(new Date(lastHeartbeat + BOUND_MS - 1));
    expect(engine.fresh(down, BOUND_MS)).toBe(true);
    feedClock.advance(1);
    expect(engine.fresh(down, BOUND_MS)).toBe(false);
  });

  it('measures staleness on the feed clock: business time moving on (a test moving its clock by days) changes nothing', async () => {
    const t0 = 1_000_000;
    const { engine, clock } = await loadedEngine(t0);
    const live: FeedStatus = { listening: true, since: t0 - 1000, confirmedAt: t0, connected: true };
    clock.advance(30 * 86_400_000);
    expect(engine.fresh(live, BOUND_MS)).toBe(true);
  });

  it('does not trust a feed that came back until the view has been reloaded', async () => {
    const t0 = 1_000_000;
    const { engine, feedClock } = await loadedEngine(t0);
    feedClock.advance(30_000);
    // Reconnected after an outage: heartbeats answer again, but what was missed is not loaded yet.
    const back: FeedStatus = { listening: true, since: t0 + 29_000, confirmedAt: t0 + 29_900, connected: true };
    expect(engine.fresh(back, BOUND_MS)).toBe(false);
    await engine.load();
    expect(engine.fresh(back, BOUND_MS)).toBe(true);
  });

  it('re-reads a vendor that changed while a full load was reading, so the load does not undo the change', async () => {
    const { state, store } = fakeStore();
    const engine = new VendorAccessEngine(store, directory, vendors);
    await engine.load();
    expect(engine.lineCount).toBe(2);

    let release: () => void = () => undefined;
    state.pageGate = new Promise<void>((resolve) => (release = resolve));
    const loading = engine.load(); // reads both lines…
    await new Promise((resolve) => setImmediate(resolve));
    state.lines = [line('v1', 'name')]; // …then a revocation commits and its notice arrives
    await engine.reloadVendor('v1');
    expect(engine.lineCount).toBe(1);
    release();
    await loading;
    expect(engine.lineCount).toBe(1);
  });
});
