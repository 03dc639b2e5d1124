import type { Clock } from '../../platform/clock';

/** Change-feed topic: an access token was revoked (payload: jti and its expiry in epoch seconds). */
export const TOKEN_REVOKED = 'oauth.token_revoked';

/**
 * The ids of revoked access tokens that have not expired yet, in memory. Small by nature: a token
 * lives at most ten minutes, so an entry is dropped soon after it is added.
 */
export class RevocationList {
  private readonly revoked = new Map<string, number>();

  constructor(private readonly clock: Clock) {}

  has(jti: string): boolean {
    return this.revoked.has(jti);
  }

  add(jti: string, expiresAtMs: number): void {
    this.revoked.set(jti, expiresAtMs);
  }

  /** Forgets tokens that have expired anyway (by the clock). */
  prune(): void {
    const now = this.clock.now().getTime();
    for (const [jti, exp] of this.revoked) if (exp <= now) this.revoked.delete(jti);
  }

  get size(): number {
    return this.revoked.size;
  }
}
