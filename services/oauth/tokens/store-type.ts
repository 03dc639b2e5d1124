import type { LinkedBatch } from '../../audit';
import type { Trx } from '../../db';

export interface RevokedToken {
  readonly jti: string;
  readonly clientId: string;
  readonly expiresAt: string;
}

export interface AssertionClaim {
  readonly clientId: string;
  readonly jti: string;
  readonly expiresAt: string;
}

/** The key of one claim in the sets `claimAssertions` and `recordTokenBatch` answer. */
export const assertionKey = (clientId: string, jti: string): string => `${clientId}\u0000${jti}`;

/**
 * What the token endpoint's journal, the verifier and the revocation endpoint need of storage
 * (token-store.ts on the database, fake-store.ts in memory): revoked access tokens and used
 * client-assertion ids; rows are useless once their token expired.
 */
export interface TokenStoreType {
  /** False when the token was revoked before. */
  revoke(trx: Trx, token: RevokedToken, revokedAt: string): Promise<boolean>;
  isRevoked(jti: string): Promise<boolean>;
  /** Revoked tokens that have not expired yet (loaded into memory at start-up and after reconnecting). */
  revokedSince(at: Date): Promise<Array<{ jti: string; expiresAt: string }>>;
  /**
   * Records assertion ids, inside `trx` or alone (then one autocommitted statement); answers the
   * keys (assertionKey) that were new, i.e. not replays.
   */
  claimAssertions(claims: readonly AssertionClaim[], trx?: Trx): Promise<Set<string>>;
  /**
   * Assertion ids and a batch of audit events linked ahead, in one statement (record_token_batch);
   * answers the keys that were new, as claimAssertions does.
   */
  recordTokenBatch(linked: LinkedBatch, claims: readonly AssertionClaim[]): Promise<Set<string>>;
  /** Deletes rows whose tokens and assertions have expired. */
  purgeExpired(before: Date): Promise<void>;
}
