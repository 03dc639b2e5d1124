import { ConsentService, type ConsentStore } from '../../services/consents';
import type { PublishedNotices, PurposeNotices, ScopeVersions } from '../../services/notices';
import type { Purpose } from '../../services/purposes';

// The consent-state rule on fakes: current when the latest event is a consent given to a version no
// older than the latest material version of the same notice scope (general, or one app's own).

const APP = '7d7c1d0e-4f0a-4c2b-9a53-0d9b6a0f3c11';
const purpose: Purpose = {
  id: '0b4f6a3e-2b8e-4c55-9a0e-6f2d7b1c9e01',
  key: 'card_offers',
  description: 'Card offers',
  legalBasis: 'consent',
  retentionDays: 365,
  status: 'active',
  retiredAt: null,
  createdAt: '2026-11-01T00:00:00.000Z',
  updatedAt: '2026-11-01T00:00:00.000Z',
};

type Latest = Awaited<ReturnType<ConsentStore['latest']>>;

function service(scopes: Record<string, ScopeVersions>, latest: Latest): ConsentService {
  const notices = {
    purposeNotices: async (key: string): Promise<PurposeNotices | undefined> =>
      key === purpose.key ? { purpose, scopes: new Map(Object.entries(scopes)) } : undefined,
  } as unknown as PublishedNotices;
  const store = { latest: async () => latest } as unknown as ConsentStore;
  return new ConsentService(undefined as never, store, undefined as never, notices, Buffer.alloc(32), undefined as never, 'http://x');
}

const given = (noticeVersion: number, noticeAppId: string | null = null): NonNullable<Latest> => ({
  id: 'c1',
  kind: 'given',
  noticeVersion,
  noticeAppId,
  separate: false,
  withdraws: null,
  recordedAt: '2026-11-20T08:00:00.000Z',
});

describe('ConsentService.status', () => {
  it.each([
    ['consent to the only version', 'current', { '': { latest: 1, latestMaterial: 1 } }, given(1)],
    ['consent to v1 after a wording-only v2', 'current', { '': { latest: 2, latestMaterial: 1 } }, given(1)],
    ['consent to v2 (not material) after material v1', 'current', { '': { latest: 2, latestMaterial: 1 } }, given(2)],
    ['consent to v1 after material v3', 'stale', { '': { latest: 3, latestMaterial: 3 } }, given(1)],
    ['consent to v3 after material v3', 'current', { '': { latest: 4, latestMaterial: 3 } }, given(3)],
    [
      'an app consent after a material general version',
      'current',
      { '': { latest: 2, latestMaterial: 2 }, [APP]: { latest: 1, latestMaterial: 1 } },
      given(1, APP),
    ],
    [
      'an app consent after a material version of the app’s notice',
      'stale',
      { '': { latest: 1, latestMaterial: 1 }, [APP]: { latest: 3, latestMaterial: 3 } },
      given(2, APP),
    ],
  ] as const)('%s is %s', async (_label, state, scopes, latest) => {
    const status = await service(scopes, latest).status('ref', 'card_offers');
    expect(status).toMatchObject({ state, consented: state === 'current', stale: state === 'stale' });
  });

  it('reports a withdrawal, no consent at all, and an unknown purpose', async () => {
    const withdrawn: NonNullable<Latest> = { ...given(1), id: 'w1', kind: 'withdrawn', withdraws: 'c1' };
    expect(await service({ '': { latest: 1, latestMaterial: 1 } }, withdrawn).status('ref', 'card_offers')).toEqual({
      consented: false,
      state: 'withdrawn',
      noticeVersion: null,
      since: withdrawn.recordedAt,
      stale: false,
      latestNoticeVersion: 1,
      consentId: 'c1',
    });
    expect(await service({}, undefined).status('ref', 'card_offers')).toMatchObject({
      consented: false,
      state: 'none',
      latestNoticeVersion: null,
    });
    expect(await service({}, given(1)).status('ref', 'unknown')).toBeUndefined();
    expect(await service({}, given(1)).isCurrent('ref', 'unknown')).toBe(false);
  });
});
