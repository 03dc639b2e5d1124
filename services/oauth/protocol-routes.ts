import type { Context, Next } from 'koa';
import type { Logger } from '../logger';
import { defineRoute, type RouteSpec } from '../http/route';
import { NoQuery, unknownQueryResponse } from '../shared/schemas';
import { CLIENT_ASSERTION_ALGORITHMS, JWKS_MAX_AGE_SECONDS, PROTOCOL_FORM_LIMIT_BYTES } from './settings';
import { noStore, oauthErrorResponses, protocolForm, refuseQueryParameters } from './errors';
import type { IntrospectionEndpoint } from './tokens/introspection';
import type { IssuanceJournal } from './tokens/issuance-journal';
import type { RevocationEndpoint } from './tokens/revocation';
import {
  AuthorizationServerMetadata,
  IntrospectionRequestForm,
  IntrospectionResponse,
  OAuthErrorBody,
  PublicJwks,
  RevocationRequestForm,
  TokenRequestForm,
  TokenResponse,
} from './schemas';
import type { SigningKeyService } from './keys/signing-keys';
import { runTokenChain } from './tokens/token-endpoint';
import type { TokenChain } from './tokens/token-exchange';

export interface ProtocolRouteDeps {
  readonly issuer: string;
  readonly logger: Logger;
  readonly tokenChain: TokenChain;
  readonly journal: IssuanceJournal;
  readonly introspection: IntrospectionEndpoint;
  readonly revocation: RevocationEndpoint;
  readonly signingKeys: SigningKeyService;
  readonly authorizationDetailsTypes: () => readonly string[];
  /** Largest form read (PROTOCOL_FORM_LIMIT_BYTES, or BODY_LIMIT_KB when that is smaller). */
  readonly formLimitBytes: number;
}

export const endpointUrls = (issuer: string) => ({
  token: `${issuer}/oauth/token`,
  introspection: `${issuer}/oauth/introspect`,
  revocation: `${issuer}/oauth/revoke`,
  jwks: `${issuer}/.well-known/jwks.json`,
});

const oauthError = (description: string) => ({ description, alternatives: { 'application/json': OAuthErrorBody } });
const oauthErrors = {
  400: oauthError('invalid_request, unsupported_grant_type, invalid_scope, invalid_authorization_details (RFC 6749 §5.2)'),
  401: oauthError(
    'invalid_client: the client could not be authenticated (with a Basic challenge naming the error when it used the Authorization header)',
  ),
  413: oauthError(`invalid_request: the form is larger than ${PROTOCOL_FORM_LIMIT_BYTES / 1024} KiB`),
  415: oauthError('invalid_request: the body must be application/x-www-form-urlencoded'),
  503: oauthError('temporarily_unavailable: the database cannot be reached'),
};
const tooManyFailures = {
  429: {
    ...oauthError(
      'temporarily_unavailable: too many failed client authentications from this address (OAUTH_AUTH_FAILURES_PER_ADDRESS a minute), or for this client id (OAUTH_AUTH_FAILURES_PER_CLIENT; its valid credentials still work)',
    ),
    headers: { 'Retry-After': 'Seconds to wait' },
  },
};

const cachePublicly = (seconds: number) =>
  async function cachePublicly(ctx: Context, next: Next): Promise<void> {
    await next();
    ctx.set('Cache-Control', `public, max-age=${seconds}`);
  };

const withoutEmptyArrays = <T extends Record<string, unknown>>(metadata: T): T =>
  Object.fromEntries(Object.entries(metadata).filter(([, value]) => !(Array.isArray(value) && value.length === 0))) as T;

