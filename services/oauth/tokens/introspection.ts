import type { Context } from 'koa';
import { UnauthorizedError } from '../../shared/errors';
import { bearerToken } from '../../http/router';
import { InvalidAccessToken, type AccessTokenVerifier, type VerifiedAccessToken } from './access-token-verifier';
import type { ClientAuthentication } from '../clients/client-authentication';
import { OAuthError } from '../errors';
import type { IntrospectionRequestForm } from '../schemas';

export const INTROSPECTION_ROLE = 'pep';

interface Caller {
  readonly clientId: string;
  readonly kind: 'internal' | 'vendor';
  readonly roles: readonly string[];
}

/**
 * RFC 7662. The caller authenticates as a client (Basic, form secret or assertion) or with one of
 * our access tokens. Enforcement points (internal clients with role pep) learn everything about any
 * token; any other client learns only whether its own token is active.
 */
export class IntrospectionEndpoint {
  constructor(
    private readonly authentication: ClientAuthentication,
    private readonly verifier: AccessTokenVerifier,
  ) {}

  async introspect(ctx: Context, form: IntrospectionRequestForm, requestId: string): Promise<Record<string, unknown>> {
    const caller = await this.caller(ctx, form, requestId);
    let verified: VerifiedAccessToken;
    try {
      verified = await this.verifier.verify(form.token);
    } catch (err) {
      if (err instanceof InvalidAccessToken) return { active: false };
      throw err;
    }
    const { claims, client } = verified;
    const pep = caller.kind === 'internal' && caller.roles.includes(INTROSPECTION_ROLE);
    if (!pep) return { active: claims.client_id === caller.clientId };
    return {
      active: true,
      token_type: 'Bearer',
      client_id: claims.client_id,
      sub: claims.sub,
      iss: claims.iss,
      aud: claims.aud,
      iat: claims.iat,
      exp: claims.exp,
      jti: claims.jti,
      ...(claims.scope ? { scope: claims.scope } : {}),
      ...(claims.authorization_details ? { authorization_details: claims.authorization_details } : {}),
      ...(client.vendorId ? { vendor_id: client.vendorId } : {}),
    };
  }

  private async caller(ctx: Context, form: IntrospectionRequestForm, requestId: string): Promise<Caller> {
    if (/^Bearer /i.test(ctx.get('authorization'))) {
      try {
        const { client } = await this.verifier.verify(bearerToken(ctx) as string);
        return { clientId: client.clientId, kind: client.kind, roles: client.roles };
      } catch (err) {
        if (err instanceof InvalidAccessToken || err instanceof UnauthorizedError) {
          throw new OAuthError('invalid_token', err.message, 401, { 'WWW-Authenticate': 'Bearer error="invalid_token"' });
        }
        throw err;
      }
    }
    const { record } = await this.authentication.authenticate(ctx, form, 'introspection', requestId);
    return { clientId: record.clientId, kind: record.kind, roles: record.roles };
  }
}
