import { decodeJwt, decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { Context } from 'koa';
import { unstorable } from '../../shared/validation';
import type { AuthenticationFailures } from './authentication-failures';
import type { ClientDirectory, KnownClient } from './client-directory';
import type { ClientSecretHasher } from './client-secrets';
import type { ClientRecord } from './store-type';
import { invalidClient, invalidRequest } from '../errors';
import type { IssuanceJournal } from '../tokens/issuance-journal';
import { JwksUriRefused } from './jwks-uri';
import { ClientId, type TokenEndpointAuthMethod } from '../schemas';
import {
  CLIENT_ASSERTION_ALGORITHMS,
  CLOCK_TOLERANCE_SECONDS,
  JWT_BEARER_ASSERTION_TYPE,
  MAX_ASSERTION_LIFETIME_SECONDS,
} from '../settings';
import { systemClock, type Clock } from '../../platform/clock';

/** The client authentication parameters of a protocol request's form (RFC 6749 §2.3, RFC 7523 §2.2). */
export interface ClientCredentialsForm {
  readonly client_id?: string;
  readonly client_secret?: string;
  readonly client_assertion_type?: string;
  readonly client_assertion?: string;
}

export type ProtocolEndpoint = 'token' | 'introspection' | 'revocation';

/** What client authentication reads of a protocol request besides its form: the caller's address and its headers. */
export type ProtocolRequest = Pick<Context, 'ip' | 'get'>;

export interface AuthenticatedClient {
  readonly record: ClientRecord;
  readonly method: TokenEndpointAuthMethod;
}

/** Why authentication failed: recorded in the audit log, never shown to the caller. */
class AuthenticationFailure extends Error {
  constructor(
    readonly reason: string,
    readonly clientId: string | undefined,
    readonly method: string | undefined,
    readonly badRequest = false,
  ) {
    super(reason);
  }
}

type Presented =
  | { method: 'client_secret_basic' | 'client_secret_post'; clientId: string; secret: string }
  | { method: 'private_key_jwt'; clientId: string; assertion: string };

/**
 * Authenticates the client calling a protocol endpoint with exactly one method: HTTP Basic,
 * a secret in the form, or a signed assertion (private_key_jwt). Every failure is counted against
 * the caller's address and the client id it claimed (429 past the limits) and audited (the first of
 * its kind at once, repeats as counts: AuthenticationFailures) before the (deliberately uniform)
 * invalid_client answer leaves. A client id that is not in the format this server issues is
 * refused like an unknown one, before it reaches the database.
 */
export class ClientAuthentication {
  constructor(
    private readonly directory: ClientDirectory,
    private readonly hasher: ClientSecretHasher,
    private readonly journal: IssuanceJournal,
    private readonly failures: AuthenticationFailures,
    private readonly issuer: string,
    private readonly endpointUrls: Readonly<Record<ProtocolEndpoint, string>>,
    private readonly clock: Clock = systemClock,
  ) {}

  async authenticate(
    ctx: ProtocolRequest,
    form: ClientCredentialsForm,
    endpoint: ProtocolEndpoint,
    requestId: string,
  ): Promise<AuthenticatedClient> {
    await this.failures.refuseIfThrottled(ctx.ip, endpoint, requestId);
    try {
      const presented = this.presented(ctx, form);
      if (!ClientId.safeParse(presented.clientId).success)
        throw new AuthenticationFailure('unknown_client', presented.clientId, presented.method);
      const known = await this.directory.find(presented.clientId);
      if (!known) throw new AuthenticationFailure('unknown_client', presented.clientId, presented.method);
      const { record } = known;
      if (record.status !== 'active') throw new AuthenticationFailure('client_disabled', record.clientId, presented.method);
      if (record.tokenEndpointAuthMethod !== presented.method) {
        throw new AuthenticationFailure('method_not_registered', record.clientId, presented.method);
      }
      if (presented.method === 'private_key_jwt') await this.verifyAssertion(known, presented.assertion, endpoint);
      else if (!this.secretMatches(record, presented.secret))
        throw new AuthenticationFailure('wrong_secret', record.clientId, presented.method);
      return { record, method: presented.method };
    } catch (err) {
      if (!(err instanceof AuthenticationFailure)) throw err;
      await this.failures.record({
        address: ctx.ip,
        clientId: err.clientId,
        endpoint,
        method: err.method ?? null,
        reason: err.reason,
        requestId,
      });
      if (err.badRequest)
        throw invalidRequest(
          err.reason === 'multiple_methods' ? 'Use exactly one client authentication method' : 'Malformed client authentication',
        );
      throw invalidClient(ctx.get('authorization') !== '');
    }
  }

  /** Which credentials the request carries; more than one method is refused (RFC 6749 §2.3). */
  private presented(ctx: ProtocolRequest, form: ClientCredentialsForm): Presented {
    const header = ctx.get('authorization');
    const methods = [
      header !== '',
      form.client_secret !== undefined,
      form.client_assertion !== undefined || form.client_assertion_type !== undefined,
    ];
    const claimed = form.client_id;
    if (methods.filter(Boolean).length > 1) throw new AuthenticationFailure('multiple_methods', claimed, undefined, true);
    if (header !== '') {
      const basic = parseBasic(header);
      if (!basic) throw new AuthenticationFailure('malformed_basic_credentials', claimed, 'client_secret_basic');
      if (claimed !== undefined && claimed !== basic.clientId) {
        throw new AuthenticationFailure('client_id_mismatch', basic.clientId, 'client_secret_basic', true);
      }
      return { method: 'client_secret_basic', ...basic };
    }
    if (form.client_secret !== undefined) {
      if (!claimed) throw new AuthenticationFailure('missing_client_id', undefined, 'client_secret_post');
      return { method: 'client_secret_post', clientId: claimed, secret: form.client_secret };
    }
    if (form.client_assertion !== undefined) {
      if (form.client_assertion_type !== JWT_BEARER_ASSERTION_TYPE) {
        throw new AuthenticationFailure('unsupported_assertion_type', claimed, 'private_key_jwt');
      }
      let payload: JWTPayload;
      try {
        payload = decodeJwt(form.client_assertion);
      } catch {
        throw new AuthenticationFailure('malformed_assertion', claimed, 'private_key_jwt');
      }
      const subject = typeof payload.sub === 'string' ? payload.sub : undefined;
      if (!subject || payload.iss !== subject) throw new AuthenticationFailure('assertion_issuer_mismatch', claimed, 'private_key_jwt');
      if (claimed !== undefined && claimed !== subject) throw new AuthenticationFailure('client_id_mismatch', subject, 'private_key_jwt');
      return { method: 'private_key_jwt', clientId: subject, assertion: form.client_assertion };
    }
    throw new AuthenticationFailure('no_credentials', claimed, undefined);
  }

  private secretMatches(record: ClientRecord, secret: string): boolean {
    // Both checks always run, so timing does not tell which secret matched.
    const current = this.hasher.verify(secret, record.secretHash);
    const graceOk = record.previousSecretExpiresAt !== null && Date.parse(record.previousSecretExpiresAt) > this.clock.now().getTime();
    const previous = this.hasher.verify(secret, record.previousSecretHash);
    return current || (graceOk && previous);
  }

  private async verifyAssertion(known: KnownClient, assertion: string, endpoint: ProtocolEndpoint): Promise<void> {
    const clientId = known.record.clientId;
    const fail = (reason: string) => new AuthenticationFailure(reason, clientId, 'private_key_jwt');
    if (!known.assertionKeys) throw fail('no_registered_keys');
    let header;
    try {
      header = decodeProtectedHeader(assertion);
    } catch {
      throw fail('malformed_assertion');
    }
    if (typeof header.typ === 'string' && /^(application\/)?at\+jwt$/i.test(header.typ)) throw fail('access_token_as_assertion');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(assertion, known.assertionKeys, {
        algorithms: [...CLIENT_ASSERTION_ALGORITHMS],
        issuer: clientId,
        subject: clientId,
        audience: [...new Set([this.issuer, this.endpointUrls.token, this.endpointUrls[endpoint]])],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['iss', 'sub', 'aud', 'exp', 'jti'],
      }));
    } catch (err) {
      throw fail(assertionFailure(err));
    }
    const now = Math.floor(this.clock.now().getTime() / 1000);
    const exp = payload.exp as number;
    if (exp > now + MAX_ASSERTION_LIFETIME_SECONDS + CLOCK_TOLERANCE_SECONDS) throw fail('assertion_expiry_too_far');
    // Issued later than now, beyond the accepted skew: the client's clock is off by more than we tolerate.
    if (typeof payload.iat === 'number' && payload.iat > now + CLOCK_TOLERANCE_SECONDS) throw fail('assertion_iat_invalid');
    if (typeof payload.jti !== 'string' || payload.jti.length === 0 || payload.jti.length > 200 || unstorable(payload.jti))
      throw fail('assertion_jti_invalid');
    const expiresAt = new Date((exp + CLOCK_TOLERANCE_SECONDS) * 1000).toISOString();
    if (!(await this.journal.claimAssertion({ clientId, jti: payload.jti, expiresAt }))) throw fail('assertion_replayed');
  }
}

/** RFC 6749 §2.3.1: Basic credentials are form-urlencoded before base64. */
function parseBasic(header: string): { clientId: string; secret: string } | undefined {
  const match = /^Basic ([A-Za-z0-9+/]+=*)$/i.exec(header.trim());
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  try {
    const formDecode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
    const clientId = formDecode(decoded.slice(0, colon));
    const secret = formDecode(decoded.slice(colon + 1));
    return clientId.length > 0 && clientId.length <= 200 && secret.length <= 200 ? { clientId, secret } : undefined;
  } catch {
    return undefined;
  }
}

function assertionFailure(err: unknown): string {
  if (err instanceof JwksUriRefused) return 'client_jwks_uri_refused';
  if (err instanceof joseErrors.JWTExpired) return 'assertion_expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed) return `assertion_${err.claim}_invalid`;
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'assertion_alg_not_allowed';
  if (err instanceof joseErrors.JWKSNoMatchingKey) return 'assertion_key_not_registered';
  if (err instanceof joseErrors.JWKSTimeout || err instanceof joseErrors.JWKSInvalid) return 'client_jwks_unavailable';
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'assertion_signature_invalid';
  return 'assertion_invalid';
}
