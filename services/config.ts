import path from 'node:path';
import { z } from 'zod';

/** Raised when the environment cannot make a valid configuration; names the variable. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const urlString = (name: string) =>
  optionalString.refine((v) => v === undefined || URL.canParse(v), { message: `${name} must be an absolute URL` });

/**
 * A variable `parse` reads (undefined: not a value it accepts, reported with `message`), or
 * `fallback` when it is unset or blank.
 */
const parsedOr = <T, F>(fallback: F, message: string, parse: (value: string) => T | undefined) =>
  z
    .string()
    .trim()
    .optional()
    .transform((v, ctx): T | F => {
      if (v === undefined || v === '') return fallback;
      const parsed = parse(v);
      if (parsed === undefined) {
        ctx.addIssue({ code: 'custom', message });
        return z.NEVER;
      }
      return parsed;
    });

/** A number from `min` to `max`: whole (e.g. PORT=3000), or any decimal (e.g. APP_POOR_SATISFACTION_BELOW=3.5). */
const numberInRange = <F extends number | undefined>(kind: 'whole' | 'decimal', min: number, max: number, fallback: F) =>
  parsedOr(fallback, `must be a ${kind === 'whole' ? 'whole number' : 'number'} from ${min} to ${max}`, (v) => {
    const n = Number(v);
    const valid = kind === 'whole' ? Number.isInteger(n) : Number.isFinite(n);
    return valid && n >= min && n <= max ? n : undefined;
  });

const intInRange = (min: number, max: number, fallback: number) => numberInRange('whole', min, max, fallback);

/** true or false, e.g. MIGRATE_ON_START=false. */
const booleanFlag = (fallback: boolean) =>
  parsedOr(fallback, 'must be true or false', (v) => (v === 'true' ? true : v === 'false' ? false : undefined));

/** A listening address: an IPv4 or IPv6 address or a host name, e.g. 0.0.0.0 in a container. */
const hostString = (fallback: string | undefined) =>
  optionalString
    .refine((v) => v === undefined || /^[A-Za-z0-9.:_-]{1,253}$/.test(v), {
      message: 'must be an IP address or a host name, e.g. 127.0.0.1 or 0.0.0.0',
    })
    .transform((v) => v ?? fallback);

