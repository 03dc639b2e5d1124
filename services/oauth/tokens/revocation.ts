import type { AuditRecorder } from '../../audit';
import type { Transactor } from '../../db';
import type { ChangePublisher } from '../../platform/change-feed';
import { InvalidAccessToken, type AccessTokenClaims, type AccessTokenVerifier } from './access-token-verifier';
import type { ClientAuthentication, ProtocolRequest } from '../clients/client-authentication';
import { invalidRequest } from '../errors';
import { TOKEN_REVOKED } from './revocation-list';
import type { RevocationRequestForm } from '../schemas';
import type { TokenStoreType } from './store-type';
import { systemClock, type Clock } from '../../platform/clock';

/**
 * RFC 7009. A client revokes its own access tokens; tokens we cannot read, or that have expired,
 * need nothing and get the same 200. The revocation reaches every replica through the change feed.
 */
export class RevocationEndpoint {
  constructor(
    private readonly db: Transactor,
    private readonly authentication: Pick<ClientAuthentication, 'authenticate'>,
    private readonly verifier: Pick<AccessTokenVerifier, 'verifySignatureAndClaims'>,
    private readonly tokens: Pick<TokenStoreType, 'revoke'>,
    private readonly audit: AuditRecorder,
    private readonly changes: ChangePublisher,
    private readonly clock: Clock = systemClock,
  ) {}

  async revoke(ctx: ProtocolRequest, form: RevocationRequestForm, requestId: string): Promise<void> {
    const { record } = await this.authentication.authenticate(ctx, form, 'revocation', requestId);
    let claims: AccessTokenClaims;
    try {
      claims = await this.verifier.verifySignatureAndClaims(form.token);
    } catch (err) {
      if (err instanceof InvalidAccessToken) return;
      throw err;
    }
    if (claims.client_id !== record.clientId) throw invalidRequest('The token was not issued to this client');
    const actor = {
      kind: 'client' as const,
      clientId: record.clientId,
      roles: record.roles,
      scopes: [],
      vendorId: record.vendorId,
      tokenId: claims.jti,
    };
    await this.changes.transaction(this.db, async (trx) => {
      const expiresAt = new Date(claims.exp * 1000).toISOString();
      const fresh = await this.tokens.revoke(
        trx,
        { jti: claims.jti, clientId: record.clientId, expiresAt },
        this.clock.now().toISOString(),
      );
      if (!fresh) return;
      await this.audit.record(
        trx,
        { actor, requestId },
        {
          action: 'oauth.token_revoked',
          objectType: 'access_token',
          objectId: claims.jti,
          details: { clientId: record.clientId, expiresAt },
        },
      );
      await this.changes.publish(trx, TOKEN_REVOKED, { jti: claims.jti, exp: claims.exp });
    });
  }
}
