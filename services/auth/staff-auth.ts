import crypto from 'node:crypto';
import path from 'node:path';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  importJWK,
  jwtVerify,
  SignJWT,
  errors as joseErrors,
  type JWK,
  type JWTVerifyGetKey,
} from 'jose';
import type { Config, StaffTokenLimits } from '../config';
import { ServiceUnavailableError, UnauthorizedError } from '../shared/errors';
import type { StaffActor } from '../http/route';
import type { StaffAuthenticator } from '../http/router';
import { readOrCreateJson } from '../secrets';
import { boundedCache } from '../platform/bounded-cache';
import { systemClock, type Clock } from '../platform/clock';

/** Asymmetric algorithms only: no `none`, no HMAC (a public key must never work as a shared secret). */
export const STAFF_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
export const CLOCK_TOLERANCE_SECONDS = 15;
/** Used when no configuration is given (STAFF_TOKEN_MAX_LIFETIME_S, STAFF_TOKEN_MAX_AGE_S, STAFF_CLOCK_SKEW_S). */
export const DEFAULT_STAFF_TOKEN_LIMITS: StaffTokenLimits = Object.freeze({
  maxLifetimeSeconds: 43_200,
  maxAgeSeconds: 43_200,
  clockSkewSeconds: CLOCK_TOLERANCE_SECONDS,
});
const DEV_KEY_FILE = 'dev-staff-key.json';
const DEV_KID = 'dev-staff-key';

/** How long a verified staff token is taken on trust without checking its signature again (never past its exp). */
export const VERIFIED_STAFF_TOKEN_TTL_MS = 60_000;
/** Verified staff tokens remembered at once: far above the staff online, a bound on what forged tokens cannot grow anyway. */
export const VERIFIED_STAFF_TOKEN_MAX = 10_000;

interface VerifiedStaffToken {
  readonly actor: StaffActor;
  readonly until: number;
}

/**
 * Verifies staff bearer tokens from the bank's identity provider (or the development key). A token
 * that verified is remembered for at most a minute and never past its `exp`, so a member of staff
 * clicking through the console costs one signature check a minute, not one per request; a key the
 * identity provider withdraws stops working within that minute.
 */
export class JwtStaffAuthenticator implements StaffAuthenticator {
  private readonly verified = boundedCache<string, VerifiedStaffToken>({
    max: VERIFIED_STAFF_TOKEN_MAX,
    ttlMs: VERIFIED_STAFF_TOKEN_TTL_MS,
  });

  constructor(
    private readonly keys: JWTVerifyGetKey,
    private readonly issuer: string,
    private readonly audience: string,
    private readonly limits: StaffTokenLimits = DEFAULT_STAFF_TOKEN_LIMITS,
    /** What `exp`, `nbf`, `iat` and the minute of trust are compared with. */
    private readonly clock: Clock = systemClock,
  ) {}

  /** Tokens remembered right now (bounded by VERIFIED_STAFF_TOKEN_MAX). */
  get rememberedTokens(): number {
    return this.verified.size;
  }

  async authenticate(token: string): Promise<StaffActor> {
    const now = this.clock.now().getTime();
    const known = this.verified.get(token);
    // The cache's TTL bounds memory; `until` is the rule (exclusive, as lru-cache's expiry is not).
    if (known && now < known.until) return known.actor;
    if (known) this.verified.delete(token);
    const { subject, expiresAt } = await this.verify(token, now);
    const actor: StaffActor = Object.freeze({ kind: 'staff', subject });
    const until = Math.min(now + VERIFIED_STAFF_TOKEN_TTL_MS, expiresAt);
    // Past exp but within the clock tolerance: accepted this once, never remembered (a TTL of 0 would mean forever).
    if (until > now) this.verified.set(token, { actor, until }, { ttl: until - now });
    return actor;
  }