const optionalPort = numberInRange('whole', 0, 65535, undefined);

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const EnvSchema = z.object({
  NODE_ENV: optionalString,
  HOST: hostString('127.0.0.1'),
  PORT: intInRange(0, 65535, 3000),
  MIGRATE_ON_START: booleanFlag(true),
  // Above the proxy's upstream keep-alive (nginx: 60 s), so the service never closes a connection nginx is about to reuse.
  HTTP_KEEP_ALIVE_TIMEOUT_S: intInRange(1, 3600, 65),
  HTTP_HEADERS_TIMEOUT_S: intInRange(1, 3600, 66),
  HTTP_REQUEST_TIMEOUT_S: intInRange(1, 3600, 70),
  METRICS_PORT: optionalPort,
  METRICS_HOST: hostString(undefined),
  METRICS_TOKEN: optionalString.refine((v) => v === undefined || v.length >= 16, { message: 'must be at least 16 characters' }),
  DATABASE_URL: optionalString.refine((v) => v === undefined || /^postgres(ql)?:\/\//.test(v), {
    message: 'must be a postgres:// or postgresql:// URL',
  }),
  DATABASE_POOL_MAX: intInRange(1, 200, 10),
  DATA_DIR: optionalString,
  PGLITE_SHARED_BUFFERS: optionalString.refine((v) => v === undefined || /^[1-9][0-9]{0,6}(kB|MB|GB)$/.test(v), {
    message: 'must be a size such as 16MB (PostgreSQL shared_buffers)',
  }),
  PUBLIC_URL: urlString('PUBLIC_URL'),
  STAFF_ISSUER: optionalString,
  STAFF_AUDIENCE: optionalString,
  STAFF_JWKS_URL: urlString('STAFF_JWKS_URL'),
  // Staff tokens: the longest lifetime (exp - iat) and age (now - iat) accepted, and the clock skew allowed.
  STAFF_TOKEN_MAX_LIFETIME_S: intInRange(60, 86_400, 43_200),
  STAFF_TOKEN_MAX_AGE_S: intInRange(60, 86_400, 43_200),
  STAFF_CLOCK_SKEW_S: intInRange(0, 300, 15),
  BOOTSTRAP_ADMIN_SUBJECTS: optionalString,
  SUBJECT_ID_KEY: optionalString.refine((v) => v === undefined || v.length >= 32, {
    message: 'must be at least 32 characters (use 32 random bytes, base64)',
  }),
  KEY_ENCRYPTION_KEY: optionalString.refine((v) => v === undefined || Buffer.from(v, 'base64').length === 32, {
    message: 'must be 32 random bytes, base64-encoded',
  }),
  // Ed25519 seed that signs audit checkpoints; never stored in the database.
  AUDIT_CHECKPOINT_KEY: optionalString.refine((v) => v === undefined || Buffer.from(v, 'base64').length === 32, {
    message: 'must be 32 random bytes, base64-encoded (an Ed25519 seed)',
  }),
  AUDIT_CHECKPOINT_INTERVAL_S: intInRange(1, 3600, 1),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional().default('info'),
  BODY_LIMIT_KB: intInRange(1, 10240, 100),
  MAX_HEADER_KB: intInRange(1, 64, 16),
  OAUTH_TOKEN_RATE_LIMIT: intInRange(1, 1_000_000_000, 300),
  OAUTH_TOKEN_RATE_WINDOW_S: intInRange(1, 86_400, 60),
  OAUTH_AUTH_FAILURES_PER_ADDRESS: intInRange(1, 1_000_000_000, 40),
  OAUTH_AUTH_FAILURES_PER_CLIENT: intInRange(1, 1_000_000_000, 20),
  OAUTH_JWKS_ALLOWED_HOSTS: optionalString.refine(
    (v) => v === undefined || v.split(',').every((h) => h.trim() === '' || /^[A-Za-z0-9.:-]+(\/\d{1,3})?$/.test(h.trim())),
    {
      message: 'must be a comma-separated list of host names, addresses or CIDR ranges',
    },
  ),
  POLICY_MAX_STALENESS_MS: intInRange(100, 600_000, 5_000),
  POLICY_RELOAD_INTERVAL_S: intInRange(5, 86_400, 300),
  // PIPL Art. 56: at least 3 years; older months of the audit log are detached (never dropped) after this.
  AUDIT_RETENTION_MONTHS: intInRange(36, 1200, 36),
  PUBLIC_COMPLAINT_BODY_LIMIT_KB: intInRange(1, 64, 8),
  PUBLIC_COMPLAINT_SUBMISSIONS: intInRange(1, 1_000_000, 10),
  PUBLIC_COMPLAINT_SUBMISSION_WINDOW_S: intInRange(1, 86_400, 600),
  PUBLIC_COMPLAINT_LOOKUPS: intInRange(1, 1_000_000, 60),
  PUBLIC_COMPLAINT_LOOKUP_WINDOW_S: intInRange(1, 86_400, 60),
  INCIDENT_NOTIFY_HOURS_CRITICAL: intInRange(1, 720, 1),
  INCIDENT_NOTIFY_HOURS_HIGH: intInRange(1, 720, 4),
  INCIDENT_NOTIFY_HOURS_MEDIUM: intInRange(1, 720, 24),
  INCIDENT_NOTIFY_HOURS_LOW: intInRange(1, 720, 72),
  // App consolidation report: fewer than 1,000 monthly active users, or satisfaction below 3 of 5.
  APP_LOW_ACTIVITY_MAU: intInRange(0, 1_000_000_000, 1000),
  APP_POOR_SATISFACTION_BELOW: numberInRange('decimal', 0, 5, 3),
  // Monitoring signals (pushed by monitoring clients or recorded by staff): per app and per recorder, per window.
  APP_SIGNALS_PER_APP: intInRange(1, 100_000, 120),
  APP_SIGNALS_PER_RECORDER: intInRange(1, 1_000_000, 1200),
  APP_SIGNAL_WINDOW_S: intInRange(1, 3600, 60),
  // The compliance report: whose report it is, and the zone of its period and local times.
  INSTITUTION_NAME: optionalString.refine((v) => v === undefined || v.length <= 200, { message: 'must be at most 200 characters' }),
  INSTITUTION_TIME_ZONE: optionalString.refine((v) => v === undefined || isTimeZone(v), {
    message: 'must be an IANA time zone, e.g. Asia/Shanghai',
  }),
});

