import { createLocalJWKSet, createRemoteJWKSet, customFetch, importJWK, type JWK, type JWTVerifyGetKey } from 'jose';
import { ValidationError } from '../../shared/errors';
import type { Jwks } from '../schemas';
import type { JwksUriPolicy } from './jwks-uri';
import { CLIENT_ASSERTION_ALGORITHMS, JWKS_FETCH_TIMEOUT_MS } from '../settings';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const ALLOWED = new Set<string>(CLIENT_ASSERTION_ALGORITHMS);

/** The algorithm a key will verify with: its own `alg`, or the one its curve implies. */
function algorithmOf(jwk: JWK): string | undefined {
  if (jwk.alg) return jwk.alg;
  if (jwk.kty === 'EC') return { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' }[jwk.crv ?? ''];
  if (jwk.kty === 'OKP') return jwk.crv === 'Ed25519' ? 'EdDSA' : undefined;
  if (jwk.kty === 'RSA') return 'RS256';
  return undefined;
}

/**
 * Checks a client's registered key set: public keys only, each importable, each for an
 * asymmetric algorithm we accept, RSA at least 2048 bits, no duplicate key ids.
 */
export async function validateClientJwks(jwks: Jwks, field: string): Promise<void> {
  const kids = new Set<string>();
  for (const [i, key] of jwks.keys.entries()) {
    const path = `${field}.keys.${i}`;
    const fail = (message: string) => ValidationError.field(path, message);
    if (PRIVATE_MEMBERS.some((m) => m in key)) throw fail('only public keys may be registered (private or symmetric key members found)');
    const alg = algorithmOf(key as JWK);
    if (!alg || !ALLOWED.has(alg)) throw fail(`the key's algorithm must be one of ${CLIENT_ASSERTION_ALGORITHMS.join(', ')}`);
    if (key.kty === 'RSA' && Buffer.from(String(key.n ?? ''), 'base64url').length < 256) throw fail('RSA keys must be at least 2048 bits');
    if (key.kid !== undefined) {
      if (kids.has(key.kid)) throw fail(`duplicate kid ${key.kid}`);
      kids.add(key.kid);
    }
    try {
      await importJWK(key as JWK, alg);
    } catch {
      throw fail('not a usable public key');
    }
  }
}

/** The keys an assertion is verified against: the registered set, or the client's jwks_uri (cached by jose, fetched through `policy`). */
export function assertionKeyResolver(
  client: { jwks: Jwks | null; jwksUri: string | null },
  policy: JwksUriPolicy,
): JWTVerifyGetKey | undefined {
  if (client.jwks) return createLocalJWKSet(client.jwks as { keys: JWK[] });
  if (client.jwksUri) {
    return createRemoteJWKSet(new URL(client.jwksUri), {
      timeoutDuration: JWKS_FETCH_TIMEOUT_MS,
      cooldownDuration: 30_000,
      cacheMaxAge: 600_000,
      [customFetch]: policy.fetch,
    });
  }
  return undefined;
}
