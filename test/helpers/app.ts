import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Server } from 'node:http';
import { Writable } from 'node:stream';
import { SignJWT, createLocalJWKSet, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import supertest from 'supertest';
import type Koa from 'koa';
import { createApp } from '../../services/app';
import { loadConfig, type Config } from '../../services/config';
import { createContainer, type Container } from '../../services/container';
import { createLogger } from '../../services/logger';
import { systemClock, type Clock } from '../../services/platform/clock';
import { loadAuditCheckpointKey } from '../../services/secrets';
import { createHttpServer } from '../../services/server';
import { createTestDatabase, type TestDatabase } from './database';

export const STAFF_ISSUER = 'https://idp.test.example';
export const STAFF_AUDIENCE = 'privacy-governance';

export interface TestApp {
  readonly app: Koa;
  readonly server: Server;
  readonly container: Container;
  readonly database: TestDatabase;
  readonly config: Config;
  /** Everything the service logged, one JSON line each (for "never logged" assertions). */
  readonly logLines: string[];
  readonly http: ReturnType<typeof supertest>;
  /** A valid staff token for `sub`, signed by the test identity provider at the time of the app's clock. */
  staffToken(sub: string, overrides?: StaffTokenOverrides): Promise<string>;
  /** Gives `sub` a role directly (as the system), bypassing the API. */
  grantRole(sub: string, role: string, department: string): Promise<void>;
  close(): Promise<void>;
}

/** A span of time after the token's `iat`: `'10m'`, `'1h'`… */
export type TokenSpan = `${number}${'s' | 'm' | 'h'}`;
const spanSeconds = (span: TokenSpan): number => {
  const unit = span.slice(-1);
  return Number(span.slice(0, -1)) * (unit === 'h' ? 3600 : unit === 'm' ? 60 : 1);
};

export interface StaffTokenOverrides {
  issuer?: string;
  audience?: string;
  /** A span after `iat`, or an absolute `exp` in epoch seconds. */
  expiresIn?: TokenSpan | number;
  /** A span after `iat`, or an absolute `nbf` in epoch seconds. */
  notBefore?: TokenSpan | number;
  typ?: string;
  key?: CryptoKey;
  kid?: string;
}

let staffKeys: Promise<{ privateKey: CryptoKey; publicJwk: JWK }> | undefined;
function testStaffKeys() {
  staffKeys ??= generateKeyPair('ES256').then(async ({ privateKey, publicKey }) => ({
    privateKey,
    publicJwk: { ...(await exportJWK(publicKey)), kid: 'test-idp', alg: 'ES256' },
  }));
  return staffKeys;
}

/** The test identity provider's public key (what an attacker knows). */
export async function testStaffPublicJwk(): Promise<JWK> {
  return (await testStaffKeys()).publicJwk;
}

/** Signs arbitrary claims with the test identity provider's key (for tokens signStaffToken cannot make). */
export async function signStaffClaims(claims: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
  const keys = await testStaffKeys();
  return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'test-idp', typ: 'JWT', ...header }).sign(keys.privateKey);
}

/** A staff token issued at `now` (the time of the clock the service reads: tests that move one mint on it). */
export async function signStaffToken(sub: string, o: StaffTokenOverrides = {}, now: Date = new Date()): Promise<string> {
  const keys = await testStaffKeys();
  const iat = Math.floor(now.getTime() / 1000);
  const at = (t: TokenSpan | number): number => (typeof t === 'number' ? t : iat + spanSeconds(t));
  const jwt = new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', kid: o.kid ?? 'test-idp', ...(o.typ ? { typ: o.typ } : { typ: 'JWT' }) })
    .setSubject(sub)
    .setIssuer(o.issuer ?? STAFF_ISSUER)
    .setAudience(o.audience ?? STAFF_AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(at(o.expiresIn ?? '10m'));
  if (o.notBefore !== undefined) jwt.setNotBefore(at(o.notBefore));
  return jwt.sign(o.key ?? keys.privateKey);
}

export interface TestAppOptions {
  env?: Record<string, string>;
  database?: TestDatabase;
  /** The clock the services read (a ManualClock the test moves instead of sleeping); the system clock by default. */
  clock?: Clock;
  /** The change feed's clock (heartbeats, the staleness of views kept in memory); the system clock by default. */
  feedClock?: Clock;
}

/** The whole service on a fresh copy of the migrated template, listening on an ephemeral port. */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const database = options.database ?? (await createTestDatabase());
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-test-'));
  const config = loadConfig({
    STAFF_ISSUER,
    STAFF_AUDIENCE,
    DATA_DIR: dataDir,
    SUBJECT_ID_KEY: crypto.randomBytes(32).toString('base64'),
    KEY_ENCRYPTION_KEY: crypto.randomBytes(32).toString('base64'),
    PUBLIC_URL: 'http://127.0.0.1',
    LOG_LEVEL: 'info',
    BOOTSTRAP_ADMIN_SUBJECTS: 'root-admin',
    ...options.env,
  });
  const logLines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      cb();
    },
  });
  const logger = createLogger(config.logLevel, sink);
  const keys = await testStaffKeys();
  const container = createContainer({
    config,
    db: database.db,
    logger,
    secrets: {
      subjectIdKey: Buffer.from(config.subjectIdKey ?? '', 'utf8'),
      keyEncryptionKey: Buffer.from(config.keyEncryptionKey ?? '', 'base64'),
      auditCheckpointKey: loadAuditCheckpointKey(config),
    },
    staffKeys: createLocalJWKSet({ keys: [keys.publicJwk] }),
    defaultMetrics: false,
    clock: options.clock,
    feedClock: options.feedClock,
  });
  await container.start();
  const app = createApp(container);
  // The production HTTP server (header limit, problem+json for requests Node refuses), on an ephemeral port.
  const server = createHttpServer(app, config).listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  return {
    app,
    server,
    container,
    database,
    config,
    logLines,
    http: supertest(server),
    staffToken: (sub, o) => signStaffToken(sub, o, (options.clock ?? systemClock).now()),
    async grantRole(sub, role, department) {
      await container.roleAssignments
        .assign({ actor: { kind: 'system', name: 'test' }, requestId: null }, { subject: sub, role, department })
        .catch((err: { code?: string }) => {
          if (err.code !== 'role_assignment_exists') throw err;
        });
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await container.stop();
      await database.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Asserts an RFC 9457 problem response with the given status (and code). */
export function expectProblem(
  res: { status: number; headers: Record<string, string>; body: { code?: string } },
  status: number,
  code?: string,
): void {
  expect({ status: res.status, type: res.headers['content-type']?.split(';')[0] }).toEqual({ status, type: 'application/problem+json' });
  if (code) expect(res.body.code).toBe(code);
}
