import type { Context } from 'koa';
import type { RateLimitConfig } from '../../config';
import type { AuditEventInput } from '../../audit';
import type { AccessTokenIssuer, IssuedAccessToken } from './access-token-issuer';
import type { AuthenticatedClient, ClientAuthentication } from '../clients/client-authentication';
import { publicView } from '../clients/client-store';
import { ServiceUnavailableError } from '../../shared/errors';
import { bodyProblem } from '../../http/router';
import { OAuthError, invalidRequest } from '../errors';
import type { IssuanceJournal } from './issuance-journal';
import type { TokenRequestForm } from '../schemas';
import { ScopeToken } from '../schemas';
import { MAX_AUTHORIZATION_DETAILS, MAX_AUTHORIZATION_DETAILS_DEPTH, MAX_TOKEN_AUTHORIZATION_DETAILS_BYTES } from '../settings';
import { tokenRateLimit } from './token-rate-limit';
import type { VendorTokenPolicy } from './vendor-token-policy';

/** One token request as it moves through the chain; each step reads what the previous ones settled. */
export interface TokenExchange {
  readonly ctx: Context;
  readonly form: TokenRequestForm;
  readonly requestId: string;
  client?: AuthenticatedClient;
  scopes?: string[];
  authorizationDetails?: unknown[];
  notAfter?: Date;
  issued?: IssuedAccessToken;
}

export type TokenStep = (exchange: TokenExchange) => Promise<void>;

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
}

/**
 * POST /oauth/token, client credentials only (RFC 6749 §4.4), read in the order of the RFC.
 * Before the chain, the route sets no-store headers, refuses URL parameters and parses the form.
 */
export function tokenEndpointChain(deps: TokenEndpointDeps): TokenStep[] {
  const rateLimit = tokenRateLimit(deps.rateLimit);
  return [
    authenticateClient(deps.authentication),
    rateLimit,
    checkGrantType,
    narrowScope,
    narrowAuthorizationDetails(deps.vendorTokens),
    issueAccessToken(deps.issuer),
    auditIssuance(deps.journal),
  ];
}

export async function runTokenChain(
  steps: readonly TokenStep[],
  exchange: TokenExchange,
  journal?: IssuanceJournal,
): Promise<TokenResponseBody> {
  // Tells the journal a write is coming, so concurrent requests share one commit.
  const end = journal?.begin();
  try {
    for (const step of steps) await step(exchange);
  } finally {
    end?.();
  }
  const issued = exchange.issued as IssuedAccessToken;
  return {
    access_token: issued.token,
    token_type: 'Bearer',
    expires_in: issued.exp - issued.iat,
    ...(exchange.scopes && exchange.scopes.length > 0 ? { scope: exchange.scopes.join(' ') } : {}),
    ...(exchange.authorizationDetails !== undefined ? { authorization_details: exchange.authorizationDetails } : {}),
  };
}

const clientOf = (x: TokenExchange): AuthenticatedClient => x.client as AuthenticatedClient;

/** RFC 6749 §2.3 / RFC 7523: who is asking (audited when it fails). */
export function authenticateClient(authentication: ClientAuthentication): TokenStep {
  return async function authenticateClient(x) {
    x.client = await authentication.authenticate(x.ctx, x.form, 'token', x.requestId);
  };
}

/** Only client_credentials: this server has no users, so no code, password or refresh grants. */
export async function checkGrantType(x: TokenExchange): Promise<void> {
  if (x.form.grant_type !== 'client_credentials') {
    throw new OAuthError('unsupported_grant_type', 'This server supports only grant_type=client_credentials');
  }
}

/** RFC 6749 §3.3: the requested scopes, each allowed to the client; none requested means all allowed. */
export async function narrowScope(x: TokenExchange): Promise<void> {
  const allowed = clientOf(x).record.scopes;
  if (x.form.scope === undefined) {
    x.scopes = [...allowed];
    return;
  }
  const requested = [...new Set(x.form.scope.split(' ').filter((s) => s.length > 0))];
  for (const scope of requested) {
    if (!ScopeToken.safeParse(scope).success) throw new OAuthError('invalid_scope', 'The scope parameter is malformed');
    if (!allowed.includes(scope)) throw new OAuthError('invalid_scope', `The client may not request the scope ${scope}`);
  }
  x.scopes = requested;
}

/**
 * RFC 9396: what data access the token carries, decided by the vendor-access feature. Vendor clients
 * always go through it (their tokens are narrowed to grants); internal clients only when they ask.
 */
export function narrowAuthorizationDetails(vendorTokens: VendorTokenPolicy | undefined): TokenStep {
  return async function narrowAuthorizationDetails(x) {
    const { record } = clientOf(x);
    const requested = parseAuthorizationDetails(x.form.authorization_details, vendorTokens?.authorizationDetailsTypes ?? []);
    if (requested === undefined && record.kind === 'internal') return;
    if (!vendorTokens) {
      throw new OAuthError(
        'invalid_authorization_details',
        record.kind === 'vendor' ? 'Vendor access is not available yet' : 'Internal clients may not request authorization_details',
      );
    }
    const decided = await vendorTokens.authorizationDetails(publicView(record), requested ?? []);
    if (!(decided.notAfter instanceof Date) || decided.notAfter.getTime() <= Date.now()) {
      throw new OAuthError('invalid_authorization_details', 'The requested access has ended');
    }
    // The token must stay small enough for every resource server (and our own verifier) to accept it.
    if (Buffer.byteLength(JSON.stringify(decided.authorizationDetails)) > MAX_TOKEN_AUTHORIZATION_DETAILS_BYTES) {
      throw new OAuthError(
        'invalid_authorization_details',
        `The authorization_details a token would carry exceed ${MAX_TOKEN_AUTHORIZATION_DETAILS_BYTES} bytes; ask for less in each token`,
      );
    }
    x.authorizationDetails = decided.authorizationDetails;
    x.notAfter = decided.notAfter;
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
export function issueAccessToken(issuer: AccessTokenIssuer): TokenStep {
  return async function issueAccessToken(x) {
    const { record } = clientOf(x);
    x.issued = await issuer.issue({
      clientId: record.clientId,
      scopes: x.scopes ?? [],
      authorizationDetails: x.authorizationDetails,
      ttlSeconds: record.accessTokenTtlSeconds,
      notAfter: x.notAfter,
    });
  };
}

/** The token leaves only once its audit event is durable. */
export function auditIssuance(journal: IssuanceJournal): TokenStep {
  return async function auditIssuance(x) {
    const { record, method } = clientOf(x);
    const issued = x.issued as IssuedAccessToken;
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
        scope: x.scopes ?? [],
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
  };
}
