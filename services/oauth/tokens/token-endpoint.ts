import type { RateLimitConfig } from '../../config';
import type { AuditEventInput } from '../../audit';
import type { Clock } from '../../platform/clock';
import type { AccessTokenIssuer } from './access-token-issuer';
import type { ClientAuthentication } from '../clients/client-authentication';
import { publicView } from '../clients/store-type';
import { ServiceUnavailableError } from '../../shared/errors';
import { bodyProblem } from '../../http/router';
import { OAuthError, invalidRequest } from '../errors';
import type { IssuanceJournal } from './issuance-journal';
import { ScopeToken } from '../schemas';
import { MAX_AUTHORIZATION_DETAILS, MAX_AUTHORIZATION_DETAILS_DEPTH, MAX_TOKEN_AUTHORIZATION_DETAILS_BYTES } from '../settings';
import {
  StepChain,
  type AuthenticatedRequest,
  type IssuedRequest,
  type NarrowedRequest,
  type ScopedRequest,
  type TokenChain,
  type TokenRequest,
  type TokenStep,
} from './token-exchange';
import { tokenRateLimit } from './token-rate-limit';
import type { VendorTokenPolicy } from './vendor-token-policy';

export interface TokenResponseBody {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope?: string;
  authorization_details?: unknown[];
}

export interface TokenEndpointDeps {
  readonly authentication: ClientAuthentication;
  /** The vendor-access feature's decision on authorization_details (none for a bare authorization server). */
  readonly vendorTokens?: VendorTokenPolicy;
  readonly issuer: AccessTokenIssuer;
  readonly journal: IssuanceJournal;
  /** Tokens per client per window (services/oauth/tokens/token-rate-limit.ts). */
  readonly rateLimit: RateLimitConfig;
  /** What the end of the requested access is compared with. */
  readonly clock: Clock;
}

/**
 * POST /oauth/token, client credentials only (RFC 6749 §4.4), read in the order of the RFC.
 * Before the chain, the route sets no-store headers, refuses URL parameters and parses the form.
 */
export function tokenEndpointChain(deps: TokenEndpointDeps): TokenChain {
  return StepChain.start<TokenRequest>()
    .then(authenticateClient(deps.authentication))
    .then(tokenRateLimit(deps.rateLimit))
    .then(checkGrantType)
    .then(narrowScope)
    .then(narrowAuthorizationDetails(deps.vendorTokens, deps.clock))
    .then(issueAccessToken(deps.issuer))
    .then(auditIssuance(deps.journal));
}

export async function runTokenChain(chain: TokenChain, request: TokenRequest, journal?: IssuanceJournal): Promise<TokenResponseBody> {
  // Tells the journal a write is coming, so concurrent requests share one commit.
  const end = journal?.begin();
  let done: IssuedRequest;
  try {
    done = await chain.run(request);
  } finally {
    end?.();
  }
  const { issued, scopes, authorizationDetails } = done;
  return {
    access_token: issued.token,
    token_type: 'Bearer',
    expires_in: issued.exp - issued.iat,
    ...(scopes.length > 0 ? { scope: scopes.join(' ') } : {}),
    ...(authorizationDetails !== undefined ? { authorization_details: authorizationDetails } : {}),
  };
}

/** RFC 6749 §2.3 / RFC 7523: who is asking (audited when it fails). */
export function authenticateClient(authentication: ClientAuthentication): TokenStep<TokenRequest, AuthenticatedRequest> {
  return async function authenticateClient(x) {
    return { ...x, client: await authentication.authenticate(x.ctx, x.form, 'token', x.requestId) };
  };
}

/** Only client_credentials: this server has no users, so no code, password or refresh grants. */
export async function checkGrantType(x: AuthenticatedRequest): Promise<AuthenticatedRequest> {
  if (x.form.grant_type !== 'client_credentials') {
    throw new OAuthError('unsupported_grant_type', 'This server supports only grant_type=client_credentials');
  }
  return x;
}

/** RFC 6749 §3.3: the requested scopes, each allowed to the client; none requested means all allowed. */
export async function narrowScope(x: AuthenticatedRequest): Promise<ScopedRequest> {
  const allowed = x.client.record.scopes;
  if (x.form.scope === undefined) return { ...x, scopes: [...allowed] };
  const requested = [...new Set(x.form.scope.split(' ').filter((s) => s.length > 0))];
  for (const scope of requested) {
    if (!ScopeToken.safeParse(scope).success) throw new OAuthError('invalid_scope', 'The scope parameter is malformed');
    if (!allowed.includes(scope)) throw new OAuthError('invalid_scope', `The client may not request the scope ${scope}`);
  }
  return { ...x, scopes: requested };
}

