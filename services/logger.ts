import pino, { type Logger } from 'pino';

export type { Logger };

/** Paths never written to a log: credentials, tokens, secrets and customer identifiers. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  '*.authorization',
  '*.password',
  '*.secret',
  '*.client_secret',
  '*.clientSecret',
  '*.token',
  '*.access_token',
  '*.client_assertion',
  '*.subject',
  '*.subjectId',
  '*.customerId',
  '*.privateKey',
  '*.d',
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