  private async verify(token: string, now: number): Promise<{ subject: string; expiresAt: number }> {
    try {
      const { payload, protectedHeader } = await jwtVerify(token, this.keys, {
        currentDate: new Date(now),
        issuer: this.issuer,
        audience: this.audience,
        algorithms: STAFF_ALGORITHMS,
        clockTolerance: this.limits.clockSkewSeconds,
        // iat is required: no older than the maximum age, and not ahead of our clock by more than the skew.
        maxTokenAge: this.limits.maxAgeSeconds,
        requiredClaims: ['exp', 'sub', 'iat'],
      });
      // A token minted to live for years stays a stolen credential for years, however fresh its iat.
      const exp = payload.exp as number;
      const iat = payload.iat as number;
      if (exp - iat > this.limits.maxLifetimeSeconds || exp - now / 1000 > this.limits.maxLifetimeSeconds + this.limits.clockSkewSeconds) {
        throw new UnauthorizedError(`The token lives longer than the ${this.limits.maxLifetimeSeconds} seconds staff tokens may live`);
      }
      // Our own machine access tokens (RFC 9068) are never staff credentials.
      if (protectedHeader.typ?.toLowerCase().replace(/^application\//, '') === 'at+jwt') {
        throw new UnauthorizedError('Machine access tokens are not accepted on staff endpoints');
      }
      if (typeof payload.sub !== 'string' || payload.sub.length === 0 || payload.sub.length > 200) {
        throw new UnauthorizedError('The token has no usable subject');
      }
      return { subject: payload.sub, expiresAt: (payload.exp as number) * 1000 };
    } catch (err) {
      if (err instanceof UnauthorizedError) throw err;
      if (isKeySourceFailure(err)) throw new ServiceUnavailableError('The identity provider keys cannot be fetched right now', err);
      throw new UnauthorizedError(describeJoseError(err));
    }
  }
}

const KEY_SOURCE_MESSAGES = /JSON Web Key Set HTTP response/;

/**
 * The identity provider is unreachable or answers nonsense: our problem (503), not the caller's (401).
 * Compared by name and code, not instanceof: fetch errors come from another realm under test runners.
 */
function isKeySourceFailure(err: unknown): boolean {
  const e = err as { name?: unknown; code?: unknown; message?: unknown } | undefined;
  if (e?.code === joseErrors.JWKSTimeout.code || e?.code === joseErrors.JWKSInvalid.code) return true;
  if (e?.code === joseErrors.JOSEError.code && typeof e.message === 'string' && KEY_SOURCE_MESSAGES.test(e.message)) return true;
  return e?.name === 'TypeError' && typeof e.message === 'string' && /fetch failed/i.test(e.message);
}

function describeJoseError(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'The token has expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed) return `The token's ${err.claim} claim is not acceptable`;
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'The token algorithm is not allowed';
  if (err instanceof joseErrors.JWKSNoMatchingKey) return 'The token was not signed by a known key';
  return 'The token is not valid';
}

export interface DevStaffKey {
  readonly privateJwk: JWK;
  readonly publicJwk: JWK;
}

/** Development mode only: the local signing key for staff tokens, generated once under DATA_DIR. */
export function loadDevStaffKey(dataDir: string): DevStaffKey {
  const stored = readOrCreateJson(path.join(dataDir, DEV_KEY_FILE), () => {
    const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    return {
      privateJwk: { ...privateKey.export({ format: 'jwk' }), kid: DEV_KID, alg: 'ES256' },
      publicJwk: { ...publicKey.export({ format: 'jwk' }), kid: DEV_KID, alg: 'ES256' },
    };
  });
  return { privateJwk: stored.privateJwk as JWK, publicJwk: stored.publicJwk as JWK };
}

/** Signs a development staff token for `sub` with the local key. */
export async function signDevStaffToken(
  key: DevStaffKey,
  options: { sub: string; issuer: string; audience: string; ttlSeconds?: number },
): Promise<string> {
  const privateKey = await importJWK(key.privateJwk, 'ES256');
  return new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', kid: key.privateJwk.kid, typ: 'JWT' })
    .setSubject(options.sub)
    .setIssuer(options.issuer)
    .setAudience(options.audience)
    .setIssuedAt()
    .setExpirationTime(`${options.ttlSeconds ?? 3600}s`)
    .sign(privateKey);
}

/** The staff authenticator for this configuration: the identity provider's JWKS, or the development key. */
export async function createStaffAuthenticator(config: Config): Promise<{ authenticator: JwtStaffAuthenticator; devKey?: DevStaffKey }> {
  if (config.staff.jwksUrl !== undefined) {
    const jwks = createRemoteJWKSet(new URL(config.staff.jwksUrl), { timeoutDuration: 2000, cooldownDuration: 30000 });
    return { authenticator: new JwtStaffAuthenticator(jwks, config.staff.issuer, config.staff.audience, config.staff.tokenLimits) };
  }
  const devKey = loadDevStaffKey(config.dataDir);
  const jwks = createLocalJWKSet({ keys: [devKey.publicJwk] });
  return { authenticator: new JwtStaffAuthenticator(jwks, config.staff.issuer, config.staff.audience, config.staff.tokenLimits), devKey };
}
