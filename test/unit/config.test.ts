import path from 'node:path';
import { ConfigError, DEFAULT_STAFF_AUDIENCE, DEV_STAFF_ISSUER, loadConfig } from '../../services/config';

const KEK = Buffer.alloc(32, 7).toString('base64');
const PRODUCTION = {
  NODE_ENV: 'production',
  STAFF_JWKS_URL: 'https://idp.bank.example/.well-known/jwks.json',
  STAFF_ISSUER: 'https://idp.bank.example',
  DATABASE_URL: 'postgres://governance@db.bank.example:5432/governance',
  SUBJECT_ID_KEY: 'k'.repeat(44),
  KEY_ENCRYPTION_KEY: KEK,
  AUDIT_CHECKPOINT_KEY: Buffer.alloc(32, 9).toString('base64'),
  PUBLIC_URL: 'https://privacy.bank.example',
};

function errorOf(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration defaults (development)', () => {
  const config = loadConfig({});

  it('runs on PGlite under ./data on port 3000 with the development identity provider', () => {
    expect(config).toMatchObject({
      production: false,
      port: 3000,
      databaseUrl: undefined,
      databasePoolMax: 10,
      dataDir: path.resolve('./data'),
      pgliteSharedBuffers: undefined,
      publicUrl: 'http://localhost:3000',
      staff: {
        issuer: DEV_STAFF_ISSUER,
        audience: DEFAULT_STAFF_AUDIENCE,
        jwksUrl: undefined,
        tokenLimits: { maxLifetimeSeconds: 43_200, maxAgeSeconds: 43_200, clockSkewSeconds: 15 },
      },
      bootstrapAdminSubjects: [],
      subjectIdKey: undefined,
      keyEncryptionKey: undefined,
      logLevel: 'info',
      bodyLimitBytes: 100 * 1024,
    });
  });

  it('is frozen, nested objects included', () => {
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.staff)).toBe(true);
    expect(Object.isFrozen(config.bootstrapAdminSubjects)).toBe(true);
    expect(() => {
      (config as { port: number }).port = 1;
    }).toThrow(TypeError);
  });

  it('treats empty values as unset and trims whitespace', () => {
    const c = loadConfig({ PORT: ' ', DATABASE_URL: '', PUBLIC_URL: ' https://x.example/ ', LOG_LEVEL: undefined });
    expect(c).toMatchObject({ port: 3000, databaseUrl: undefined, publicUrl: 'https://x.example' });
  });

  it('reads every variable', () => {
    const c = loadConfig({
      PORT: '0',
      DATABASE_URL: 'postgresql://root@127.0.0.1:5432/x',
      DATABASE_POOL_MAX: '25',
      DATA_DIR: '/tmp/governance',
      PGLITE_SHARED_BUFFERS: '16MB',
      PUBLIC_URL: 'https://privacy.bank.example///',
      STAFF_ISSUER: 'https://idp.example',
      STAFF_AUDIENCE: 'governance-api',
      STAFF_JWKS_URL: 'https://idp.example/jwks',
      BOOTSTRAP_ADMIN_SUBJECTS: ' ada , grace,,  ',
      SUBJECT_ID_KEY: 's'.repeat(32),
      KEY_ENCRYPTION_KEY: KEK,
      LOG_LEVEL: 'debug',
      BODY_LIMIT_KB: '512',
      STAFF_TOKEN_MAX_LIFETIME_S: '3600',
      STAFF_TOKEN_MAX_AGE_S: '7200',
      STAFF_CLOCK_SKEW_S: '5',
    });
    expect(c).toMatchObject({
      port: 0,
      databaseUrl: 'postgresql://root@127.0.0.1:5432/x',
      databasePoolMax: 25,
      dataDir: '/tmp/governance',
      pgliteSharedBuffers: '16MB',
      publicUrl: 'https://privacy.bank.example',
      staff: {
        issuer: 'https://idp.example',
        audience: 'governance-api',
        jwksUrl: 'https://idp.example/jwks',
        tokenLimits: { maxLifetimeSeconds: 3600, maxAgeSeconds: 7200, clockSkewSeconds: 5 },
      },
      bootstrapAdminSubjects: ['ada', 'grace'],
      subjectIdKey: 's'.repeat(32),
      keyEncryptionKey: KEK,
      logLevel: 'debug',
      bodyLimitBytes: 512 * 1024,
    });
  });
});

describe('configuration errors name the variable', () => {
  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '80.5'],
    ['DATABASE_URL', 'mysql://root@localhost/x'],
    ['DATABASE_POOL_MAX', '0'],
    ['PGLITE_SHARED_BUFFERS', '16'],
    ['PGLITE_SHARED_BUFFERS', '0MB'],
    ['PUBLIC_URL', 'privacy.bank.example'],
    ['STAFF_JWKS_URL', 'not a url'],
    ['STAFF_TOKEN_MAX_LIFETIME_S', '0'],
    ['STAFF_TOKEN_MAX_LIFETIME_S', '315360000'],
    ['STAFF_TOKEN_MAX_AGE_S', '-1'],
    ['STAFF_CLOCK_SKEW_S', '3600'],
    ['STAFF_CLOCK_SKEW_S', 'soon'],
    ['SUBJECT_ID_KEY', 'short'],
    ['KEY_ENCRYPTION_KEY', Buffer.alloc(16).toString('base64')],
    ['AUDIT_CHECKPOINT_KEY', Buffer.alloc(31).toString('base64')],
    ['AUDIT_CHECKPOINT_INTERVAL_S', '0'],
    ['LOG_LEVEL', 'verbose'],
    ['BODY_LIMIT_KB', '-1'],
  ])('%s=%s', (name, value) => {
    const env: Record<string, string> = { [name]: value };
    if (name === 'STAFF_JWKS_URL') env.STAFF_ISSUER = 'https://idp.example';
    expect(errorOf(env)).toMatch(new RegExp(`^Invalid configuration:\\n(.|\\n)*\\b${name}: `));
  });

  it('reports every bad variable at once', () => {
    const message = errorOf({ PORT: 'x', LOG_LEVEL: 'loud' });
    expect(message).toContain('PORT:');
    expect(message).toContain('LOG_LEVEL:');
  });

  it('requires STAFF_ISSUER with STAFF_JWKS_URL', () => {
    expect(errorOf({ STAFF_JWKS_URL: 'https://idp.example/jwks' })).toContain('STAFF_ISSUER');
  });
});

describe('production mode', () => {
  it('starts with everything it needs', () => {
    const c = loadConfig(PRODUCTION);
    expect(c.production).toBe(true);
    expect(c.staff.jwksUrl).toBe(PRODUCTION.STAFF_JWKS_URL);
  });

  it.each(['STAFF_JWKS_URL', 'DATABASE_URL', 'SUBJECT_ID_KEY', 'KEY_ENCRYPTION_KEY', 'AUDIT_CHECKPOINT_KEY', 'STAFF_ISSUER', 'PUBLIC_URL'])(
    'refuses to start without %s',
    (name) => {
      const env: Record<string, string> = { ...PRODUCTION };
      delete env[name];
      expect(errorOf(env)).toBe(`NODE_ENV=production requires ${name} to be set`);
    },
  );

  it('names every missing variable', () => {
    expect(errorOf({ NODE_ENV: 'production' })).toBe(
      'NODE_ENV=production requires STAFF_JWKS_URL, STAFF_ISSUER, DATABASE_URL, SUBJECT_ID_KEY, KEY_ENCRYPTION_KEY, AUDIT_CHECKPOINT_KEY, PUBLIC_URL to be set',
    );
  });
});
