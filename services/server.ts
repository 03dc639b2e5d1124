import http, { type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type Koa from 'koa';
import pino from 'pino';
import { createLocalJWKSet, createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';
import { createApp } from './app';
import { loadDevStaffKey } from './auth';
import { ConfigError, loadConfig, type Config } from './config';
import { createContainer, type Container } from './container';
import { migrateLatest, openDatabase, pendingMigrations, type Db, type OpenedDatabase } from './db';
import { createLogger, type Logger } from './logger';
import { createMetricsServer } from './operations/metrics-server';
import { StartupError, describeDatabaseUrl, describeStartupFailure, probePostgres } from './operations/startup';
import { loadSecrets } from './secrets';
import { PROBLEM_TYPE_BASE } from './shared/errors';

export interface RunningService {
  readonly server: Server;
  readonly container: Container;
  readonly port: number;
  /** The metrics listener's port when METRICS_PORT is set. */
  readonly metricsPort: number | undefined;
  close(): Promise<void>;
}

/**
 * A request Node refuses before the app sees it (a head over maxHeaderSize, a malformed request
 * line or header, a head that arrives too slowly) still gets an RFC 9457 answer, then the
 * connection closes. Node's own answer would be a bare status line.
 */
function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  const response = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (err.code === 'ECONNRESET' || !socket.writable || response?.headersSent) {
    socket.destroy();
    return;
  }
  const [status, code, title] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'header_too_large', 'Request header fields too large']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'request_timeout', 'Request timeout']
        : [400, 'bad_request', 'Bad request'];
  const body = JSON.stringify({
    type: `${PROBLEM_TYPE_BASE}${code}`,
    title,
    status,
    code,
    detail: `${title}: the request was refused before it was read`,
  });
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `Cache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** The HTTP server the app runs in: header size limit (431 beyond), timeouts, problem+json for requests Node refuses. */
export function createHttpServer(app: Koa, config: Pick<Config, 'maxHeaderBytes' | 'http'>): Server {
  const server = http.createServer({ maxHeaderSize: config.maxHeaderBytes }, app.callback());
  // Idle keep-alive connections outlive the proxy's (nginx: 60 s), so the proxy never reuses one we are closing (a 502).
  server.keepAliveTimeout = config.http.keepAliveTimeoutMs;
  server.headersTimeout = config.http.headersTimeoutMs;
  server.requestTimeout = config.http.requestTimeoutMs;
  server.on('clientError', answerClientError);
  return server;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

const since = (started: number) => Date.now() - started;

/** Applies pending migrations, or with MIGRATE_ON_START=false refuses to start while any are pending. */
async function migrationPhase(db: Db, config: Config, logger: Logger): Promise<void> {
  const started = Date.now();
  if (config.migrateOnStart) {
    const applied = await migrateLatest(db);
    if (applied.length === 0) logger.info({ phase: 'migrations', applied: 0, ms: since(started) }, 'migrations: already up to date');
    else
      logger.info(
        { phase: 'migrations', applied: applied.length, migrations: applied, ms: since(started) },
        `migrations: applied ${applied.length}`,
      );
    return;
  }
  const pending = await pendingMigrations(db);
  if (pending.length > 0) {
    throw new StartupError(
      `MIGRATE_ON_START=false and the database schema is behind by ${pending.length} migration(s): ${pending.join(', ')}. ` +
        'Run `npm run migrate` (in the container: `node dist/services/cli/migrate.js`) with a role that may change the schema, then start the service.',
      'migrations_pending',
    );
  }
  logger.info(
    { phase: 'migrations', applied: 0, ms: since(started) },
    'migrations: schema is current (MIGRATE_ON_START=false, not migrating)',
  );
}

/** PostgreSQL probed first (a clear reason when it cannot be used), or the embedded database under DATA_DIR, locked. */
async function databasePhase(config: Config, logger: Logger): Promise<OpenedDatabase> {
  const started = Date.now();
  const database = config.databaseUrl === undefined ? 'pglite' : 'postgresql';
  if (config.databaseUrl === undefined) {
    logger.info(
      { phase: 'database', database, dataDir: config.dataDir },
      'opening the embedded database (the first start creates and migrates it, which can take a while)',
    );
  } else {
    await probePostgres(config.databaseUrl);
    logger.info({ phase: 'database', database, at: describeDatabaseUrl(config.databaseUrl) }, 'database reachable');
  }
  const opened = await openDatabase(config, { command: 'server', poolMax: config.databasePoolMax, logger });
  try {
    await opened.db.raw('select 1');
  } catch (err) {
    await opened.close().catch(() => undefined);
    throw err;
  }
  logger.info({ phase: 'database', database, ms: since(started) }, 'database open');
  return opened;
}

/** The identity provider's keys, or in development the local key (with a warning). */
function staffKeysFor(config: Config, logger: Logger): JWTVerifyGetKey {
  if (config.staff.jwksUrl !== undefined) {
    return createRemoteJWKSet(new URL(config.staff.jwksUrl), { timeoutDuration: 2000, cooldownDuration: 30000 });
  }
  logger.warn(
    { dataDir: config.dataDir },
    'DEVELOPMENT MODE: STAFF_JWKS_URL is not set, so staff tokens are signed by a local key (npm run staff-token). Never run like this in production.',
  );
  return createLocalJWKSet({ keys: [loadDevStaffKey(config.dataDir).publicJwk] });
}

/** Builds the container and loads its policies and keys; logs what was loaded. */
async function policiesPhase(config: Config, db: Db, logger: Logger): Promise<Container> {
  let started = Date.now();
  const secrets = loadSecrets(config);
  const staffKeys = staffKeysFor(config, logger);
  logger.info(
    {
      phase: 'keys',
      secrets: config.subjectIdKey === undefined ? 'DATA_DIR' : 'environment',
      staffKeys: config.staff.jwksUrl === undefined ? 'development key' : 'STAFF_JWKS_URL',
      ms: since(started),
    },
    'secrets and staff keys ready',
  );
  started = Date.now();
  const container = createContainer({ config, db, logger, secrets, staffKeys });
  try {
    await container.start();
    const staff = await container.staffAuthorizer.policyCounts();
    logger.info(
      {
        phase: 'policies',
        staffPermissions: staff.permissions,
        staffRoleAssignments: staff.assignments,
        vendorGrantEntries: container.accessEngine.lineCount,
        signingKeys: container.oauth.signingKeys.jwks().keys.length,
        changeFeed: config.databaseUrl === undefined ? 'in-process' : 'LISTEN/NOTIFY',
        ms: since(started),
      },
      'policies and signing keys loaded',
    );
    return container;
  } catch (err) {
    await container.stop().catch(() => undefined);
    throw err;
  }
}

/** The API on HOST:PORT and, with METRICS_PORT, the metrics listener. */
async function listenPhase(
  config: Config,
  container: Container,
  logger: Logger,
): Promise<{ server: Server; port: number; metrics?: { server: Server; port: number } }> {
  const server = createHttpServer(createApp(container), config);
  const port = await listen(server, config.port, config.host);
  if (config.metrics.port === undefined) {
    if (config.production && config.metrics.token === undefined) {
      logger.warn('metrics are not served: set METRICS_PORT (a listener of their own) or METRICS_TOKEN (bearer token on the public port)');
    }
    return { server, port };
  }
  const metricsServer = createMetricsServer(container.metrics.registry);
  try {
    return {
      server,
      port,
      metrics: { server: metricsServer, port: await listen(metricsServer, config.metrics.port, config.metrics.host) },
    };
  } catch (err) {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    throw err;
  }
}

/** Read config, open the database, migrate, load policies and keys, build the app, listen; each phase logged with its time. */
export async function startService(config: Config, logger: Logger = createLogger(config.logLevel)): Promise<RunningService> {
  const startedAt = Date.now();
  if (config.publicUrlDerived && (config.production || config.databaseUrl !== undefined)) {
    logger.warn(
      { publicUrl: config.publicUrl },
      `PUBLIC_URL is not set, so access tokens are issued by ${config.publicUrl} (made from PORT): replicas with different issuers reject each other's tokens. Set PUBLIC_URL to the one address clients use, the same on every replica.`,
    );
  }
  const database = await databasePhase(config, logger);
  let container: Container | undefined;
  try {
    await migrationPhase(database.db, config, logger);
    container = await policiesPhase(config, database.db, logger);
    const { server, port, metrics } = await listenPhase(config, container, logger);
    logger.info(
      {
        host: config.host,
        port,
        metricsPort: metrics?.port,
        database: config.databaseUrl === undefined ? 'pglite' : 'postgresql',
        issuer: config.publicUrl,
        startupMs: since(startedAt),
      },
      'listening',
    );
    const running = container;
    return {
      server,
      container: running,
      port,
      metricsPort: metrics?.port,
      async close() {
        const closing = Date.now();
        // Keep-alive connections outlive their last response by HTTP_KEEP_ALIVE_TIMEOUT_S: close each as it goes idle.
        const sweep = setInterval(() => server.closeIdleConnections(), 100);
        await Promise.all([
          new Promise<void>((resolve) => server.close(() => resolve())),
          metrics ? new Promise<void>((resolve) => metrics.server.close(() => resolve())) : undefined,
        ]).finally(() => clearInterval(sweep));
        await running.stop();
        await database.close();
        logger.info({ ms: since(closing) }, 'shutdown complete');
      },
    };
  } catch (err) {
    await container?.stop().catch(() => undefined);
    await database.close().catch(() => undefined);
    throw err;
  }
}

