import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Koa from 'koa';
import { SignJWT, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { createDatabase, createPglite, migrateLatest, type Db } from '../../services/db';
import { decryptPrivateKey } from '../../services/oauth/keys/key-encryption';
import { SigningKeyStore } from '../../services/oauth/keys/signing-key-store';
import { OAuthServer } from '../../services/oauth';
import { AuditLog, AuditStore } from '../../services/audit';
import { loadDevStaffKey, signDevStaffToken } from '../../services/auth';
import { DEFAULT_STAFF_AUDIENCE, DEV_STAFF_ISSUER, loadConfig } from '../../services/config';
import { createLogger } from '../../services/logger';
import { ChangeFeed } from '../../services/platform/change-feed';
import {
  BENCH_ADMIN,
  freePort,
  startNodeProcess,
  waitFor,
  type BenchContext,
  type BenchRow,
  type Scenario,
  type ServiceProcess,
} from './lib';

// POST /oauth/token (client credentials, every token durably audited) with client_secret_basic and
// with private_key_jwt, against a bare Koa route that signs the same access token with the same
// key, measured in the same run with the same load generator. Target: ≥ 0.5 × the bare route.

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

interface SigningKeyMaterial {
  readonly kid: string;
  readonly alg: string;
  readonly privateJwk: JWK;
}

/** Reads and decrypts the service's current signing key (the bench knows the key-encryption key it gave the service). */
async function readSigningKey(db: Db, kek: Buffer): Promise<SigningKeyMaterial> {
  const [key] = await new SigningKeyStore(db).published(new Date());
  if (!key) throw new Error('the service has no signing key');
  return { kid: key.kid, alg: key.alg, privateJwk: JSON.parse(decryptPrivateKey(kek, key.kid, key.privateKeyEnc)) as JWK };
}

/** PGlite allows one process: create the data directory's database and its signing key before the service opens it. */
async function preparePgliteDataDir(dataDir: string, kek: Buffer): Promise<SigningKeyMaterial> {
  const db = createDatabase({ pglite: createPglite(path.join(dataDir, 'pglite')) });
  try {
    await migrateLatest(db);
    const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
    const logger = createLogger('silent');
    const oauth = new OAuthServer({
      config,
      db,
      logger,
      audit: new AuditLog(new AuditStore(db)),
      changes: new ChangeFeed(logger),
      keyEncryptionKey: kek,
    });
    await oauth.signingKeys.ensureKey();
    return await readSigningKey(db, kek);
  } finally {
    await db.destroy();
  }
}

/** The bare route: the same claims, header and key as the service's token endpoint; nothing else. */
export async function createBareTokenApp(key: SigningKeyMaterial, issuer: string): Promise<Koa> {
  const privateKey = (await importJWK(key.privateJwk, key.alg)) as CryptoKey;
  const app = new Koa();
  app.use(async (ctx) => {
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ client_id: 'bench-client', scope: 'decisions' })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' })
      .setIssuer(issuer)
      .setSubject('bench-client')
      .setAudience(issuer)
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .setJti(crypto.randomUUID())
      .sign(privateKey);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { access_token: token, token_type: 'Bearer', expires_in: 600, scope: 'decisions' };
  });
  return app;
}

async function startBareTokenRoute(key: SigningKeyMaterial, issuer: string) {
  const port = await freePort();
  const proc = startNodeProcess(['test/bench/token.ts'], {
    TOKEN_BASELINE_PORT: String(port),
    TOKEN_BASELINE_KEY: JSON.stringify(key),
    TOKEN_BASELINE_ISSUER: issuer,
  });
  const url = `http://127.0.0.1:${port}/`;
  try {
    await waitFor(url, 60_000, proc.child);
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return { url, pid: proc.pid, stop: () => proc.stop() };
}

/** Client assertions signed ahead of time, so the load generator does not compete for CPU with the service. */
async function assertions(count: number, clientId: string, issuer: string, privateKey: CryptoKey, kid: string): Promise<string[]> {
  const now = Math.floor(Date.now() / 1000);
  const out: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const jwt = await new SignJWT({ jti: crypto.randomUUID() })
      .setProtectedHeader({ alg: 'ES256', kid })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(issuer)
      .setIssuedAt(now)
      .setExpirationTime(now + 290)
      .sign(privateKey);
    out.push(
      new URLSearchParams({ grant_type: 'client_credentials', client_assertion_type: JWT_BEARER, client_assertion: jwt }).toString(),
    );
  }
  return out;
}

