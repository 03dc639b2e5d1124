import { bodyParser } from '@koa/bodyparser';
import type { Context, Next } from 'koa';
import type { Logger } from '../logger';
import {
  PayloadTooLargeError,
  ProblemError,
  ServiceUnavailableError,
  UnsupportedMediaTypeError,
  ValidationError,
  isDatabaseUnavailable,
} from '../shared/errors';

export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'invalid_authorization_details'
  | 'unsupported_token_type'
  | 'invalid_token'
  | 'temporarily_unavailable'
  | 'server_error';

const REALM = 'privacy-governance';

/**
 * An OAuth 2.0 error (RFC 6749 §5.2). It is a ProblemError so that, thrown anywhere, it keeps its
 * status; on /oauth/* endpoints `oauthErrorResponses` renders it as `{ error, error_description }`.
 */
export class OAuthError extends ProblemError {
  constructor(
    readonly error: OAuthErrorCode,
    description: string,
    status = 400,
    headers: Record<string, string> = {},
  ) {
    super(status, error, 'OAuth error', description, { headers });
  }
}

/**
 * 401 invalid_client: the same answer for an unknown client, a wrong secret and a bad assertion.
 * RFC 6749 §5.2: a client that used the Authorization header gets a challenge in its scheme
 * (Basic, the only one it may use there), naming the error like RFC 6750 §3 does for Bearer.
 */
export const invalidClient = (usedAuthorizationHeader: boolean, description = 'Client authentication failed'): OAuthError =>
  new OAuthError(
    'invalid_client',
    description,
    401,
    usedAuthorizationHeader ? { 'WWW-Authenticate': `Basic realm="${REALM}", error="invalid_client"` } : {},
  );

export const invalidRequest = (description: string): OAuthError => new OAuthError('invalid_request', description);

/** RFC 6749 §5.1: token responses (and introspection answers) are never cached. */
export async function noStore(ctx: Context, next: Next): Promise<void> {
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Pragma', 'no-cache');
  await next();
}

/** RFC 6749 §2.3.1: credentials and parameters travel in the body, never in the URL. */
export async function refuseQueryParameters(ctx: Context, next: Next): Promise<void> {
  if (ctx.querystring.length > 0) throw invalidRequest('Send the parameters in the form body, never in the URL');
  await next();
}

/**
 * Reads a protocol endpoint's form with its own size bound (413 beyond `limitBytes`, whatever
 * BODY_LIMIT_KB allows elsewhere); the router's own parser then finds the body already read.
 */
export function protocolForm(limitBytes: number) {
  const parser = bodyParser({
    enableTypes: ['form'],
    formLimit: limitBytes,
    onError: (err: Error) => {
      const e = err as Error & { status?: number; type?: string };
      if (e.status === 413 || e.type === 'entity.too.large') throw new PayloadTooLargeError(limitBytes);
      if (e.status === 415) throw new UnsupportedMediaTypeError('application/x-www-form-urlencoded');
      throw new ValidationError('The body is not a valid form', []);
    },
  });
  return async function protocolForm(ctx: Context, next: Next): Promise<void> {
    return ctx.is('application/x-www-form-urlencoded') ? parser(ctx, next) : next();
  };
}

/** Renders anything thrown below as an RFC 6749 §5.2 JSON error instead of problem+json. */
export function oauthErrorResponses(logger: Logger) {
  return async function oauthErrorResponses(ctx: Context, next: Next): Promise<void> {
    try {
      await next();
    } catch (thrown) {
      const error = toOAuthError(thrown);
      if (error.status >= 500 && error.error === 'server_error') {
        ((ctx.state.log as Logger | undefined) ?? logger).error({ err: thrown }, 'oauth endpoint failed');
      }
      ctx.status = error.status;
      for (const [name, value] of Object.entries(error.headers)) ctx.set(name, value);
      ctx.set('Cache-Control', 'no-store');
      ctx.set('Pragma', 'no-cache');
      ctx.body = { error: error.error, error_description: error.message };
      ctx.type = 'application/json';
    }
  };
}

function toOAuthError(thrown: unknown): OAuthError {
  if (thrown instanceof OAuthError) return thrown;
  if (isDatabaseUnavailable(thrown) || thrown instanceof ServiceUnavailableError) {
    return new OAuthError('temporarily_unavailable', 'The service cannot answer safely right now; try again shortly', 503, {
      'Retry-After': '1',
    });
  }
  if (thrown instanceof ProblemError && thrown.status < 500) {
    // Body parsing and validation failures (400, 413, 415) keep their status with an OAuth body.
    const error: OAuthErrorCode = thrown.status === 401 ? 'invalid_client' : 'invalid_request';
    return new OAuthError(error, thrown.message, thrown.status, thrown.headers);
  }
  return new OAuthError('server_error', 'An unexpected error occurred; quote the request id to support', 500);
}
