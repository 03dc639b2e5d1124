import { ConfigError, loadConfig } from '../../services/config';
import { metricsExposure } from '../../services/operations/routes';

function errorOf(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

const PRODUCTION = {
  NODE_ENV: 'production',
  STAFF_JWKS_URL: 'https://idp.bank.example/.well-known/jwks.json',
  STAFF_ISSUER: 'https://idp.bank.example',
  DATABASE_URL: 'postgres://governance@db.bank.example:5432/governance',
  SUBJECT_ID_KEY: 'k'.repeat(44),
  KEY_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
  AUDIT_CHECKPOINT_KEY: Buffer.alloc(32, 9).toString('base64'),
  PUBLIC_URL: 'https://privacy.bank.example',
};

describe('operations settings', () => {
  it('listens on 127.0.0.1, migrates at start-up and keeps idle connections longer than nginx (60 s) by default', () => {
    const c = loadConfig({});
    expect(c.host).toBe('127.0.0.1');
    expect(c.migrateOnStart).toBe(true);
    expect(c.http.keepAliveTimeoutMs).toBeGreaterThan(60_000);
    expect(c.http.headersTimeoutMs).toBeGreaterThan(c.http.keepAliveTimeoutMs);
    expect(c.http.requestTimeoutMs).toBeGreaterThanOrEqual(c.http.headersTimeoutMs);
    expect(c.metrics).toEqual({ port: undefined, host: '127.0.0.1', token: undefined });
    expect(c.publicUrlDerived).toBe(true);
  });

  it('reads HOST, MIGRATE_ON_START, the HTTP timeouts and the metrics listener', () => {
    const c = loadConfig({
      HOST: '0.0.0.0',
      MIGRATE_ON_START: 'false',
      HTTP_KEEP_ALIVE_TIMEOUT_S: '120',
      HTTP_HEADERS_TIMEOUT_S: '121',
      HTTP_REQUEST_TIMEOUT_S: '300',
      METRICS_PORT: '9464',
      METRICS_TOKEN: 't'.repeat(16),
      PUBLIC_URL: 'https://privacy.bank.example',
    });
    expect(c).toMatchObject({
      host: '0.0.0.0',
      migrateOnStart: false,
      http: { keepAliveTimeoutMs: 120_000, headersTimeoutMs: 121_000, requestTimeoutMs: 300_000 },
      metrics: { port: 9464, host: '0.0.0.0', token: 't'.repeat(16) },
      publicUrlDerived: false,
    });
    expect(loadConfig({ HOST: '::', METRICS_HOST: '10.0.0.5', METRICS_PORT: '0' }).metrics).toEqual({
      port: 0,
      host: '10.0.0.5',
      token: undefined,
    });
  });

  it.each([
    [{ MIGRATE_ON_START: 'no' }, 'MIGRATE_ON_START: must be true or false'],
    [{ MIGRATE_ON_START: 'FALSE ' }, 'MIGRATE_ON_START: must be true or false'],
    [{ HOST: 'http://0.0.0.0' }, 'HOST: must be an IP address or a host name'],
    [{ METRICS_PORT: '70000' }, 'METRICS_PORT: must be a whole number from 0 to 65535'],
    [{ METRICS_PORT: '3000' }, 'METRICS_PORT must differ from PORT'],
    [{ METRICS_TOKEN: 'short' }, 'METRICS_TOKEN: must be at least 16 characters'],
    [{ HTTP_KEEP_ALIVE_TIMEOUT_S: '0' }, 'HTTP_KEEP_ALIVE_TIMEOUT_S: must be a whole number from 1 to 3600'],
    [{ HTTP_KEEP_ALIVE_TIMEOUT_S: '70' }, 'HTTP_KEEP_ALIVE_TIMEOUT_S < HTTP_HEADERS_TIMEOUT_S'],
    [{ HTTP_HEADERS_TIMEOUT_S: '80' }, 'HTTP_HEADERS_TIMEOUT_S ≤ HTTP_REQUEST_TIMEOUT_S'],
  ])('refuses %p, naming the variable', (env, message) => {
    expect(errorOf(env)).toContain(message);
  });

  it('serves /metrics on the public port openly only in development without METRICS_PORT or METRICS_TOKEN', () => {
    expect(metricsExposure(loadConfig({}))).toEqual({ kind: 'open' });
    expect(metricsExposure(loadConfig({ METRICS_PORT: '9464' }))).toEqual({ kind: 'elsewhere' });
    expect(metricsExposure(loadConfig({ METRICS_TOKEN: 'x'.repeat(20) }))).toEqual({ kind: 'token', token: 'x'.repeat(20) });
    expect(metricsExposure(loadConfig(PRODUCTION))).toEqual({ kind: 'elsewhere' });
    expect(metricsExposure(loadConfig({ ...PRODUCTION, METRICS_TOKEN: 'y'.repeat(16) }))).toEqual({ kind: 'token', token: 'y'.repeat(16) });
  });
});
