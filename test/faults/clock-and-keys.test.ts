import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeJwt } from 'jose';
import { createDatabase, migrateLatest } from '../../services/db';
import { createTestApp, type TestApp } from '../helpers/app';
import { assertionForm, clientAssertion, registerKeyClient, registerSecretClient, tokenFor, type KeyClient } from '../helpers/oauth';
import {
  PROCESS_ADMIN,
  approvedGrant,
  clientToken,
  decide,
  expectStatus,
  setUpBank,
  sharedSecrets,
  startServiceProcess,
  type Bank,
  type ServiceProcess,
} from '../helpers/service-process';
import { PrivateCluster } from './cluster';
import { recordFault } from './report';

// Clocks and keys. Skew up to 15 s between a client (or another replica) and this service is
// accepted for client assertions and access tokens, more is refused. Signing keys rotated on
// either replica during a load never make a validly issued token fail (no 401).
// The OAuth suite covers the far cases (expired assertions, nbf minutes ahead, tokens a minute
// past exp: test/integration/oauth-token.test.ts, oauth-access-tokens.test.ts); this covers the edge.

let cluster: PrivateCluster;

beforeAll(async () => {
  cluster = await PrivateCluster.create();
}, 300_000);
afterAll(() => cluster?.destroy());

describe('clock skew', () => {
  let t: TestApp;
  let keyClient: KeyClient;
  const now = () => Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    const url = await cluster.createDatabase('clock');
    const db = createDatabase({ databaseUrl: url, poolMax: 5 });
    await migrateLatest(db);
    t = await createTestApp({ database: { db, url, drop: () => db.destroy() }, env: { DATABASE_URL: url } });
    keyClient = await registerKeyClient(t);
  }, 120_000);
  afterAll(() => t?.close());

  const tokenWith = async (claims: Parameters<typeof clientAssertion>[2]) =>
    (
      await t.http
        .post('/oauth/token')
        .type('form')
        .send(assertionForm(await clientAssertion(t, keyClient, claims)))
    ).status;

  it('accepts client assertions from a clock up to 15 s off, and refuses beyond', async () => {
    const within = {
      'client 10 s ahead (iat, nbf in the future)': await tokenWith({ iat: now() + 10, nbf: now() + 10, exp: now() + 70 }),
      'client 10 s behind (exp just passed)': await tokenWith({ iat: now() - 70, exp: now() - 10 }),
    };
    const beyond = {
      'client 20 s ahead (nbf)': await tokenWith({ iat: now() + 20, nbf: now() + 20, exp: now() + 80 }),
      'client 20 s ahead (iat only)': await tokenWith({ iat: now() + 20, exp: now() + 80 }),
      'client 20 s behind (exp passed)': await tokenWith({ iat: now() - 80, exp: now() - 20 }),
    };
    await recordFault(
      {
        fault: 'clock skew',
        scenario: 'client assertions (private_key_jwt), ±10 s and ±20 s',
        requests: 5,
        observed: `±10 s: ${Object.values(within).join('/')}; ±20 s: ${Object.values(beyond).join('/')}`,
      },
      () => {
        expect(within).toEqual({ 'client 10 s ahead (iat, nbf in the future)': 200, 'client 10 s behind (exp just passed)': 200 });
        expect(beyond).toEqual({
          'client 20 s ahead (nbf)': 401,
          'client 20 s ahead (iat only)': 401,
          'client 20 s behind (exp passed)': 401,
        });
      },
    );
  });

  it('accepts access tokens on a replica whose clock is up to 15 s off, and refuses beyond', async () => {
    const client = await registerSecretClient(t);
    const verifier = t.container.oauth.accessTokens;
    const verdict = async (offsetFrom: 'iat' | 'exp', seconds: number) => {
      const token = await tokenFor(t, client); // a fresh token each time: verification results are cached per token
      const claims = decodeJwt(token) as { iat: number; exp: number };
      return verifier.verify(token, (claims[offsetFrom] + seconds) * 1000).then(
        () => 'accepted',
        () => 'refused',
      );
    };
    const results = {
      'verifier 10 s behind the issuer': await verdict('iat', -10),
      'verifier 10 s past exp': await verdict('exp', 10),
      'verifier 20 s behind the issuer': await verdict('iat', -20),
      'verifier 20 s past exp': await verdict('exp', 20),
    };
    await recordFault(
      {
        fault: 'clock skew',
        scenario: 'access tokens verified by a skewed replica, ±10 s and ±20 s',
        requests: 4,
        observed: Object.values(results).join('/'),
      },
      () => {
        expect(results).toEqual({
          'verifier 10 s behind the issuer': 'accepted',
          'verifier 10 s past exp': 'accepted',
          'verifier 20 s behind the issuer': 'refused',
          'verifier 20 s past exp': 'refused',
        });
      },
    );
  });
});

describe('signing keys rotated during load', () => {
  let dataDir: string;
  let a: ServiceProcess;
  let b: ServiceProcess;
  let bank: Bank;

  beforeAll(async () => {
    const url = await cluster.createDatabase('keys');
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fault-keys-'));
    // Tokens are requested in a loop for the whole rotation: the per-client limit is not what is tested here.
    const options = { databaseUrl: url, dataDir, secrets: sharedSecrets(), env: { LOG_LEVEL: 'warn', OAUTH_TOKEN_RATE_LIMIT: '1000000' } };
    a = await startServiceProcess(options);
    b = await startServiceProcess(options);
    bank = await setUpBank(a);
    await approvedGrant(a, bank);
  }, 300_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('never refuses a validly issued token while keys rotate on either replica (activating at once)', async () => {
    const statuses = new Map<number, number>();
    let requests = 0;
    let running = true;
    const workers = Array.from({ length: 4 }, async (_, w) => {
      for (let i = 0; running; i++) {
        // A token from one replica, used at once on the other, then again a little later.
        const [issuer, verifier] = (w + i) % 2 === 0 ? [a, b] : [b, a];
        const token = await clientToken(issuer, bank.pep);
        for (const p of [verifier, issuer, verifier]) {
          const res = await decide(p, bank, token);
          requests += 1;
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        }
      }
    });
    const rotations: string[] = [];
    for (let r = 0; r < 6; r++) {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const on = r % 2 === 0 ? a : b;
      const rotated = expectStatus(
        await on.call('POST', '/v1/signing-keys/rotate', { as: { staff: PROCESS_ADMIN }, body: { activateAfterSeconds: 0 } }),
        201,
        'rotate',
      );
      rotations.push(String(rotated.body.kid));
    }
    await new Promise((resolve) => setTimeout(resolve, 1500));
    running = false;
    await Promise.all(workers);
    const kids = new Set(((await a.call('GET', '/.well-known/jwks.json')).body.keys as Array<{ kid: string }>).map((k) => k.kid));

    await recordFault(
      {
        fault: 'key rotation',
        scenario: '6 rotations (activate at once) alternating on 2 replicas, tokens used cross-replica',
        requests,
        observed: `statuses ${[...statuses].map(([s, n]) => `${n} × ${s}`).join(', ')}; all ${rotations.length} new keys published`,
      },
      () => {
        expect([...statuses.keys()]).toEqual([200]);
        expect(rotations.filter((kid) => !kids.has(kid))).toEqual([]);
      },
    );
  }, 300_000);
});