/** Every environment variable the service reads (docs/configuration.md documents each; a unit test keeps them in step). */
export const CONFIG_VARIABLES: readonly string[] = Object.freeze(Object.keys(EnvSchema.shape));

/** A rate limit: `points` requests in each window of `windowSeconds`, per address or per client. */
export interface RateLimitConfig {
  readonly points: number;
  readonly windowSeconds: number;
}

/** What a staff token may claim: its whole lifetime and its age, in seconds, give or take the clock skew. */
export interface StaffTokenLimits {
  readonly maxLifetimeSeconds: number;
  readonly maxAgeSeconds: number;
  readonly clockSkewSeconds: number;
}

export interface Config {
  readonly production: boolean;
  /** The listening address (127.0.0.1 unless HOST says otherwise; 0.0.0.0 in a container). */
  readonly host: string;
  readonly port: number;
  /** false: start-up never migrates, and refuses to start while migrations are pending. */
  readonly migrateOnStart: boolean;
  /** HTTP server timeouts, in milliseconds: keep-alive above the proxy's, headers ≤ request. */
  readonly http: { readonly keepAliveTimeoutMs: number; readonly headersTimeoutMs: number; readonly requestTimeoutMs: number };
  /**
   * Where GET /metrics is served: on its own listener (`port` set; the public port has none), or on
   * the public port behind `token`; in production with neither, nowhere.
   */
  readonly metrics: { readonly port: number | undefined; readonly host: string; readonly token: string | undefined };
  readonly databaseUrl: string | undefined;
  readonly databasePoolMax: number;
  readonly dataDir: string;
  /** The embedded database's shared_buffers (e.g. `16MB`); undefined: PGlite's default (128MB). */
  readonly pgliteSharedBuffers: string | undefined;
  readonly publicUrl: string;
  /** True when PUBLIC_URL is unset and the issuer was made from PORT (fine for one process on a laptop only). */
  readonly publicUrlDerived: boolean;
  readonly staff: {
    readonly issuer: string;
    readonly audience: string;
    /** Undefined means development mode: a local key under DATA_DIR signs staff tokens. */
    readonly jwksUrl: string | undefined;
    readonly tokenLimits: StaffTokenLimits;
  };
  readonly bootstrapAdminSubjects: readonly string[];
  readonly subjectIdKey: string | undefined;
  readonly keyEncryptionKey: string | undefined;
  /** Signs the audit chain's checkpoints (base64 Ed25519 seed); generated into DATA_DIR in development. */
  readonly auditCheckpointKey: string | undefined;
  /** At most one checkpoint per this many seconds, made once the chain moves. */
  readonly auditCheckpointIntervalSeconds: number;
  readonly logLevel: string;
  readonly bodyLimitBytes: number;
  /** Largest request head (request line and headers) Node accepts; 431 beyond. */
  readonly maxHeaderBytes: number;
  /** Access tokens one client may obtain per window, counted in each process (per replica). */
  readonly oauthTokenRateLimit: RateLimitConfig;
  /** Failed client authentications per minute: per address (then 429 for everything), per claimed client id (then 429 for its failures). */
  readonly oauthAuthenticationFailures: { readonly perAddress: number; readonly perClientId: number };
  /** The bank's own hosts (names, addresses, CIDR ranges) a client's jwksUri may point at although not public. */
  readonly oauthJwksAllowedHosts: readonly string[];
  /** How long a replica may decide without hearing from the change feed before it answers 503. */
  readonly policyMaxStalenessMs: number;
  /** Full policy reload period: the backstop behind LISTEN/NOTIFY. */
  readonly policyReloadIntervalSeconds: number;
  /** Months the audit log keeps attached (≥ 36); older months are detached by the retention job. */
  readonly auditRetentionMonths: number;
  /** Public complaint intake: its body limit and per-address limits for submissions and status look-ups. */
  readonly publicComplaints: { readonly bodyLimitBytes: number; readonly submissions: RateLimitConfig; readonly lookups: RateLimitConfig };
  /** Hours from a leak's detection to the regulator's notification, by severity (PIPL Art. 57). */
  readonly incidentNotificationHours: Readonly<Record<'critical' | 'high' | 'medium' | 'low', number>>;
  /** Thresholds of the app consolidation report: an app below either is a candidate. */
  readonly appConsolidation: { readonly lowActivityMau: number; readonly poorSatisfactionBelow: number };
  /** Monitoring signals one app, and one recorder (client or staff member), may send per window, per replica. */
  readonly appSignals: { readonly perApp: number; readonly perRecorder: number; readonly windowSeconds: number };
  /** Named on the compliance report; the zone its period's days and local times are in. */
  readonly institution: { readonly name: string | undefined; readonly timeZone: string };
}

