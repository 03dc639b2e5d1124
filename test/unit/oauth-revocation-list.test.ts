import { RevocationList } from '../../services/oauth/tokens/revocation-list';
import { ManualClock } from '../../services/platform/clock';

// Revoked access tokens are remembered until they would have expired anyway, by the service's clock.

describe('revocation list', () => {
  it('forgets a revoked token once its expiry has passed on the clock, not before', () => {
    const clock = new ManualClock('2026-11-28T12:00:00.000Z');
    const list = new RevocationList(clock);
    const now = clock.now().getTime();
    list.add('jti-1', now + 600_000);
    list.add('jti-2', now + 60_000);
    clock.advance(59_999);
    list.prune();
    expect([list.has('jti-1'), list.has('jti-2'), list.size]).toEqual([true, true, 2]);
    clock.advance(1);
    list.prune();
    expect([list.has('jti-1'), list.has('jti-2'), list.size]).toEqual([true, false, 1]);
  });
});