/** The protocol endpoints: RFC 8414 metadata, JWKS, token (RFC 6749/7523/9068), introspection (7662), revocation (7009). */
export function protocolRoutes(deps: ProtocolRouteDeps): RouteSpec[] {
  const urls = endpointUrls(deps.issuer);
  const protocolChain = [oauthErrorResponses(deps.logger), noStore, refuseQueryParameters, protocolForm(deps.formLimitBytes)];
  const methods = ['private_key_jwt', 'client_secret_basic', 'client_secret_post'];
  return [
    defineRoute({
      method: 'get',
      path: '/.well-known/oauth-authorization-server',
      operationId: 'authorizationServerMetadata',
      summary: 'Authorization server metadata (RFC 8414)',
      tags: ['oauth'],
      auth: { kind: 'public' },
      before: [cachePublicly(300)],
      query: NoQuery,
      responses: { 200: { description: 'The metadata', schema: AuthorizationServerMetadata }, ...unknownQueryResponse },
      handler: async () => ({
        // RFC 8414 §3.2: a claim with zero elements is omitted. There is no authorization endpoint, so no
        // response_types_supported (§2 calls it REQUIRED; RFC errata 7793: not without an authorization endpoint).
        body: withoutEmptyArrays({
          issuer: deps.issuer,
          token_endpoint: urls.token,
          introspection_endpoint: urls.introspection,
          revocation_endpoint: urls.revocation,
          jwks_uri: urls.jwks,
          grant_types_supported: ['client_credentials'],
          token_endpoint_auth_methods_supported: methods,
          token_endpoint_auth_signing_alg_values_supported: [...CLIENT_ASSERTION_ALGORITHMS],
          introspection_endpoint_auth_methods_supported: methods,
          introspection_endpoint_auth_signing_alg_values_supported: [...CLIENT_ASSERTION_ALGORITHMS],
          revocation_endpoint_auth_methods_supported: methods,
          revocation_endpoint_auth_signing_alg_values_supported: [...CLIENT_ASSERTION_ALGORITHMS],
          authorization_details_types_supported: [...deps.authorizationDetailsTypes()],
          service_documentation: `${deps.issuer}/docs`,
        }),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/.well-known/jwks.json',
      operationId: 'jwks',
      summary: 'The public keys that sign access tokens',
      description: 'Includes the next key before it signs and retired keys until every token they signed has expired.',
      tags: ['oauth'],
      auth: { kind: 'public' },
      before: [cachePublicly(JWKS_MAX_AGE_SECONDS)],
      query: NoQuery,
      responses: {
        200: { description: 'A JWK set (RFC 7517)', alternatives: { 'application/jwk-set+json': PublicJwks } },
        ...unknownQueryResponse,
      },
      handler: async () => ({ body: deps.signingKeys.jwks(), type: 'application/jwk-set+json' }),
    }),
    defineRoute({
      method: 'post',
      path: '/oauth/token',
      operationId: 'token',
      summary: 'Issue an access token (client credentials)',
      description:
        'grant_type=client_credentials only. Client authentication: private_key_jwt (RFC 7523), client_secret_basic or client_secret_post — exactly one. ' +
        'Access tokens are RFC 9068 JWTs (typ at+jwt), at most 10 minutes. Vendor clients receive authorization_details (RFC 9396) narrowed to their grants.',
      tags: ['oauth'],
      auth: { kind: 'public' },
      bodyType: 'form',
      body: TokenRequestForm,
      before: protocolChain,
      responses: {
        200: { description: 'An access token', schema: TokenResponse },
        ...oauthErrors,
        429: {
          ...oauthError(
            'temporarily_unavailable: too many token requests, refused ones included, for this client in the window (OAUTH_TOKEN_RATE_LIMIT, per replica), ' +
              'or too many failed client authentications (OAUTH_AUTH_FAILURES_PER_ADDRESS, OAUTH_AUTH_FAILURES_PER_CLIENT)',
          ),
          headers: { 'Retry-After': 'Seconds to wait' },
        },
      },
      handler: async ({ body, ctx, requestId }) => ({
        body: await runTokenChain(deps.tokenChain, { ctx, form: body, requestId }, deps.journal),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/oauth/introspect',
      operationId: 'introspect',
      summary: 'Introspect an access token (RFC 7662)',
      description:
        'The caller authenticates as a client (like the token endpoint) or with a bearer access token. ' +
        'Internal clients with role pep see every claim; other clients learn only whether their own token is active.',
      tags: ['oauth'],
      auth: { kind: 'public' },
      bodyType: 'form',
      body: IntrospectionRequestForm,
      before: protocolChain,
      responses: {
        200: { description: 'Whether the token is active, and its claims', schema: IntrospectionResponse },
        ...oauthErrors,
        ...tooManyFailures,
      },
      handler: async ({ body, ctx, requestId }) => ({ body: await deps.introspection.introspect(ctx, body, requestId) }),
    }),
    defineRoute({
      method: 'post',
      path: '/oauth/revoke',
      operationId: 'revoke',
      summary: 'Revoke an access token (RFC 7009)',
      description: 'A client revokes its own tokens. Unknown, malformed or expired tokens also get 200.',
      tags: ['oauth'],
      auth: { kind: 'public' },
      bodyType: 'form',
      body: RevocationRequestForm,
      before: protocolChain,
      responses: { 200: { description: 'Revoked (or nothing to revoke)' }, ...oauthErrors, ...tooManyFailures },
      handler: async ({ body, ctx, requestId }) => {
        await deps.revocation.revoke(ctx, body, requestId);
        return { status: 200, body: '' };
      },
    }),
  ];
}