export const DEV_STAFF_ISSUER = 'urn:privacy-governance:dev-staff-idp';
export const DEFAULT_STAFF_AUDIENCE = 'privacy-governance';

/** Parse the environment once into a frozen, typed configuration; throws ConfigError naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  if (production) {
    // PUBLIC_URL is the issuer of every access token: a localhost default would mint tokens nobody can check.
    const required = [
      'STAFF_JWKS_URL',
      'STAFF_ISSUER',
      'DATABASE_URL',
      'SUBJECT_ID_KEY',
      'KEY_ENCRYPTION_KEY',
      'AUDIT_CHECKPOINT_KEY',
      'PUBLIC_URL',
    ] as const;
    const missing = required.filter((k) => e[k] === undefined);
    if (missing.length > 0) {
      throw new ConfigError(`NODE_ENV=production requires ${missing.join(', ')} to be set`);
    }
  }
  if (e.STAFF_JWKS_URL !== undefined && e.STAFF_ISSUER === undefined) {
    throw new ConfigError('STAFF_ISSUER must be set when STAFF_JWKS_URL is set');
  }
  const notifyHours = [
    e.INCIDENT_NOTIFY_HOURS_CRITICAL,
    e.INCIDENT_NOTIFY_HOURS_HIGH,
    e.INCIDENT_NOTIFY_HOURS_MEDIUM,
    e.INCIDENT_NOTIFY_HOURS_LOW,
  ];
  if (notifyHours.some((h, i) => i > 0 && h < notifyHours[i - 1])) {
    throw new ConfigError('INCIDENT_NOTIFY_HOURS_*: a more severe incident cannot have a later deadline (CRITICAL ≤ HIGH ≤ MEDIUM ≤ LOW)');
  }
  if (!(e.HTTP_KEEP_ALIVE_TIMEOUT_S < e.HTTP_HEADERS_TIMEOUT_S && e.HTTP_HEADERS_TIMEOUT_S <= e.HTTP_REQUEST_TIMEOUT_S)) {
    throw new ConfigError('HTTP_KEEP_ALIVE_TIMEOUT_S < HTTP_HEADERS_TIMEOUT_S ≤ HTTP_REQUEST_TIMEOUT_S must hold');
  }
  const port = e.PORT;
  if (e.METRICS_PORT !== undefined && e.METRICS_PORT !== 0 && e.METRICS_PORT === port) {
    throw new ConfigError('METRICS_PORT must differ from PORT (metrics are served on a listener of their own)');
  }
  const config: Config = {
    production,
    host: e.HOST as string,
    port,
    migrateOnStart: e.MIGRATE_ON_START,
    http: {
      keepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_TIMEOUT_S * 1000,
      headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_S * 1000,
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_S * 1000,
    },
    metrics: { port: e.METRICS_PORT, host: e.METRICS_HOST ?? (e.HOST as string), token: e.METRICS_TOKEN },
    databaseUrl: e.DATABASE_URL,
    databasePoolMax: e.DATABASE_POOL_MAX,
    dataDir: path.resolve(e.DATA_DIR ?? './data'),
    pgliteSharedBuffers: e.PGLITE_SHARED_BUFFERS,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, ''),
    publicUrlDerived: e.PUBLIC_URL === undefined,
    staff: {
      issuer: e.STAFF_ISSUER ?? DEV_STAFF_ISSUER,
      audience: e.STAFF_AUDIENCE ?? DEFAULT_STAFF_AUDIENCE,
      jwksUrl: e.STAFF_JWKS_URL,
      tokenLimits: {
        maxLifetimeSeconds: e.STAFF_TOKEN_MAX_LIFETIME_S,
        maxAgeSeconds: e.STAFF_TOKEN_MAX_AGE_S,
        clockSkewSeconds: e.STAFF_CLOCK_SKEW_S,
      },
    },
    bootstrapAdminSubjects: (e.BOOTSTRAP_ADMIN_SUBJECTS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0),
    subjectIdKey: e.SUBJECT_ID_KEY,
    keyEncryptionKey: e.KEY_ENCRYPTION_KEY,
    auditCheckpointKey: e.AUDIT_CHECKPOINT_KEY,
    auditCheckpointIntervalSeconds: e.AUDIT_CHECKPOINT_INTERVAL_S,
    logLevel: e.LOG_LEVEL,
    bodyLimitBytes: e.BODY_LIMIT_KB * 1024,
    maxHeaderBytes: e.MAX_HEADER_KB * 1024,
    oauthTokenRateLimit: { points: e.OAUTH_TOKEN_RATE_LIMIT, windowSeconds: e.OAUTH_TOKEN_RATE_WINDOW_S },
    oauthAuthenticationFailures: { perAddress: e.OAUTH_AUTH_FAILURES_PER_ADDRESS, perClientId: e.OAUTH_AUTH_FAILURES_PER_CLIENT },
    oauthJwksAllowedHosts: (e.OAUTH_JWKS_ALLOWED_HOSTS ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter((h) => h.length > 0),
    policyMaxStalenessMs: e.POLICY_MAX_STALENESS_MS,
    policyReloadIntervalSeconds: e.POLICY_RELOAD_INTERVAL_S,
    auditRetentionMonths: e.AUDIT_RETENTION_MONTHS,
    publicComplaints: {
      bodyLimitBytes: e.PUBLIC_COMPLAINT_BODY_LIMIT_KB * 1024,
      submissions: { points: e.PUBLIC_COMPLAINT_SUBMISSIONS, windowSeconds: e.PUBLIC_COMPLAINT_SUBMISSION_WINDOW_S },
      lookups: { points: e.PUBLIC_COMPLAINT_LOOKUPS, windowSeconds: e.PUBLIC_COMPLAINT_LOOKUP_WINDOW_S },
    },
    incidentNotificationHours: {
      critical: e.INCIDENT_NOTIFY_HOURS_CRITICAL,
      high: e.INCIDENT_NOTIFY_HOURS_HIGH,
      medium: e.INCIDENT_NOTIFY_HOURS_MEDIUM,
      low: e.INCIDENT_NOTIFY_HOURS_LOW,
    },
    appConsolidation: { lowActivityMau: e.APP_LOW_ACTIVITY_MAU, poorSatisfactionBelow: e.APP_POOR_SATISFACTION_BELOW },
    appSignals: { perApp: e.APP_SIGNALS_PER_APP, perRecorder: e.APP_SIGNALS_PER_RECORDER, windowSeconds: e.APP_SIGNAL_WINDOW_S },
    institution: { name: e.INSTITUTION_NAME, timeZone: e.INSTITUTION_TIME_ZONE ?? 'Asia/Shanghai' },
  };
  return deepFreeze(config);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
