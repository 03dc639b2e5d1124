import crypto from 'node:crypto';
import { ManualClock } from '../../services/platform/clock';
import { createTestApp, expectProblem, type TestApp } from '../helpers/app';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { Factories } from '../helpers/factories';
import { registerSecretClient, tokenFor } from '../helpers/oauth';
import { TcpProxy } from '../helpers/tcp-proxy';
import { eventually, reconnected } from '../helpers/wait';

// A replica that cannot hear the others must not decide on what may be stale: once its change
// feed has been silent past POLICY_MAX_STALENESS_MS, decisions answer 503 (its database is fine);
// when the feed is back it reloads what it missed before it decides again. PostgreSQL only.
// The silence is measured on the deaf replica's feed clock, which the test moves: it stands still
// otherwise, so the replica is fresh until the test moves it past the bound, to the millisecond.

const onPostgres = process.env.DATABASE_URL ? describe : describe.skip;
const BOUND_MS = 800;

onPostgres('a replica whose change feed is cut', () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let deaf: TestApp;
  let other: TestApp;
  const feedClock = new ManualClock(new Date());
  let grantId: string;
  let pep: Record<string, string>;
  let vendorId: string;
  let assetKey: string;

  const decide = () =>
    deaf.http
      .post('/v1/decisions')
      .set(pep)
      .send({ vendor: vendorId, asset: assetKey, fields: ['phone'], action: 'read', purpose: 'collections' });

  beforeAll(async () => {
    database = await createTestDatabase();
    const url = new URL(database.url as string);
    proxy = new TcpProxy(url.hostname, Number(url.port || 5432));
    await proxy.open();
    const shared = { ...database, drop: async () => undefined };
    const keys = {
      KEY_ENCRYPTION_KEY: crypto.randomBytes(32).toString('base64'),
      SUBJECT_ID_KEY: crypto.randomBytes(32).toString('base64'),
    };
    // The deaf replica's queries go straight to PostgreSQL; only its LISTEN connection runs through the proxy.
    // No periodic full reload during the test (a reload makes the view current again, by design).
    deaf = await createTestApp({
      database: shared,
      env: {
        ...keys,
        DATABASE_URL: proxy.url(database.url as string),
        POLICY_MAX_STALENESS_MS: String(BOUND_MS),
        POLICY_RELOAD_INTERVAL_S: '86400',
      },
      feedClock,
    });
    other = await createTestApp({ database: shared, env: { ...keys, DATABASE_URL: database.url as string } });
    const f = new Factories(deaf);
    await f.department('RETAIL');
    await f.purpose('collections');
    vendorId = await f.vendor({ purposes: ['collections'] });
    const asset = await f.asset('RETAIL', [['phone', 'personal']]);
    assetKey = asset.key;
    const grant = await deaf.http
      .post('/v1/access-grants')
      .set(await f.token('vm-factory'))
      .send({
        vendor: vendorId,
        asset: assetKey,
        fields: ['phone'],
        actions: ['read'],
        purpose: 'collections',
        validUntil: new Date(Date.now() + 30 * 86_400_000).toISOString(),
        justification: 'Collections calls',
      });
    grantId = grant.body.id;
    await deaf.http
      .post(`/v1/access-grants/${grantId}/approve`)
      .set(await f.token('owner-factory'))
      .send({})
      .expect(200);
    pep = { Authorization: `Bearer ${await tokenFor(deaf, await registerSecretClient(deaf, { roles: ['pep'], scopes: ['decisions'] }))}` };
  });
  afterAll(async () => {
    await other?.close();
    await deaf?.close();
    await proxy?.cut();
    await database?.drop();
  });

  it('answers 503 once the feed has been silent past the bound, then reloads what it missed before deciding again', async () => {
    expect((await decide()).body.decision).toBe('allow');
    await proxy.cut();

    // Still deciding until the feed has been silent for the whole bound, stale from then on; its
    // database still answers everything else.
    feedClock.advance(BOUND_MS - 1);
    expect((await decide()).body.decision).toBe('allow');
    feedClock.advance(1);
    expectProblem(await decide(), 503, 'service_unavailable');
    const ready = await deaf.http.get('/readyz');
    expectProblem(ready, 503);
    expect(ready.body.detail).toBe('Not ready: vendor_policies');
    await deaf.http
      .get('/v1/departments')
      .set(await new Factories(deaf).token('root-admin'))
      .expect(200);

    // Another replica revokes the grant while this one cannot hear it.
    const pat = { Authorization: `Bearer ${await other.staffToken('po-factory')}` };
    await other.http.post(`/v1/access-grants/${grantId}/revoke`).set(pat).send({ reason: 'Contract review' }).expect(200);
    for (let i = 0; i < 5; i++) expectProblem(await decide(), 503, 'service_unavailable');

    // The feed comes back: the replica reconnects and reloads; until it has, it still refuses to
    // decide, and it never allows the revoked grant.
    let reloaded = false;
    const back = reconnected(deaf).then(() => {
      reloaded = true;
    });
    await proxy.open();
    const denied = { decision: 'deny', deniedFields: [{ field: 'phone', reason: 'no_grant' }] };
    await eventually('the replica reconnects and reloads', async () => {
      const res = await decide();
      if (res.status === 200) expect(res.body).toMatchObject(denied);
      else expectProblem(res, 503, 'service_unavailable');
      return reloaded || undefined;
    });
    await back;
    const res = await decide();
    expect({ status: res.status, body: res.body }).toMatchObject({ status: 200, body: denied });
    await deaf.http.get('/readyz').expect(200);
  });
});