/**
 * Ends an asynchronous destination once everything it holds, and a write already under way, is written (a
 * synchronous write before then could overtake that one); never waits more than 2 s. Stdout stays open.
 */
function ended(destination: ReturnType<typeof pino.destination>): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 2000);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    destination.once('close', done);
    try {
      destination.end();
    } catch {
      done();
    }
  });
}

/** One JSON line on stdout (synchronously, before the exit) saying why the service did not start. */
function logStartupFailure(err: unknown, level: string): void {
  const logger = createLogger(level === 'silent' ? 'fatal' : 'info', pino.destination({ dest: 1, sync: true }));
  const { message, code } = describeStartupFailure(err);
  // One line: a multi-line message (every bad variable) becomes "first: a; b".
  const [first, ...rest] = message.split('\n').map((line) => line.trim());
  logger.fatal({ code }, `start-up failed: ${[first, rest.filter(Boolean).join('; ')].filter(Boolean).join(' ')}`);
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      logStartupFailure(err, 'info');
      process.exit(2);
    }
    throw err;
  }
  // Lines are written asynchronously; on a failure, what start-up logged is written out before the synchronous fatal line.
  const destination = pino.destination({ dest: 1, sync: false });
  let service: RunningService;
  try {
    service = await startService(config, createLogger(config.logLevel, destination));
  } catch (err) {
    await ended(destination);
    logStartupFailure(err, config.logLevel);
    process.exit(1);
  }
  const stop = (signal: string) => {
    service.container.logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      service.container.logger.error({ signal }, 'shutdown did not finish within 10 s; exiting');
      process.exit(1);
    }, 10_000);
    timer.unref();
    service.close().then(
      () => process.exit(0),
      (err: unknown) => {
        service.container.logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

if (require.main === module) {
  main().catch((err: unknown) => {
    logStartupFailure(err, 'info');
    process.exit(1);
  });
}
