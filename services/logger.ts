import pino, { type Logger } from 'pino';

export type { Logger };

/** Keys never written to a log, wherever they appear: credentials, tokens, secrets and customer identifiers. */
export const SENSITIVE_KEYS = [
  'authorization',
  'cookie',
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

// pino's redaction has no recursive wildcard: cover the key at the top and two levels down
// (e.g. { token }, { body: { token } }, { req: { headers: { authorization } } }).
export const REDACT_PATHS = [
  ...SENSITIVE_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]),
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { service: 'privacy-governance' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
