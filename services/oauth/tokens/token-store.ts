import { AUDIT_CHAIN_LOCK, type LinkedBatch } from '../../audit';
import type { Db, Trx } from '../../db';
import { assertionKey, type AssertionClaim, type RevokedToken, type TokenStoreType } from './store-type';

interface RevokedTokenRow {
  jti: string;
  client_id: string;
  expires_at: string;
  revoked_at: string;
}

interface AssertionRow {
  client_id: string;
  jti: string;
  expires_at: string;
}

/** Revoked access tokens and used client-assertion ids; rows are useless once their token expired. */
export class TokenStore implements TokenStoreType {
  constructor(private readonly db: Db) {}

  async revoke(trx: Trx, token: RevokedToken, revokedAt: string): Promise<boolean> {
    const inserted = await trx<RevokedTokenRow>('oauth_revoked_tokens')
      .insert({ jti: token.jti, client_id: token.clientId, expires_at: token.expiresAt, revoked_at: revokedAt })
      .onConflict('jti')
      .ignore()
      .returning('jti');
    return inserted.length > 0;
  }

  async isRevoked(jti: string): Promise<boolean> {
    return (await this.db<RevokedTokenRow>('oauth_revoked_tokens').where({ jti }).first('jti')) !== undefined;
  }

  /** Revoked tokens that have not expired yet (loaded into memory at start-up and after reconnecting). */
  async revokedSince(at: Date): Promise<Array<{ jti: string; expiresAt: string }>> {
    const found = await this.db<RevokedTokenRow>('oauth_revoked_tokens')
      .where('expires_at', '>', at.toISOString())
      .select('jti', 'expires_at');
    return found.map((r) => ({ jti: r.jti, expiresAt: r.expires_at }));
  }

  /** Records assertion ids, inside `trx` or alone (then one autocommitted statement); returns the keys (client_id + jti) that were new, i.e. not replays. */
  async claimAssertions(claims: readonly AssertionClaim[], trx?: Trx): Promise<Set<string>> {
    if (claims.length === 0) return new Set();
    const inserted = await (trx ?? this.db)<AssertionRow>('oauth_client_assertions')
      .insert(claims.map((c) => ({ client_id: c.clientId, jti: c.jti, expires_at: c.expiresAt })))
      .onConflict(['client_id', 'jti'])
      .ignore()
      .returning(['client_id', 'jti']);
    return new Set(inserted.map((r) => assertionKey(r.client_id, r.jti)));
  }

  /**
   * Assertion ids and a batch of audit events linked ahead, in one statement (record_token_batch);
   * returns the keys that were new, as claimAssertions does.
   */
  async recordTokenBatch(linked: LinkedBatch, claims: readonly AssertionClaim[]): Promise<Set<string>> {
    const result = await this.db
      .raw<{ rows: Array<{ claimed_client: string; claimed_jti: string }> }>(
        'select claimed_client, claimed_jti from record_token_batch(?, ?, ?, ?::jsonb, ?::text[], ?::text[], ?::timestamptz[])',
        [
          AUDIT_CHAIN_LOCK,
          linked.after.seq,
          linked.after.hash,
          linked.rowsJson,
          claims.map((c) => c.clientId),
          claims.map((c) => c.jti),
          claims.map((c) => c.expiresAt),
        ],
      )
      .options({ name: 'record_token_batch' });
    return new Set(result.rows.map((r) => assertionKey(r.claimed_client, r.claimed_jti)));
  }

  /** Deletes rows whose tokens and assertions have expired. */
  async purgeExpired(before: Date): Promise<void> {
    const at = before.toISOString();
    await this.db<AssertionRow>('oauth_client_assertions').where('expires_at', '<', at).delete();
    await this.db<RevokedTokenRow>('oauth_revoked_tokens').where('expires_at', '<', at).delete();
  }
}
