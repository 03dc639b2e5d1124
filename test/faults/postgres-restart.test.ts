import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import {
  CONSENT_PURPOSE,
  PROCESS_ADMIN,
  STAFF,
  approvedGrant,
  decide,
  setUpBank,
  sharedSecrets,
  startServiceProcess,
  until,
  type Bank,
  type HttpAnswer,
  type ServiceProcess,
} from '../helpers/service-process';
import { PrivateCluster } from './cluster';
import { Load, jwtPayload, type LoadOperation, type Outcome } from './load';
import { recordFault } from './report';

// PostgreSQL stopped and started under a load of decisions, consents, grant changes and token
// requests: while it is down only 503s (no allow, no token); afterwards the same process recovers
// by itself; every 2xx has its row and its audit event; the chain verifies.

let cluster: PrivateCluster;
let service: ServiceProcess;
let bank: Bank;
let db: Knex;
let url: string;
let dataDir: string;
let subjects = 0;
const requested: string[] = [];
const approved: string[] = [];

const ok = (o: Outcome) => o.status >= 200 && o.status < 300;
/** 503 as problem+json, or as the RFC 6749 JSON error on the OAuth protocol endpoints. */
const unavailable = (o: Outcome) =>
  o.status === 503 &&
  (o.type === 'application/problem+json' ||
    (o.kind === 'token' && o.type === 'application/json' && o.body.error === 'temporarily_unavailable'));

function operations(): LoadOperation[] {
  const remember = (list: string[]) => async (answer: Promise<HttpAnswer>) => {
    const res = await answer;
    if (res.status >= 200 && res.status < 300) list.push(String(res.body.id));
    return res;
  };
  return [
    { kind: 'decision', run: () => decide(service, bank) },
    {
      kind: 'consent',
      run: () =>
        service.call('POST', '/v1/consents', {
          as: { bearer: bank.collectorToken as string },
          body: {
            subject: `CUST-FAULT-${++subjects}`,
            purpose: CONSENT_PURPOSE,
            noticeVersion: bank.noticeVersion,
            channel: 'mobile-bank',
          },
        }),
    },
    {
      kind: 'grant.request',
      run: () =>
        remember(requested)(
          service.call('POST', '/v1/access-grants', {
            as: { staff: STAFF.vendorManager },
            body: {
              vendor: bank.vendorId,
              asset: bank.assetKey,
              fields: ['name'],
              actions: ['read'],
              purpose: 'collections',
              validUntil: new Date(Date.now() + 30 * 86_400_000).toISOString(),
              justification: 'Fault-suite grant change',
            },
          }),
        ),
    },
    {
      kind: 'grant.approve',
      run: () => {
        const id = requested.shift();
        if (!id) return decide(service, bank).then((r) => ({ ...r, kind: 'decision' }));
        return remember(approved)(
          service.call('POST', `/v1/access-grants/${id}/approve`, { as: { staff: STAFF.dataOwner }, body: {} }),
        ).then((r) => ({ ...r, body: { ...r.body, id } }));
      },
    },
    {
      kind: 'grant.revoke',
      run: () => {
        const id = approved.shift();
        if (!id) return decide(service, bank).then((r) => ({ ...r, kind: 'decision' }));
        return service
          .call('POST', `/v1/access-grants/${id}/revoke`, {
            as: { staff: STAFF.privacyOfficer },
            body: { reason: 'Fault-suite revocation' },
          })
          .then((r) => ({ ...r, body: { ...r.body, id } }));
      },
    },
    {
      kind: 'token',
      run: () =>
        service.call('POST', '/oauth/token', {
          as: { basic: [bank.pep.clientId, bank.pep.clientSecret] },
          form: { grant_type: 'client_credentials' },
        }),
    },
  ];
}

beforeAll(async () => {
  cluster = await PrivateCluster.create();
  url = await cluster.createDatabase('governance');
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fault-restart-'));
  service = await startServiceProcess({
    databaseUrl: url,
    dataDir,
    secrets: sharedSecrets(),
    env: { DATABASE_POOL_MAX: '10', OAUTH_TOKEN_RATE_LIMIT: '1000000' },
  });
  bank = await setUpBank(service, { consents: true });
  await approvedGrant(service, bank);
}, 300_000);

