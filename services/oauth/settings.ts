/** Protocol limits of the authorization server, in one place (each one is documented in docs/oauth.md). */

/** RFC 9068 access tokens live at most 10 minutes; a client may be registered with less. */
export const MAX_ACCESS_TOKEN_TTL_SECONDS = 600;
export const MIN_ACCESS_TOKEN_TTL_SECONDS = 60;

/** Clock skew accepted on every JWT we verify (client assertions and our access tokens). */
export const CLOCK_TOLERANCE_SECONDS = 15;

/** A client assertion must expire within this many seconds of now ("exp required and near"). */
export const MAX_ASSERTION_LIFETIME_SECONDS = 300;
export const MAX_ASSERTION_BYTES = 8192;
export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Algorithms a client may sign its assertions with: asymmetric only (no none, no HMAC). */
export const CLIENT_ASSERTION_ALGORITHMS = [
  'ES256',
  'ES384',
  'ES512',
  'PS256',
  'PS384',
  'PS512',
  'RS256',
  'RS384',
  'RS512',
  'EdDSA',
] as const;

/** Algorithms our own signing keys use; ES256 unless a rotation asks for EdDSA. */
export const SIGNING_ALGORITHMS = ['ES256', 'EdDSA'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

/**
 * A new signing key is published this long before it signs, so resource servers that cache our
 * JWKS (jose's createRemoteJWKSet keeps it 10 minutes) already know it when the first token arrives.
 */
export const DEFAULT_KEY_ACTIVATION_DELAY_SECONDS = 600;
export const MAX_KEY_ACTIVATION_DELAY_SECONDS = 86_400;
/** After a key stops signing it stays published until its last token expired, plus this margin. */
export const KEY_RETIREMENT_MARGIN_SECONDS = 60;
export const JWKS_MAX_AGE_SECONDS = 60;

/** After a secret rotation the old secret keeps working this long unless the rotation says otherwise. */
export const DEFAULT_SECRET_GRACE_SECONDS = 86_400;
export const MAX_SECRET_GRACE_SECONDS = 7 * 86_400;

/**
 * Failed client authentications are counted per address and per claimed client id in windows of
 * this length (limits: OAUTH_AUTH_FAILURES_PER_ADDRESS, OAUTH_AUTH_FAILURES_PER_CLIENT). The first
 * failure of each client id × reason from an address in a window is audited at once (at most
 * FAILURES_AUDITED_ONE_BY_ONE_PER_ADDRESS kinds); the rest are audited as counts per window.
 */
export const AUTHENTICATION_FAILURE_WINDOW_SECONDS = 60;
export const FAILURES_AUDITED_ONE_BY_ONE_PER_ADDRESS = 20;

/** A client's jwks_uri: its answer is read up to this size and waited for this long. */
export const JWKS_FETCH_MAX_BYTES = 64 * 1024;
export const JWKS_FETCH_TIMEOUT_MS = 2000;

/** Verified access tokens remembered in memory (the hot path never touches the database for them); each until its exp. */
export const VERIFIED_TOKEN_CACHE_SIZE = 50_000;
/** Clients remembered in memory. The change feed drops a changed client at once; the TTL only re-reads the quiet ones. */
export const CLIENT_CACHE_SIZE = 10_000;
export const CLIENT_CACHE_TTL_MS = 10 * 60_000;

/** RFC 9396 authorization_details of a token request: at most this many characters and objects, nested this deep. */
export const MAX_AUTHORIZATION_DETAILS_CHARS = 16_000;
export const MAX_AUTHORIZATION_DETAILS = 50;
export const MAX_AUTHORIZATION_DETAILS_DEPTH = 4;
/** What a token may carry as authorization_details (serialised JSON); keeps every token under the verifier's 16,000 characters. */
export const MAX_TOKEN_AUTHORIZATION_DETAILS_BYTES = 8192;
/** Largest form any protocol endpoint (/oauth/*) reads; 413 beyond, whatever BODY_LIMIT_KB says. */
export const PROTOCOL_FORM_LIMIT_BYTES = 64 * 1024;

/** The only RFC 9396 type this service understands: field-level access to a data asset for a purpose. */
export const DATA_ACCESS_DETAILS_TYPE = 'data_access';

/** Internal roles a bank system's client may hold (`app_monitor`: a monitoring system pushing app signals). */
export const INTERNAL_CLIENT_ROLES = ['pep', 'consent_collector', 'app_monitor'] as const;
