import net from 'node:net';
import knexFactory from 'knex';
import { createDatabase } from '../../services/db';
import { createTestApp, expectProblem, type TestApp } from '../helpers/app';
import { adminUrl, createTestDatabase } from '../helpers/database';

// PostgreSQL becomes unreachable under a running service: staff writes and reads answer 503
// problem+json (never 500, nothing half-written), and the service recovers without a restart.
// Needs a real server: runs when DATABASE_URL is set (CI runs the suite both ways).

const onPostgres = process.env.DATABASE_URL ? describe : describe.skip;

/** A TCP forwarder on loopback between the service and PostgreSQL: cut it to make the database vanish. */
class Outage {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async open(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.targetPort, this.targetHost);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  /** Refuses new connections and drops every open one, as a crashed or partitioned database would. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

async function eventually<T>(attempt: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await attempt();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

onPostgres('database down', () => {
  let t: TestApp;
  let outage: Outage;
  let admin: string;

  beforeAll(async () => {
    const database = await createTestDatabase();
    const real = new URL(database.url as string);
    outage = new Outage(real.hostname, Number(real.port || 5432));
    await outage.open();
    const proxied = new URL(real.toString());
    proxied.hostname = '127.0.0.1';
    proxied.port = String(outage.port);
    const db = createDatabase({ databaseUrl: proxied.toString(), poolMax: 4 });
    t = await createTestApp({
      // DATABASE_URL also makes the service listen for change notices, so its reconnection is exercised too.
      env: { DATABASE_URL: proxied.toString() },
      database: {
        db,
        url: proxied.toString(),
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

    await outage.open();
    await eventually(async () => ((await createDepartment('AFTER')).status === 201 ? true : undefined));
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
      await eventually(async () => ((await createDepartment('TERM_AFTER')).status === 201 ? true : undefined));
      expect((await t.http.get('/v1/audit/verify').set('Authorization', `Bearer ${admin}`).expect(200)).body.valid).toBe(true);
    } finally {
      await adminDb.destroy();
    }
  });
});
