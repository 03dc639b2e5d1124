import crypto from 'node:crypto';
import knexFactory, { type Knex } from 'knex';
import { createDatabase, migrateLatest } from '../../services/db';
import { createTestApp, expectProblem, type TestApp } from '../helpers/app';
import { adminUrl } from '../helpers/database';
import { eventually } from '../helpers/wait';

// A PostgreSQL that refuses the service in each way an operator can cause (connections disallowed,
// role locked or out of connections, database renamed away): every answer is 503 problem+json with
// Retry-After, never 500, and the service recovers without a restart. Runs when DATABASE_URL is set.
// (28P01, a rotated password, cannot be caused here: the local server trusts loopback; the unit
// test test/unit/platform-database-errors.test.ts covers its mapping.)

const onPostgres = process.env.DATABASE_URL ? describe : describe.skip;
jest.setTimeout(120_000);

onPostgres('database refusals answer 503', () => {
  const suffix = `${process.pid}_${crypto.randomBytes(3).toString('hex')}`;
  const role = `refusal_role_${suffix}`;
  const name = `refusal_db_${suffix}`;
  let admin: Knex;
  let t: TestApp;
  let staff: string;

  const terminate = () => admin.raw('select pg_terminate_backend(pid) from pg_stat_activity where usename = ?', [role]);

  beforeAll(async () => {
    admin = knexFactory({ client: 'pg', connection: adminUrl(process.env.DATABASE_URL as string), pool: { min: 0, max: 1 } });
    await admin.raw(`create role ${role} login nosuperuser`);
    await admin.raw(`create database ${name} owner ${role}`);
    const url = new URL(adminUrl(process.env.DATABASE_URL as string, name));
    url.username = role;
    url.password = '';
    const migrator = createDatabase({ databaseUrl: url.toString(), poolMax: 1 });
    await migrateLatest(migrator);
    await migrator.destroy();
    const db = createDatabase({ databaseUrl: url.toString(), poolMax: 4 });
    t = await createTestApp({ database: { db, url: url.toString(), drop: () => db.destroy() } });
    await t.grantRole('ops-admin', 'admin', '*');
    staff = await t.staffToken('ops-admin');
  });
  afterAll(async () => {
    await t?.close();
    await admin.raw(`drop database if exists ${name} with (force)`);
    await admin.raw(`drop database if exists ${name}_away with (force)`);
    await admin.raw(`drop role if exists ${role}`);
    await admin.destroy();
  });

  const listDepartments = () => t.http.get('/v1/departments').set('Authorization', `Bearer ${staff}`);
  const createDepartment = () =>
    t.http
      .post('/v1/departments')
      .set('Authorization', `Bearer ${staff}`)
      .send({ code: `D${crypto.randomBytes(3).toString('hex').toUpperCase()}`, name: 'Refused', kind: 'business' });

  /** The SQLSTATEs the service logged as causes of its 503s since `from`. */
  const causes = (from: number) =>
    t.logLines
      .slice(from)
      .map((l) => JSON.parse(l) as { msg: string; cause?: { code?: string } })
      .filter((l) => l.msg === 'request refused: service unavailable')
      .map((l) => l.cause?.code);

  it.each([
    [
      'connections disallowed (alter database … allow_connections false)',
      '55000',
      () => `alter database ${name} allow_connections false`,
      () => `alter database ${name} allow_connections true`,
    ],
    ['the role may not log in (alter role … nologin)', '28000', () => `alter role ${role} nologin`, () => `alter role ${role} login`],
    [
      'the role is out of connections (connection limit 0)',
      '53300',
      () => `alter role ${role} connection limit 0`,
      () => `alter role ${role} connection limit -1`,
    ],
    [
      'the database does not exist (renamed away)',
      '3D000',
      () => `alter database ${name} rename to ${name}_away`,
      () => `alter database ${name}_away rename to ${name}`,
    ],
  ])('%s: 503 with Retry-After (SQLSTATE %s), then recovery without a restart', async (_label, sqlstate, refuse, restore) => {
    expect((await listDepartments()).status).toBe(200);
    const from = t.logLines.length;
    if (sqlstate === '3D000') {
      // A database in use cannot be renamed (55006), and the service reconnects at once (its change feed
      // listens): cut its sessions and rename until the rename gets in between.
      await eventually('the database renamed away', async () => {
        await terminate();
        return admin.raw(refuse()).then(
          () => true,
          (err: { code?: string }) => {
            if (err.code === '55006') return undefined;
            throw err;
          },
        );
      });
    } else {
      await admin.raw(refuse());
    }
    await terminate();
    try {
      // The first call may meet a pooled connection the server just closed; the next ones meet the refusal itself.
      for (let attempt = 0; attempt < 10 && !causes(from).includes(sqlstate); attempt += 1) {
        for (const res of [await listDepartments(), await createDepartment()]) {
          expectProblem(res, 503, 'service_unavailable');
          expect(res.headers['retry-after']).toBe('1');
        }
      }
      expect(causes(from)).toContain(sqlstate);
      expect((await t.http.get('/readyz')).status).toBe(503);
    } finally {
      await admin.raw(restore());
    }
    await eventually('a read succeeds again', async () => ((await listDepartments()).status === 200 ? true : undefined));
    expect((await createDepartment()).status).toBe(201);
  });
});
