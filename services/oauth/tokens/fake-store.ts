import type { LinkedBatch } from '../../audit';
import { assertionKey, type AssertionClaim, type RevokedToken, type TokenStoreType } from './store-type';

/** Revoked tokens and used assertion ids in memory, for fast tests of the token endpoint's rules. */
export class FakeTokenStore implements TokenStoreType {
  readonly revoked = new Map<string, RevokedToken & { revokedAt: string }>();
  /** Claimed assertions by assertionKey. */
  readonly assertions = new Map<string, AssertionClaim>();
  /** How claims were written: alone, in a transaction, or with linked events in one statement. */
  readonly writes: Array<'alone' | 'transaction' | 'one statement'> = [];

  async revoke(_trx: unknown, token: RevokedToken, revokedAt: string): Promise<boolean> {
    if (this.revoked.has(token.jti)) return false;
    this.revoked.set(token.jti, { ...token, revokedAt });
    return true;
  }

  async isRevoked(jti: string): Promise<boolean> {
    return this.revoked.has(jti);
  }

  async revokedSince(at: Date): Promise<Array<{ jti: string; expiresAt: string }>> {
    return [...this.revoked.values()]
      .filter((r) => Date.parse(r.expiresAt) > at.getTime())
      .map(({ jti, expiresAt }) => ({ jti, expiresAt }));
  }

  async claimAssertions(claims: readonly AssertionClaim[], trx?: unknown): Promise<Set<string>> {
    if (claims.length === 0) return new Set();
    this.writes.push(trx === undefined ? 'alone' : 'transaction');
    return this.claim(claims);
  }

  async recordTokenBatch(_linked: LinkedBatch, claims: readonly AssertionClaim[]): Promise<Set<string>> {
    this.writes.push('one statement');
    return this.claim(claims);
  }

  async purgeExpired(before: Date): Promise<void> {
    for (const [key, claim] of this.assertions) if (Date.parse(claim.expiresAt) < before.getTime()) this.assertions.delete(key);
    for (const [jti, token] of this.revoked) if (Date.parse(token.expiresAt) < before.getTime()) this.revoked.delete(jti);
  }

  private claim(claims: readonly AssertionClaim[]): Set<string> {
    const fresh = new Set<string>();
    for (const c of claims) {
      const key = assertionKey(c.clientId, c.jti);
      if (this.assertions.has(key)) continue;
      this.assertions.set(key, { ...c });
      fresh.add(key);
    }
    return fresh;
  }
}
