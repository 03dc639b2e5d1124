import http, { type Server } from 'node:http';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import type Koa from 'koa';
import { createLocalJWKSet, createRemoteJWKSet } from 'jose';
import { createApp } from './app';
import { loadDevStaffKey } from './auth';
import { ConfigError, loadConfig, type Config } from './config';
import { createContainer, type Container } from './container';
import { createDatabase, migrateLatest } from './db';
import { createLogger } from './logger';
import { loadSecrets } from './secrets';
import { PROBLEM_TYPE_BASE } from './shared/errors';

export interface RunningService {
  readonly server: Server;
  readonly container: Container;
  readonly port: number;
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
  const body = JSON.stringify({ type: `${PROBLEM_TYPE_BASE}${code}`, title, status, code, detail: `${title}: the request was refused before it was read` });
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `Cache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** The HTTP server the app runs in: header size limit (431 beyond), timeouts, problem+json for requests Node refuses. */
export function createHttpServer(app: Koa, config: Pick<Config, 'maxHeaderBytes'>): Server {
  const server = http.createServer({ maxHeaderSize: config.maxHeaderBytes }, app.callback());
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.on('clientError', answerClientError);
  return server;
}

/** Read config, open the database, migrate, load policies, build the app, listen. */
export async function startService(config: Config): Promise<RunningService> {
  const logger = createLogger(config.logLevel);
  const db = createDatabase({
    databaseUrl: config.databaseUrl,
    pgliteDir: path.join(config.dataDir, 'pglite'),
    poolMax: config.databasePoolMax,
  });
  await migrateLatest(db);
  const secrets = loadSecrets(config);
  let staffKeys;
  if (config.staff.jwksUrl !== undefined) {
    staffKeys = createRemoteJWKSet(new URL(config.staff.jwksUrl), { timeoutDuration: 2000, cooldownDuration: 30000 });
  } else {
    logger.warn(
      { dataDir: config.dataDir },
      'DEVELOPMENT MODE: STAFF_JWKS_URL is not set, so staff tokens are signed by a local key (npm run staff-token). Never run like this in production.',
    );
    staffKeys = createLocalJWKSet({ keys: [loadDevStaffKey(config.dataDir).publicJwk] });
  }
  const container = createContainer({ config, db, logger, secrets, staffKeys });
  await container.start();
  const app = createApp(container);
  const server = createHttpServer(app, config).listen(config.port);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info({ port, database: config.databaseUrl ? 'postgresql' : 'pglite' }, 'listening');
  return {
    server,
    container,
    port,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await container.stop();
      await db.destroy();
    },
  };
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const service = await startService(config);
  const stop = (signal: string) => {
    service.container.logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => process.exit(1), 10_000);
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
    console.error(err);
    process.exit(1);
  });
}