/**
 * RFC 9396: what data access the token carries, decided by the vendor-access feature. Vendor clients
 * always go through it (their tokens are narrowed to grants); internal clients only when they ask.
 */
export function narrowAuthorizationDetails(
  vendorTokens: VendorTokenPolicy | undefined,
  clock: Clock,
): TokenStep<ScopedRequest, NarrowedRequest> {
  return async function narrowAuthorizationDetails(x) {
    const { record } = x.client;
    const requested = parseAuthorizationDetails(x.form.authorization_details, vendorTokens?.authorizationDetailsTypes ?? []);
    if (requested === undefined && record.kind === 'internal') return x;
    if (!vendorTokens) {
      throw new OAuthError(
        'invalid_authorization_details',
        record.kind === 'vendor' ? 'Vendor access is not available yet' : 'Internal clients may not request authorization_details',
      );
    }
    const decided = await vendorTokens.authorizationDetails(publicView(record), requested ?? []);
    if (!(decided.notAfter instanceof Date) || decided.notAfter.getTime() <= clock.now().getTime()) {
      throw new OAuthError('invalid_authorization_details', 'The requested access has ended');
    }
    // The token must stay small enough for every resource server (and our own verifier) to accept it.
    if (Buffer.byteLength(JSON.stringify(decided.authorizationDetails)) > MAX_TOKEN_AUTHORIZATION_DETAILS_BYTES) {
      throw new OAuthError(
        'invalid_authorization_details',
        `The authorization_details a token would carry exceed ${MAX_TOKEN_AUTHORIZATION_DETAILS_BYTES} bytes; ask for less in each token`,
      );
    }
    return { ...x, authorizationDetails: decided.authorizationDetails, notAfter: decided.notAfter };
  };
}

function parseAuthorizationDetails(raw: string | undefined, types: readonly string[]): unknown[] | undefined {
  if (raw === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw invalidRequest('authorization_details must be a JSON array');
  }
  if (!Array.isArray(parsed) || parsed.length === 0 || parsed.length > MAX_AUTHORIZATION_DETAILS) {
    throw new OAuthError(
      'invalid_authorization_details',
      `authorization_details must be a JSON array of 1 to ${MAX_AUTHORIZATION_DETAILS} objects`,
    );
  }
  // Every string inside, keys included, must be storable text: they reach the database (asset look-ups, the audit log).
  const problem = bodyProblem(parsed, MAX_AUTHORIZATION_DETAILS_DEPTH);
  if (problem) throw new OAuthError('invalid_authorization_details', `authorization_details: ${problem.replace(/^The body /, '')}`);
  for (const detail of parsed) {
    const type = (detail as { type?: unknown } | null)?.type;
    if (typeof detail !== 'object' || detail === null || Array.isArray(detail) || typeof type !== 'string') {
      throw new OAuthError('invalid_authorization_details', 'Each authorization detail must be an object with a type');
    }
    if (!types.includes(type))
      throw new OAuthError('invalid_authorization_details', `Unknown authorization_details type ${type.slice(0, 50)}`);
  }
  return parsed;
}

/** RFC 9068: a signed JWT, at most the client's lifetime and never past what the grants allow. */
export function issueAccessToken(issuer: AccessTokenIssuer): TokenStep<NarrowedRequest, IssuedRequest> {
  return async function issueAccessToken(x) {
    const { record } = x.client;
    const issued = await issuer.issue({
      clientId: record.clientId,
      scopes: [...x.scopes],
      authorizationDetails: x.authorizationDetails,
      ttlSeconds: record.accessTokenTtlSeconds,
      notAfter: x.notAfter,
    });
    return { ...x, issued };
  };
}

/** The token leaves only once its audit event is durable. */
export function auditIssuance(journal: IssuanceJournal): TokenStep<IssuedRequest> {
  return async function auditIssuance(x) {
    const { record, method } = x.client;
    const { issued } = x;
    const event: AuditEventInput = {
      actorType: 'client',
      actorId: record.clientId,
      action: 'oauth.token_issued',
      objectType: 'access_token',
      objectId: issued.jti,
      requestId: x.requestId,
      details: {
        clientId: record.clientId,
        clientKind: record.kind,
        vendorId: record.vendorId,
        authMethod: method,
        scope: x.scopes,
        authorizationDetails: x.authorizationDetails ?? null,
        kid: issued.kid,
        issuedAt: new Date(issued.iat * 1000).toISOString(),
        expiresAt: new Date(issued.exp * 1000).toISOString(),
      },
    };
    try {
      await journal.record([event]);
    } catch (err) {
      // Whatever stopped the record (the database unreachable, or refusing the write), no token leaves.
      throw err instanceof ServiceUnavailableError
        ? err
        : new ServiceUnavailableError('The token could not be recorded, so it is not issued', err);
    }
    return x;
  };
}