/** Registers a client as the bench administrator (staff token from the data directory the service really uses). */
async function registerClient(
  service: ServiceProcess,
  dataDir: string,
  body: Record<string, unknown>,
): Promise<{ clientId: string; clientSecret?: string }> {
  const token = await signDevStaffToken(loadDevStaffKey(dataDir), {
    sub: BENCH_ADMIN,
    issuer: DEV_STAFF_ISSUER,
    audience: DEFAULT_STAFF_AUDIENCE,
  });
  const res = await fetch(`${service.url}/v1/clients`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ roles: ['pep'], scopes: ['decisions'], ...body }),
  });
  if (res.status !== 201) throw new Error(`POST /v1/clients answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as { clientId: string; clientSecret?: string };
}

export async function tokenBench(bench: BenchContext): Promise<BenchRow[]> {
  const kek = crypto.randomBytes(32);
  const ownDataDir = bench.settings.databaseUrl ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'bench-token-'));
  const preSeeded = ownDataDir ? await preparePgliteDataDir(ownDataDir, kek) : undefined;
  // The per-client token limit (OAUTH_TOKEN_RATE_LIMIT) would cap the measurement, not the endpoint.
  const service = await bench.startService({
    KEY_ENCRYPTION_KEY: kek.toString('base64'),
    OAUTH_TOKEN_RATE_LIMIT: '1000000000',
    ...(ownDataDir ? { DATA_DIR: ownDataDir } : {}),
  });
  let bare: { url: string; pid: number; stop(): Promise<void> } | undefined;
  try {
    // The issuer is the service's PUBLIC_URL (localhost by default), which assertions must name as their audience.
    const issuer = ((await (await fetch(`${service.url}/.well-known/oauth-authorization-server`)).json()) as { issuer: string }).issuer;
    let key = preSeeded;
    if (!key) {
      const db = createDatabase({ databaseUrl: service.databaseUrl, poolMax: 1 });
      key = await readSigningKey(db, kek).finally(() => db.destroy());
    }
    bare = await startBareTokenRoute(key, issuer);

    const dataDir = ownDataDir ?? service.dataDir;
    const secretClient = await registerClient(service, dataDir, {
      name: 'bench secret client',
      tokenEndpointAuthMethod: 'client_secret_basic',
    });
    const clientKey = await generateKeyPair('ES256', { extractable: true });
    const kid = 'bench-client-key';
    const keyClient = await registerClient(service, dataDir, {
      name: 'bench key client',
      tokenEndpointAuthMethod: 'private_key_jwt',
      jwks: { keys: [{ ...(await exportJWK(clientKey.publicKey)), kid, alg: 'ES256', use: 'sig' }] },
    });

    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const secretBody = 'grant_type=client_credentials&scope=decisions';
    const baseline = await bench.load('bare Koa: sign the same access token, same key', {
      url: bare.url,
      pid: bare.pid,
      method: 'POST',
      headers: form,
      body: secretBody,
    });
    const basicAuth = `Basic ${Buffer.from(`${secretClient.clientId}:${secretClient.clientSecret ?? ''}`).toString('base64')}`;
    const secret = await bench.load('POST /oauth/token, client_secret_basic', {
      url: `${service.url}/oauth/token`,
      method: 'POST',
      headers: { ...form, authorization: basicAuth },
      body: secretBody,
      pid: service.pid,
    });

    // Enough single-use assertions for the warm-up and the measurement at the secret rate, plus headroom.
    const { warmupSeconds, durationSeconds, maxRequests } = bench.settings;
    const needed = Math.min(
      maxRequests,
      Math.ceil(secret.requestsPerSecond * (warmupSeconds + durationSeconds) * 1.5) + bench.settings.connections * 4,
    );
    bench.log(`token: signing ${needed.toLocaleString('en')} client assertions ahead of the private_key_jwt run`);
    const bodies = await assertions(needed, keyClient.clientId, issuer, clientKey.privateKey, kid);
    let next = 0;
    const jwt = await bench.load('POST /oauth/token, private_key_jwt', {
      url: `${service.url}/oauth/token`,
      method: 'POST',
      headers: form,
      body: () => bodies[next++ % bodies.length],
      maxRequests: needed,
      pid: service.pid,
    });
    const notes = `${key.alg} access tokens, each audited before it leaves; RSS ${service.rssMiB()} MiB`;
    return [
      { scenario: 'token', result: baseline, notes: 'bare Koa, no parsing, no client auth, no audit' },
      { scenario: 'token', result: secret, baseline, notes },
      { scenario: 'token', result: jwt, baseline, notes: `${notes}; single-use assertions pre-signed` },
    ];
  } finally {
    await bare?.stop();
    await service.stop();
    if (ownDataDir) fs.rmSync(ownDataDir, { recursive: true, force: true });
  }
}

export const tokenScenario: Scenario = {
  name: 'token',
  description:
    'POST /oauth/token (client_secret_basic and private_key_jwt, audited) vs a bare Koa route signing the same JWT with the same key',
  run: tokenBench,
};

if (require.main === module && process.env.TOKEN_BASELINE_KEY) {
  const key = JSON.parse(process.env.TOKEN_BASELINE_KEY) as SigningKeyMaterial;
  createBareTokenApp(key, process.env.TOKEN_BASELINE_ISSUER ?? 'http://127.0.0.1').then(
    (app) => {
      const server = app.listen(Number(process.env.TOKEN_BASELINE_PORT ?? 0), '127.0.0.1');
      process.once('SIGTERM', () => server.close(() => process.exit(0)));
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
