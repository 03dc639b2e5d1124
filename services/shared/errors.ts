/**
 * One error hierarchy for the whole service. Each error has an HTTP status, a stable code and
 * an RFC 9457 body; only errors meant for the client expose their message.
 */
export const PROBLEM_TYPE_BASE = 'urn:privacy-governance:problem:';

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  code: string;
  detail?: string;
  instance?: string;
  requestId?: string;
  [extension: string]: unknown;
}

export class ProblemError extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly extensions: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    code: string,
    title: string,
    detail?: string,
    options: { extensions?: Record<string, unknown>; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(detail ?? title, { cause: options.cause });
    this.name = new.target.name;
    this.status = status;
    this.code = code;
    this.title = title;
    this.extensions = options.extensions ?? {};
    this.headers = options.headers ?? {};
  }

  toProblem(requestId?: string): ProblemBody {
    return {
      type: `${PROBLEM_TYPE_BASE}${this.code}`,
      title: this.title,
      status: this.status,
      code: this.code,
      detail: this.message,
      ...(requestId ? { requestId } : {}),
      ...this.extensions,
    };
  }
}

export interface FieldIssue {
  path: string;
  message: string;
}

export class ValidationError extends ProblemError {
  constructor(detail: string, issues: FieldIssue[] = []) {
    super(400, 'validation_failed', 'The request is not valid', detail, { extensions: { errors: issues } });
  }

  /** One field refused, worded as the schema check at the edge words it (`body.x.y: message`). */
  static field(path: string, message: string): ValidationError {
    return new ValidationError(`${path}: ${message}`, [{ path, message }]);
  }
}

export class BadRequestError extends ProblemError {
  constructor(code: string, detail: string) {
    super(400, code, 'Bad request', detail);
  }
}

export class UnauthorizedError extends ProblemError {
  constructor(detail = 'A valid bearer token is required', realm = 'privacy-governance', errorCode = 'invalid_token') {
    super(401, 'unauthorized', 'Authentication required', detail, {
      headers: { 'WWW-Authenticate': `Bearer realm="${realm}", error="${errorCode}"` },
    });
  }
}

export class ForbiddenError extends ProblemError {
  constructor(detail = 'You do not have the permission this action needs') {
    super(403, 'forbidden', 'Forbidden', detail);
  }
}

export class NotFoundError extends ProblemError {
  constructor(detail = 'Not found') {
    super(404, 'not_found', 'Not found', detail);
  }
}

export class MethodNotAllowedError extends ProblemError {
  constructor(allowed: string[]) {
    super(405, 'method_not_allowed', 'Method not allowed', `Allowed methods: ${allowed.join(', ')}`, {
      headers: { Allow: allowed.join(', ') },
    });
  }
}

export class ConflictError extends ProblemError {
  constructor(code: string, detail: string) {
    super(409, code, 'Conflict', detail);
  }
}

export class PayloadTooLargeError extends ProblemError {
  constructor(limitBytes: number) {
    super(413, 'payload_too_large', 'Payload too large', `The request body exceeds ${limitBytes} bytes`);
  }
}

export class UnsupportedMediaTypeError extends ProblemError {
  constructor(expected: string) {
    super(415, 'unsupported_media_type', 'Unsupported media type', `Send the body as ${expected}`);
  }
}

export class NotAcceptableError extends ProblemError {
  constructor(available: string[]) {
    super(406, 'not_acceptable', 'Not acceptable', `Available representations: ${available.join(', ')}`);
  }
}

export class TooManyRequestsError extends ProblemError {
  constructor(retryAfterSeconds: number) {
    super(429, 'rate_limited', 'Too many requests', `Try again in ${retryAfterSeconds} s`, {
      headers: { 'Retry-After': String(retryAfterSeconds) },
    });
  }
}

export class ServiceUnavailableError extends ProblemError {
  constructor(detail = 'The service cannot answer safely right now; try again shortly', cause?: unknown) {
    super(503, 'service_unavailable', 'Service unavailable', detail, { headers: { 'Retry-After': '1' }, cause });
  }
}

const UNAVAILABLE_ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EADDRNOTAVAIL',
]);

/**
 * SQLSTATEs that mean "the database is not available to us right now", whatever the statement:
 * 28000/28P01 the role may not log in or its password was rotated, 3D000 the database does not
 * exist (dropped, or not yet restored), 25006 a read-only standby after a failover, 57P01-57P05
 * shut down, crashed, starting up, dropped or idle session ended, 40P01/40001 chosen as a deadlock
 * or serialization victim (rolled back whole: "retry shortly" is the truth).
 */
const UNAVAILABLE_SQLSTATE = new Set(['28000', '28P01', '3D000', '25006', '57P01', '57P02', '57P03', '57P04', '57P05', '40P01', '40001']);

/**
 * True for errors that mean the database cannot be reached, refuses us or is shutting down, so the
 * answer must be 503 (fail closed) rather than 500.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  // Not `instanceof Error`: socket errors may come from another realm (e.g. under a test runner's VM).
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { name?: string; code?: unknown; message?: string };
  if (e.name === 'KnexTimeoutError') return true; // no pool connection within acquireConnectionTimeout
  const code = typeof e.code === 'string' ? e.code : '';
  if (UNAVAILABLE_ERRNO.has(code) || UNAVAILABLE_SQLSTATE.has(code)) return true;
  // Class 08: connection exception. Class 53: insufficient resources (disk full, out of memory, too many connections).
  if (/^(08|53)[0-9A-Z]{3}$/.test(code)) return true;
  const message = String(e.message ?? '');
  // 55000 (object not in prerequisite state) is unavailability only with this meaning: `allow_connections false`.
  if (code === '55000') return /not currently accepting connections/i.test(message);
  return /Connection terminated|connection is closed|Client has encountered a connection error|timeout exceeded when trying to connect|Client was closed|Connection ended unexpectedly|the database system is (starting up|shutting down|in recovery mode)/i.test(
    message,
  );
}

/** An error as PostgreSQL raises it when a unique constraint says no (SQLSTATE 23505): what the in-memory fake stores throw. */
export const uniqueViolation = (message = 'duplicate key'): Error => Object.assign(new Error(message), { code: '23505' });

/** SQLSTATE 23505: a unique constraint said no. */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = err as { code?: string; constraint?: string } | undefined;
  return e?.code === '23505' && (constraint === undefined || e.constraint === constraint);
}