afterAll(async () => {
  await service?.stop();
  await cluster?.destroy();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function auditIds(action: string): Promise<Set<string>> {
  const rows = (await db('audit_events').where({ action }).select('object_id')) as Array<{ object_id: string }>;
  return new Set(rows.map((r) => r.object_id));
}

describe.each([['fast' as const], ['immediate' as const]])('PostgreSQL stopped (%s) and started under load', (mode) => {
  it('answers only 503 while it is down, recovers without a restart, and loses nothing it acknowledged', async () => {
    const load = new Load(operations(), 4);
    const pid = service.pid;
    load.start();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    await cluster.stop(mode);
    const downFrom = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 4000));
    const downUntil = Date.now();
    await cluster.start();
    const restarted = Date.now();
    const recoveryMs = await until(async () => (await decide(service, bank)).body.decision === 'allow', 60_000, 'decisions allowed again');
    await new Promise((resolve) => setTimeout(resolve, 2000));
    await load.stop();

    // The test's own connections open only now: the outage would have broken them.
    db = knexFactory({ client: 'pg', connection: url, pool: { min: 0, max: 2 } });
    const outcomes = load.outcomes;
    const duringOutage = outcomes.filter((o) => o.sentAt >= downFrom && o.answeredAt <= downUntil);
    const acknowledged = outcomes.filter(ok);
    const decisions = new Set(
      acknowledged
        .filter((o) => o.kind === 'decision')
        .map((o) => String(o.body.decisionId))
        .filter((id) => id !== 'undefined'),
    );
    const consents = acknowledged.filter((o) => o.kind === 'consent').map((o) => String(o.body.id));
    const tokens = acknowledged.filter((o) => o.kind === 'token').map((o) => String(jwtPayload(String(o.body.access_token)).jti));
    const grantChanges = acknowledged.filter((o) => o.kind.startsWith('grant.'));

    const decided = new Set(
      (
        (await db('audit_events').where({ action: 'access.decided' }).select(db.raw("details->>'decisionId' as id"))) as Array<{
          id: string;
        }>
      ).map((r) => r.id),
    );
    const consentRows = new Set(((await db('consent_events').select('id')) as Array<{ id: string }>).map((r) => r.id));
    const consentEvents = await auditIds('consent.given');
    const tokenEvents = await auditIds('oauth.token_issued');
    const grantRows = new Map(
      ((await db('access_grants').select('id', 'status')) as Array<{ id: string; status: string }>).map((r) => [r.id, r.status]),
    );
    const grantEvents = {
      'grant.request': await auditIds('access_grant.requested'),
      'grant.approve': await auditIds('access_grant.approved'),
      'grant.revoke': await auditIds('access_grant.revoked'),
    };
    const verify = await service.call('GET', '/v1/audit/verify', { as: { staff: PROCESS_ADMIN } });
    const errors500 = service.logLines.filter((l) => l.includes('"status":500'));
    await db.destroy();

    const byKind = (list: Outcome[]) =>
      Object.entries(list.reduce<Record<string, number>>((acc, o) => ({ ...acc, [o.kind]: (acc[o.kind] ?? 0) + 1 }), {}));
    await recordFault(
      {
        fault: 'PostgreSQL stopped and started',
        scenario: `pg_ctl stop -m ${mode}, down 4 s, mixed load ×4`,
        requests: outcomes.length,
        observed: `${duringOutage.length} answered while down: ${duringOutage.filter(unavailable).length} × 503, ${duringOutage.filter((o) => o.status === 200 && (o.kind === 'token' || o.body.decision === 'allow')).length} allow/token; recovered ${recoveryMs} ms after start, same pid; ${acknowledged.length} × 2xx all durable; chain ${verify.body.valid ? 'valid' : 'INVALID'} (${String(verify.body.checked)} events)`,
      },
      () => {
        expect(duringOutage.length).toBeGreaterThan(10);
        // Only 503s while it is down: no allow, no token, no 500, no dropped connection.
        expect(duringOutage.filter((o) => !unavailable(o)).map((o) => [o.kind, o.status, o.type])).toEqual([]);
        // Recovered by itself: the same process answers again.
        expect(service.child.exitCode).toBeNull();
        expect(service.pid).toBe(pid);
        expect(
          byKind(outcomes.filter((o) => o.sentAt > restarted + recoveryMs && ok(o)))
            .map(([kind]) => kind)
            .sort(),
        ).toEqual(expect.arrayContaining(['consent', 'decision', 'token']));
        // Every acknowledged change and decision is durable, with its audit event.
        expect([...decisions].filter((id) => !decided.has(id))).toEqual([]);
        expect(consents.filter((id) => !consentRows.has(id) || !consentEvents.has(id))).toEqual([]);
        expect(tokens.filter((jti) => !tokenEvents.has(jti))).toEqual([]);
        for (const o of grantChanges) {
          const id = String(o.body.id);
          expect([o.kind, id, grantEvents[o.kind as keyof typeof grantEvents].has(id)]).toEqual([o.kind, id, true]);
          expect(grantRows.has(id)).toBe(true);
          if (o.kind === 'grant.revoke') expect(grantRows.get(id)).toBe('revoked');
        }
        // …and nothing half-written: every grant and consent row has its event, and every event its row.
        expect([...grantRows.keys()].filter((id) => !grantEvents['grant.request'].has(id))).toEqual([]);
        expect([...grantEvents['grant.request']].filter((id) => !grantRows.has(id))).toEqual([]);
        expect([...consentEvents].filter((id) => !consentRows.has(id))).toEqual([]);
        expect(verify.body).toMatchObject({ valid: true });
        expect(errors500).toEqual([]);
      },
    );
  }, 300_000);
});
