import crypto from 'node:crypto';
import { SignJWT } from 'jose';
import type { SigningKeyService } from '../keys/signing-keys';
import { systemClock, type Clock } from '../../platform/clock';

export const ACCESS_TOKEN_TYPE = 'at+jwt';

export interface AccessTokenRequest {
  readonly clientId: string;
  readonly scopes: readonly string[];
  readonly authorizationDetails?: readonly unknown[];
  readonly ttlSeconds: number;
  /** The token never outlives this (e.g. the end of the grants it carries). */
  readonly notAfter?: Date;
}

export interface IssuedAccessToken {
  readonly token: string;
  readonly jti: string;
  readonly kid: string;
  readonly iat: number;
  readonly exp: number;
}

/** Signs RFC 9068 JWT access tokens with the current signing key. */
export class AccessTokenIssuer {
  constructor(
    private readonly keys: SigningKeyService,
    readonly issuer: string,
    readonly audience: string,
    private readonly clock: Clock = systemClock,
  ) {}

  async issue(request: AccessTokenRequest, now = this.clock.now().getTime()): Promise<IssuedAccessToken> {
    const key = this.keys.signingKey(now);
    const iat = Math.floor(now / 1000);
    const cap = request.notAfter ? Math.floor(request.notAfter.getTime() / 1000) : Number.POSITIVE_INFINITY;
    const exp = Math.min(iat + request.ttlSeconds, cap);
    const jti = crypto.randomUUID();
    const claims: Record<string, unknown> = { client_id: request.clientId };
    if (request.scopes.length > 0) claims.scope = request.scopes.join(' ');
    if (request.authorizationDetails !== undefined) claims.authorization_details = request.authorizationDetails;
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: ACCESS_TOKEN_TYPE })
      .setIssuer(this.issuer)
      .setSubject(request.clientId)
      .setAudience(this.audience)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .setJti(jti)
      .sign(key.privateKey);
    return { token, jti, kid: key.kid, iat, exp };
  }
}
