import { errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { boundedCache } from '../../platform/bounded-cache';
import type { ChangeSubscriber } from '../../platform/change-feed';
import { UnauthorizedError } from '../../shared/errors';
import type { ClientActor } from '../../http/route';
import type { ClientAuthenticator } from '../../http/router';
import { ACCESS_TOKEN_TYPE } from './access-token-issuer';
import type { ClientDirectory } from '../clients/client-directory';
import type { ClientRecord } from '../clients/store-type';
import type { RevocationList } from './revocation-list';
import { CLOCK_TOLERANCE_SECONDS, SIGNING_ALGORITHMS, VERIFIED_TOKEN_CACHE_SIZE } from '../settings';
import type { SigningKeyService } from '../keys/signing-keys';
import type { TokenStoreType } from './store-type';
import type { AccessTokenClaims } from './access-token-claims';
import type { VendorTokenPolicy } from './vendor-token-policy';
import { systemClock, type Clock } from '../../platform/clock';

export type { AccessTokenClaims };

export interface VerifiedAccessToken {
  readonly claims: AccessTokenClaims;
  readonly client: ClientRecord;
}

/** Why a token is not accepted (for callers that answer `active: false` instead of 401). */
export class InvalidAccessToken extends Error {}

const MAX_TOKEN_LENGTH = 16_000;

/**
 * Verifies our own RFC 9068 access tokens: signature by a published key, typ at+jwt, our issuer
 * and audience, expiry, not revoked, client still active. A token's signature and claims are
 * checked once and remembered; after that a request costs a few map lookups (revocation and
 * client status are in memory and kept current by the change feed), never a database round trip.
 */
export class AccessTokenVerifier implements ClientAuthenticator {
  private readonly verified = boundedCache<string, AccessTokenClaims>({ max: VERIFIED_TOKEN_CACHE_SIZE });
  private readonly keyFor: JWTVerifyGetKey;

  constructor(
    private readonly keys: SigningKeyService,
    private readonly clients: ClientDirectory,
    private readonly revocations: RevocationList,
    private readonly tokens: Pick<TokenStoreType, 'isRevoked'>,
    private readonly changes: Pick<ChangeSubscriber, 'connected'>,
    private readonly issuer: string,
    private readonly audience: string,
    /** The vendor-access feature's say on whether a token is still active (none for a bare authorization server). */
    private readonly vendorTokens?: Pick<VendorTokenPolicy, 'activity'>,
    private readonly clock: Clock = systemClock,
  ) {
    this.keyFor = async (header) => {
      const key = header.kid === undefined ? undefined : await this.keys.verificationKeyOrReload(header.kid);
      if (!key || key.alg !== header.alg) throw new joseErrors.JWKSNoMatchingKey();
      return key.publicKey;
    };
  }

  /** The router's ClientAuthenticator: a bearer token → the calling machine client. */
  async authenticate(token: string): Promise<ClientActor> {
    let verified: VerifiedAccessToken;
    try {
      verified = await this.verify(token);
    } catch (err) {
      if (err instanceof InvalidAccessToken) throw new UnauthorizedError(err.message);
      throw err;
    }
    const { claims, client } = verified;
    return {
      kind: 'client',
      clientId: client.clientId,
      roles: client.roles,
      scopes: claims.scope ? claims.scope.split(' ') : [],
      vendorId: client.vendorId,
      tokenId: claims.jti,
      ...(claims.authorization_details ? { authorizationDetails: claims.authorization_details } : {}),
    };
  }

  /** Throws InvalidAccessToken unless the token is ours, current, unrevoked and its client active. */
  async verify(token: string, now = this.clock.now().getTime()): Promise<VerifiedAccessToken> {
    const claims = this.verified.get(token) ?? (await this.verifySignatureAndClaims(token, now));
    if (claims.exp * 1000 + CLOCK_TOLERANCE_SECONDS * 1000 <= now) {
      this.verified.delete(token);
      throw new InvalidAccessToken('The access token has expired');
    }
    const trusted = this.changes.connected;
    const revoked = trusted ? this.revocations.has(claims.jti) : await this.tokens.isRevoked(claims.jti);
    if (revoked) throw new InvalidAccessToken('The access token has been revoked');
    const client = this.clients.cached(claims.client_id) ?? (await this.clients.find(claims.client_id));
    if (!client || client.record.status !== 'active') throw new InvalidAccessToken('The client of this access token is disabled');
    const inactive = await this.vendorTokens?.activity(claims, client.record);
    if (inactive) throw new InvalidAccessToken(inactive);
    return { claims, client: client.record };
  }

  /** Verifies signature and claims, ignoring revocation and client status (revocation endpoint). */
  async verifySignatureAndClaims(token: string, now = this.clock.now().getTime()): Promise<AccessTokenClaims> {
    if (token.length > MAX_TOKEN_LENGTH) throw new InvalidAccessToken('The access token is too long');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keyFor, {
        issuer: this.issuer,
        audience: this.audience,
        algorithms: [...SIGNING_ALGORITHMS],
        typ: ACCESS_TOKEN_TYPE,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat', 'jti'],
        currentDate: new Date(now),
      }));
    } catch (err) {
      throw new InvalidAccessToken(describe(err));
    }
    // Issued later than now, beyond the accepted skew: the issuing replica's clock and ours disagree too much.
    if (typeof payload.iat === 'number' && payload.iat * 1000 > now + CLOCK_TOLERANCE_SECONDS * 1000) {
      throw new InvalidAccessToken('The access token was issued in the future');
    }
    if (typeof payload.client_id !== 'string' || payload.client_id !== payload.sub) {
      throw new InvalidAccessToken('The access token names no client');
    }
    if (payload.scope !== undefined && typeof payload.scope !== 'string')
      throw new InvalidAccessToken('The access token scope is malformed');
    if (payload.authorization_details !== undefined && !Array.isArray(payload.authorization_details)) {
      throw new InvalidAccessToken('The access token authorization_details are malformed');
    }
    const claims = payload as AccessTokenClaims;
    // Remembered until it expires anyway (verify() still checks exp on every use).
    const ttl = claims.exp * 1000 + CLOCK_TOLERANCE_SECONDS * 1000 - now;
    if (ttl > 0) this.verified.set(token, claims, { ttl });
    return claims;
  }

  /** Tokens remembered right now (bounded by VERIFIED_TOKEN_CACHE_SIZE). */
  get rememberedTokens(): number {
    return this.verified.size;
  }
}

function describe(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'The access token has expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed) return `The access token's ${err.claim} claim is not acceptable`;
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'The access token algorithm is not allowed';
  if (err instanceof joseErrors.JWKSNoMatchingKey) return 'The access token was not signed by a key of this server';
  return 'The access token is not valid';
}
