import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import {
  PROCESS_ADMIN,
  STAFF,
  approvedGrant,
  clientToken,
  decide,
  expectStatus,
  percentile,
  registerClient,
  requestGrant,
  setUpBank,
  sharedSecrets,
  startServiceProcess,
  table,
  until,
  type Bank,
  type ServiceProcess,
} from '../helpers/service-process';

// Two service processes on one PostgreSQL: a change made on replica A (grant revoked, vendor
// suspended, client disabled, token revoked) is refused by replica B once its notice arrives
// (LISTEN/NOTIFY), and both appending at once keep one linear, verifiable audit chain. PGlite is
// one process, so this runs only with DATABASE_URL (CI's PostgreSQL pass). How long B takes is
// printed (p50/p99/max) but not asserted: the 1 s target is the benchmarks' to check on a quiet
// machine (docs/benchmarks.md); here B must only get there, well before each wait's 5 s deadline.

const TRIES = 50;
const onPostgres = process.env.DATABASE_URL ? describe : describe.skip;
const title = process.env.DATABASE_URL
  ? 'two replicas on one PostgreSQL'
  : 'two replicas on one PostgreSQL (skipped: needs DATABASE_URL; PGlite is a single process)';

onPostgres(title, () => {
  let database: TestDatabase;
  let dataDir: string;
  let a: ServiceProcess;
  let b: ServiceProcess;
  let bank: Bank;
  const report: string[][] = [['what reaches replica B', 'tries', 'p50 ms', 'p99 ms', 'max ms']];

  const allowed = async (p: ServiceProcess, token?: string) => {
    const res = await decide(p, bank, token);
    return res.status === 200 && res.body.decision === 'allow';
  };
  let lastAnswer: unknown;
  const denied = async (p: ServiceProcess, reason: string) => {
    const res = await decide(p, bank);
    lastAnswer = [res.status, res.body];
    const fields = res.body.deniedFields as Array<{ reason: string }> | undefined;
    return res.status === 200 && res.body.decision === 'deny' && fields?.[0]?.reason === reason;
  };
  const refusedToken = async (p: ServiceProcess, token: string) => (await decide(p, bank, token)).status === 401;
  const record = (what: string, ms: number[]) =>
    report.push([what, String(ms.length), String(percentile(ms, 50)), String(percentile(ms, 99)), String(Math.max(...ms))]);

  beforeAll(async () => {
    database = await createTestDatabase();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'replicas-'));
    const secrets = sharedSecrets();
    const options = { databaseUrl: database.url as string, dataDir, secrets, env: { LOG_LEVEL: 'warn' } };
    a = await startServiceProcess(options);
    b = await startServiceProcess(options);
    bank = await setUpBank(a);
  }, 400_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await database?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
    if (report.length > 1) console.log(`Propagation from replica A to replica B (target 1 s):\n${table(report)}`);
  });

  it(`refuses on B a grant revoked on A, and allows one approved there, ${TRIES} times (p50/p99 reported)`, async () => {
    const approvals: number[] = [];
    const revocations: number[] = [];
    for (let i = 0; i < TRIES; i++) {
      const grantId = await requestGrant(a, bank);
      let sent = Date.now();
      const approve = a.call('POST', `/v1/access-grants/${grantId}/approve`, { as: { staff: STAFF.dataOwner }, body: {} });
      await until(() => allowed(b), 5000, 'B allows the approved grant');
      approvals.push(Date.now() - sent);
      expectStatus(await approve, 200, 'approve');
      // Measured from the moment the revocation is sent, so A's own handling is included.
      sent = Date.now();
      const revoke = a.call('POST', `/v1/access-grants/${grantId}/revoke`, {
        as: { staff: STAFF.privacyOfficer },
        body: { reason: 'Contract review' },
      });
      await until(() => denied(b, 'no_grant'), 5000, 'B denies after the revocation').catch((err: Error) => {
        throw new Error(`${err.message}; B's last answer: ${JSON.stringify(lastAnswer)}`);
      });
      revocations.push(Date.now() - sent);
      expectStatus(await revoke, 200, 'revoke');
    }
    record('grant revoked (until B denies)', revocations);
    record('grant approved (until B allows)', approvals);
  }, 600_000);

  it('refuses on B a vendor suspended on A, and allows again once reinstated (times reported)', async () => {
    await approvedGrant(a, bank);
    await until(() => allowed(b), 5000, 'B allows');
    const suspended: number[] = [];
    const reinstated: number[] = [];
    for (let i = 0; i < 5; i++) {
      const sent = Date.now();
      const suspend = a.call('POST', `/v1/vendors/${bank.vendorId}/suspend`, {
        as: { staff: STAFF.privacyOfficer },
        body: { reason: 'Suspected leak' },
      });
      await until(() => denied(b, 'vendor_suspended'), 5000, 'B denies the suspended vendor');
      suspended.push(Date.now() - sent);
      expectStatus(await suspend, 200, 'suspend');
      const back = Date.now();
      const reinstate = a.call('POST', `/v1/vendors/${bank.vendorId}/reinstate`, {
        as: { staff: STAFF.privacyOfficer },
        body: { reason: 'Cleared' },
      });
      await until(() => allowed(b), 5000, 'B allows the reinstated vendor');
      reinstated.push(Date.now() - back);
      expectStatus(await reinstate, 200, 'reinstate');
    }
    record('vendor suspended (until B denies)', suspended);
    record('vendor reinstated (until B allows)', reinstated);
  }, 300_000);

  it('refuses on B a token revoked on A (times reported)', async () => {
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const token = await clientToken(a, bank.pep);
      expect(await allowed(b, token)).toBe(true);
      const sent = Date.now();
      const revoke = a.call('POST', '/oauth/revoke', { as: { basic: [bank.pep.clientId, bank.pep.clientSecret] }, form: { token } });
      await until(() => refusedToken(b, token), 5000, 'B refuses the revoked token');
      times.push(Date.now() - sent);
      expectStatus(await revoke, 200, 'revoke token');
    }
    record('access token revoked (until B answers 401)', times);
  }, 120_000);

  it('refuses on B the tokens of a client disabled on A (times reported)', async () => {
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const client = await registerClient(a, ['pep'], ['decisions']);
      const token = await clientToken(a, client);
      expect(await allowed(b, token)).toBe(true);
      const sent = Date.now();
      const disable = a.call('POST', `/v1/clients/${client.clientId}/disable`, { as: { staff: PROCESS_ADMIN } });
      await until(() => refusedToken(b, token), 5000, 'B refuses the disabled client');
      times.push(Date.now() - sent);
      expectStatus(await disable, 200, 'disable client');
    }
    record('client disabled (until B answers 401)', times);
  }, 120_000);

  it('keeps one linear, verifiable audit chain while both replicas write at once', async () => {
    const writes = Array.from({ length: 40 }, (_, i) =>
      (i % 2 === 0 ? a : b).call('POST', '/v1/departments', {
        as: { staff: PROCESS_ADMIN },
        body: { code: `CONC_${i}`, name: `Concurrent ${i}`, kind: 'business' },
      }),
    );
    const decisions = Array.from({ length: 100 }, (_, i) => decide(i % 2 === 0 ? a : b, bank));
    const answers = await Promise.all([...writes, ...decisions]);
    expect(answers.map((r) => r.status)).toEqual([...Array(40).fill(201), ...Array(100).fill(200)]);
    const verified = expectStatus(await b.call('GET', '/v1/audit/verify', { as: { staff: PROCESS_ADMIN } }), 200, 'verify').body;
    const count = (await database.db('audit_events').count({ n: '*' })) as Array<{ n: number }>;
    expect(verified).toMatchObject({ valid: true, checked: Number(count[0].n) });
    const actors = (await database
      .db('audit_events')
      .where('action', 'department.created')
      .whereIn('object_id', ['CONC_0', 'CONC_1'])
      .select('request_id')) as unknown[];
    expect(actors).toHaveLength(2);
  }, 120_000);

  it('anchors that chain with signed checkpoints, one per interval across both replicas, each verifiable with the shared key', async () => {
    const head = async () => Number(((await database.db('audit_events').max({ seq: 'seq' })) as Array<{ seq: number | string }>)[0].seq);
    const anchored = async () =>
      Number(((await database.db('audit_checkpoints').max({ seq: 'seq' })) as Array<{ seq: number | string | null }>)[0].seq ?? 0);
    await until(async () => (await anchored()) >= (await head()), 10_000, 'a checkpoint covers the chain head');
    const rows = (await database.db('audit_checkpoints').orderBy('number')) as Array<{ number: number | string; made_at: Date | string }>;
    expect(rows.map((r) => Number(r.number))).toEqual(rows.map((_, i) => i + 1));
    const madeAt = rows.map((r) => new Date(r.made_at).getTime());
    for (let i = 1; i < madeAt.length; i++) expect(madeAt[i] - madeAt[i - 1]).toBeGreaterThanOrEqual(1000);
    for (const p of [a, b]) {
      const verified = expectStatus(await p.call('GET', '/v1/audit/verify', { as: { staff: PROCESS_ADMIN } }), 200, 'verify').body;
      expect(verified).toMatchObject({ valid: true, checkpoints: { checked: rows.length, unanchoredEvents: 0 } });
    }
  }, 60_000);
});
