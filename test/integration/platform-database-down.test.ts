import knexFactory from 'knex';
import { createDatabase } from '../../services/db';
import { createTestApp, expectProblem, type TestApp } from '../helpers/app';
import { adminUrl, createTestDatabase } from '../helpers/database';
import { TcpProxy } from '../helpers/tcp-proxy';
import { eventually, reconnected } from '../helpers/wait';

// PostgreSQL becomes unreachable under a running service: staff writes and reads answer 503
// problem+json (never 500, nothing half-written), and the service recovers without a restart.
// Needs a real server: runs when DATABASE_URL is set (CI runs the suite both ways).

const onPostgres = process.env.DATABASE_URL ? describe : describe.skip;

onPostgres('database down', () => {
  let t: TestApp;
  let outage: TcpProxy;
  let admin: string;

  beforeAll(async () => {
    const database = await createTestDatabase();
    const real = new URL(database.url as string);
    outage = new TcpProxy(real.hostname, Number(real.port || 5432));
    await outage.open();
    const proxied = outage.url(real.toString());
    const db = createDatabase({ databaseUrl: proxied, poolMax: 4 });
    t = await createTestApp({
      // DATABASE_URL also makes the service listen for change notices, so its reconnection is exercised too.
      env: { DATABASE_URL: proxied },
      database: {
        db,
        url: proxied,
        async drop() {
          await outage.cut();
          await database.drop();
        },
      },
    });
    admin = await t.staffToken('root-admin');
  });
  afterAll(() => t.close());

  const createDepartment = (code: string) =>
    t.http.post('/v1/departments').set('Authorization', `Bearer ${admin}`).send({ code, name: code, kind: 'business' });

  it('answers 503 problem+json while the database is unreachable and recovers without a restart', async () => {
    await createDepartment('BEFORE').expect(201);
    await outage.cut();

    for (const code of ['DURING_1', 'DURING_2', 'DURING_3']) {
      const res = await createDepartment(code);
      expectProblem(res, 503, 'service_unavailable');
      expect(res.headers['retry-after']).toBe('1');
    }
    expectProblem(await t.http.get('/v1/departments').set('Authorization', `Bearer ${admin}`), 503);
    expectProblem(await t.http.get('/v1/audit/verify').set('Authorization', `Bearer ${admin}`), 503);
    expectProblem(await t.http.get('/readyz'), 503);
    await t.http.get('/healthz').expect(200);

    // Back: the pool gets through again, and the change feed reconnects and reloads what it missed.
    const feedBack = reconnected(t);
    await outage.open();
    await eventually('a write succeeds again', async () => ((await createDepartment('AFTER')).status === 201 ? true : undefined));
    await feedBack;
    await t.http.get('/readyz').expect(200);

    // Nothing from the outage was half-written, and the chain is whole.
    const codes = (await t.http.get('/v1/departments?limit=200').set('Authorization', `Bearer ${admin}`).expect(200)).body.items.map(
      (d: { code: string }) => d.code,
    );
    expect(codes).toEqual(expect.arrayContaining(['BEFORE', 'AFTER']));
    expect(codes.filter((c: string) => c.startsWith('DURING'))).toEqual([]);
    expect((await t.http.get('/v1/audit/verify').set('Authorization', `Bearer ${admin}`).expect(200)).body.valid).toBe(true);
    expect(t.logLines.some((l) => l.includes('"status":500'))).toBe(false);
  });

  it('survives its connections being terminated by the server: 2xx or 503, never 500', async () => {
    const adminDb = knexFactory({ client: 'pg', connection: adminUrl(process.env.DATABASE_URL as string), pool: { min: 0, max: 1 } });
    try {
      await createDepartment('TERM_0').expect(201);
      const database = new URL(t.database.url as string).pathname.slice(1);
      const statuses: number[] = [];
      for (let round = 1; round <= 3; round++) {
        await adminDb.raw('select pg_terminate_backend(pid) from pg_stat_activity where datname = ? and pid <> pg_backend_pid()', [
          database,
        ]);
        const batch = await Promise.all(Array.from({ length: 4 }, (_, i) => createDepartment(`TERM_${round}_${i}`)));
        statuses.push(...batch.map((r) => r.status));
        for (const res of batch) if (res.status !== 201) expectProblem(res, 503);
      }
      expect(statuses.filter((s) => s !== 201 && s !== 503)).toEqual([]);
      await eventually('a write succeeds again', async () => ((await createDepartment('TERM_AFTER')).status === 201 ? true : undefined));
      expect((await t.http.get('/v1/audit/verify').set('Authorization', `Bearer ${admin}`).expect(200)).body.valid).toBe(true);
    } finally {
      await adminDb.destroy();
    }
  });
});
