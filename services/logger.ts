import pino, { type Logger } from 'pino';

export type { Logger };

/** Keys never written to a log, at any depth and in any case: credentials, tokens, secrets and customer identifiers. */
export const SENSITIVE_KEYS = [
  'authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'password',
  'secret',
  'client_secret',
  'clientSecret',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'client_assertion',
  'assertion',
  'subject',
  'subjectId',
  'customerId',
  'privateKey',
  'privateJwk',
  'd',
] as const;

export const REDACTED = '[redacted]';
const SENSITIVE = new Set<string>(SENSITIVE_KEYS.map((k) => k.toLowerCase()));
const MAX_DEPTH = 6;

/**
 * Returns `value` with every sensitive key's value replaced, copying only the objects on the way
 * to a replacement (the caller's objects are never changed). One walk per log line, a few
 * microseconds for the small objects logged per request; pino's path-based redaction cannot
 * express "at any depth" and costs tens of microseconds per line with wildcards.
 */
export function redactSensitive<T>(value: T, depth = 0): T {
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item, i) => {
      const redacted = redactSensitive(item, depth + 1);
      if (redacted !== item) (copy ??= [...value])[i] = redacted;
    });
    return (copy ?? value) as T;
  }
  if (value instanceof Buffer || value instanceof Date) return value;
  let copy: Record<string, unknown> | undefined;
  const source = value as Record<string, unknown>;
  for (const key of Object.keys(source)) {
    const item = source[key];
    const redacted = SENSITIVE.has(key.toLowerCase()) ? REDACTED : redactSensitive(item, depth + 1);
    if (redacted === item) continue;
    copy ??= copyOf(source);
    copy[key] = redacted;
  }
  return (copy ?? value) as T;
}

/** A shallow copy that keeps an error an error (pino's serializer needs its message and stack). */
function copyOf(source: Record<string, unknown>): Record<string, unknown> {
  if (source instanceof Error) {
    const copy = Object.assign(Object.create(Object.getPrototypeOf(source) as object) as Record<string, unknown>, source);
    copy.message = source.message;
    copy.stack = source.stack;
    return copy;
  }
  return { ...source };
}

// Child-logger bindings bypass formatters.log; pino applies serializers to them by top-level key.
const redactingSerializers = Object.fromEntries(SENSITIVE_KEYS.map((key) => [key, () => REDACTED]));

/**
 * Logs go to stdout (or `destination`). Written asynchronously: lines logged while a write is under
 * way go out together in the next one, instead of one system call per line (a request line per
 * request); pino flushes what is left when the process exits.
 */
export function createLogger(level: string, destination: pino.DestinationStream = pino.destination({ dest: 1, sync: false })): Logger {
  return pino(
    {
      level,
      formatters: { log: (object) => redactSensitive(object) },
      serializers: { ...redactingSerializers, err: pino.stdSerializers.err },
      base: { service: 'privacy-governance' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
