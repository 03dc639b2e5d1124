import { createTestApp, expectProblem, type TestApp } from '../helpers/app';
import { AppWorld, auditCount as countAuditEvents } from '../helpers/app-world';
import { Factories } from '../helpers/factories';
import { registerSecretClient, tokenFor } from '../helpers/oauth';

// The Notice, item 9: monitoring signals per app (pushed by a monitoring client or recorded by staff),
// warning thresholds set by the app's owners, warnings that must be acknowledged; bounded input and rates.

let t: TestApp;
let f: Factories;
let monitor: { clientId: string; token: string };
let stranger: { clientId: string; token: string };
let pep: { clientId: string; token: string };
const PER_APP = 12;
const auth = async (sub: string) => ({ Authorization: `Bearer ${await t.staffToken(sub)}` });
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
const alert = (m: number, extra: Record<string, unknown> = {}) => ({
  kind: 'security_alert',
  observedAt: minutesAgo(m),
  alertType: 'credential_stuffing',
  ...extra,
});
const availability = (m: number, availabilityPercent: number) => ({ kind: 'availability', observedAt: minutesAgo(m), availabilityPercent });
const auditCount = () => countAuditEvents(t);
const rows = async (table: string, appId: string) =>
  Number(((await t.container.db(table).where({ app_id: appId }).count({ n: '*' })) as Array<{ n: number }>)[0].n);

const profile = (overrides: Record<string, unknown> = {}) => ({
  clients: [monitor.clientId],
  thresholds: [
    { kind: 'availability', windowMinutes: 60, warnBelowPercent: 99.5, majorBelowPercent: 95 },
    { kind: 'security_alert', windowMinutes: 60, warnAtCount: 3, majorAtCount: 5 },
  ],
  ...overrides,
});

const newApp = (owningDepartment = 'RETAIL'): Promise<string> => new AppWorld(t, f).newApp({ owningDepartment });

async function monitoredApp(body = profile()): Promise<string> {
  const id = await newApp();
  await t.http
    .put(`/v1/apps/${id}/monitoring`)
    .set(await auth('rita'))
    .send(body)
    .expect(200);
  return id;
}

const push = (token: string, appId: string, body: unknown) =>
  t.http
    .post(`/v1/monitoring/apps/${appId}/signals`)
    .set('Authorization', `Bearer ${token}`)
    .send(body as object);

async function machine(roles: string[], scopes: string[]): Promise<{ clientId: string; token: string }> {
  const client = await registerSecretClient(t, { roles, scopes });
  return { clientId: client.clientId, token: await tokenFor(t, client) };
}

beforeAll(async () => {
  t = await createTestApp({ env: { APP_SIGNALS_PER_APP: String(PER_APP), APP_SIGNALS_PER_RECORDER: '100000' } });
  f = new Factories(t);
  await f.department('DIGITAL', 'technology');
  await f.department('RETAIL');
  await f.department('CARDS');
  await t.grantRole('amy', 'app_manager', '*');
  await t.grantRole('rita', 'app_manager', 'RETAIL');
  await t.grantRole('carl', 'app_manager', 'CARDS');
  await t.grantRole('dora', 'data_owner', 'RETAIL');
  await t.grantRole('aud', 'auditor', 'RETAIL');
  await t.grantRole('erin', 'auditor', '*');
  monitor = await machine(['app_monitor'], ['app_signals']);
  stranger = await machine(['app_monitor'], ['app_signals']);
  pep = await machine(['pep'], ['decisions']);
});
afterAll(() => t.close());

describe('an app’s monitoring profile', () => {
  it('is set by the owning department’s app manager, audited with before and after, and read by the department’s readers', async () => {
    const id = await newApp();
    expectProblem(await t.http.get(`/v1/apps/${id}/monitoring`).set(await auth('rita')), 404, 'not_found');
    const res = await t.http
      .put(`/v1/apps/${id}/monitoring`)
      .set(await auth('rita'))
      .send(profile());
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ appId: id, clients: [monitor.clientId], setBy: 'rita' });
    for (const reader of ['aud', 'dora', 'erin']) {
      const read = await t.http
        .get(`/v1/apps/${id}/monitoring`)
        .set(await auth(reader))
        .expect(200);
      expect(read.body.thresholds).toEqual(profile().thresholds);
    }
    await t.http
      .put(`/v1/apps/${id}/monitoring`)
      .set(await auth('rita'))
      .send(profile({ clients: [], thresholds: [] }))
      .expect(200);
    const events = (await t.container.audit.list({ action: 'app.monitoring_set', objectId: id }, 10)) as Array<{
      details: Record<string, unknown>;
    }>;
    expect(events.map((e) => e.details)).toEqual([
      { before: { clients: [monitor.clientId], thresholds: profile().thresholds }, after: { clients: [], thresholds: [] } },
      { before: null, after: { clients: [monitor.clientId], thresholds: profile().thresholds } },
    ]);
  });

  it('is refused to other departments and to readers, writing nothing', async () => {
    const id = await newApp();
    const before = await auditCount();
    for (const who of ['carl', 'dora', 'aud', 'erin']) {
      expectProblem(
        await t.http
          .put(`/v1/apps/${id}/monitoring`)
          .set(await auth(who))
          .send(profile()),
        403,
        'forbidden',
      );
    }
    expectProblem(await t.http.get(`/v1/apps/${id}/monitoring`).set(await auth('carl')), 403, 'forbidden');
    expect(await auditCount()).toBe(before);
  });

  it('refuses unknown, vendor, unscoped or disabled clients and inconsistent thresholds with a 400 naming the field', async () => {
    const id = await newApp();
    await f.purpose('service_monitoring');
    const vendorId = await f.vendor({ purposes: ['service_monitoring'] });
    const unscoped = await machine(['app_monitor'], []);
    const disabled = await machine(['app_monitor'], ['app_signals']);
    await t.http
      .post(`/v1/clients/${disabled.clientId}/disable`)
      .set(await auth('root-admin'))
      .expect(200);
    const vendorClient = await t.http
      .post(`/v1/vendors/${vendorId}/clients`)
      .set(await auth('vm-factory'))
      .send({ name: 'Vendor monitor', scopes: ['app_signals'], tokenEndpointAuthMethod: 'client_secret_basic' });
    expect(vendorClient.status).toBe(201);
    const cases: Array<[Record<string, unknown>, string]> = [
      [profile({ clients: ['no-such-client'] }), 'body.clients.0'],
      [profile({ clients: [vendorClient.body.clientId as string] }), 'must be an internal client'],
      [profile({ clients: [unscoped.clientId] }), 'body.clients.0'],
      [profile({ clients: [monitor.clientId, disabled.clientId] }), 'body.clients.1'],
      [profile({ clients: ['bad client id'] }), 'body.clients.0'],
      [profile({ clients: Array.from({ length: 11 }, (_, i) => `c${i}`) }), 'body.clients'],
      [
        profile({
          thresholds: [
            { kind: 'availability', windowMinutes: 60, warnBelowPercent: 99 },
            { kind: 'availability', windowMinutes: 30, warnBelowPercent: 98 },
          ],
        }),
        'body.thresholds.1.kind',
      ],
      [
        profile({ thresholds: [{ kind: 'availability', windowMinutes: 60, warnBelowPercent: 99, majorBelowPercent: 99.9 }] }),
        'body.thresholds.0.majorBelowPercent',
      ],
      [
        profile({ thresholds: [{ kind: 'security_alert', windowMinutes: 60, warnAtCount: 5, majorAtCount: 2 }] }),
        'body.thresholds.0.majorAtCount',
      ],
      [profile({ thresholds: [{ kind: 'security_alert', windowMinutes: 0, warnAtCount: 5 }] }), 'body.thresholds.0.windowMinutes'],
      [profile({ thresholds: [{ kind: 'security_alert', windowMinutes: 1441, warnAtCount: 5 }] }), 'body.thresholds.0.windowMinutes'],
      [profile({ thresholds: [{ kind: 'availability', windowMinutes: 60, warnBelowPercent: 101 }] }), 'body.thresholds.0.warnBelowPercent'],
      [profile({ thresholds: [{ kind: 'latency', windowMinutes: 60, warnAtCount: 1 }] }), 'body.thresholds.0.kind'],
      [profile({ extra: true }), 'body'],
    ];
    const before = await auditCount();
    for (const [body, path] of cases) {
      const res = await t.http
        .put(`/v1/apps/${id}/monitoring`)
        .set(await auth('rita'))
        .send(body);
      expectProblem(res, 400);
      expect(`${JSON.stringify(res.body.errors)} ${res.body.detail}`).toContain(path);
    }
    expect(await auditCount()).toBe(before);
    expect(await rows('app_monitoring', id)).toBe(0);
  });
});

describe('signals', () => {
  it('are pushed by a named monitoring client, audited in the same transaction, and listed for the department’s readers', async () => {
    const id = await monitoredApp();
    const res = await push(monitor.token, id, availability(5, 99.9));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      signal: { appId: id, kind: 'availability', availabilityPercent: 99.9, recordedBy: monitor.clientId, recordedByType: 'client' },
      warning: null,
    });
    const [event] = (await t.container.audit.list({ action: 'app.signal_recorded', objectId: res.body.signal.id }, 1)) as Array<{
      actorType: string;
      actorId: string;
    }>;
    expect(event).toMatchObject({ actorType: 'client', actorId: monitor.clientId });
    const list = await t.http
      .get(`/v1/apps/${id}/signals`)
      .set(await auth('aud'))
      .expect(200);
    expect(list.body.items.map((s: { id: string }) => s.id)).toEqual([res.body.signal.id]);
    expectProblem(await t.http.get(`/v1/apps/${id}/signals`).set(await auth('carl')), 403, 'forbidden');
  });

  it('are refused from a client the app does not name, a client without the scope, a staff token, and for an app without a profile', async () => {
    const id = await monitoredApp();
    const unprofiled = await newApp();
    const before = await auditCount();
    expectProblem(await push(stranger.token, id, alert(1)), 403, 'signal_source_not_allowed');
    expectProblem(await push(pep.token, id, alert(1)), 403, 'forbidden');
    expectProblem(await push(await t.staffToken('rita'), id, alert(1)), 401);
    expectProblem(await push(monitor.token, unprofiled, alert(1)), 409, 'monitoring_not_configured');
    expectProblem(await push(monitor.token, '00000000-0000-4000-8000-000000000000', alert(1)), 404);
    expect(await auditCount()).toBe(before);
    expect(await rows('app_signals', id)).toBe(0);
  });

  it('bound everything they carry: kinds, fields, sizes, percentages and time, refusing the rest with a 400 and writing nothing', async () => {
    const id = await monitoredApp();
    const bad: unknown[] = [
      { ...alert(1), alertType: 'Credential Stuffing' },
      { ...alert(1), alertType: 'x'.repeat(65) },
      { ...alert(1), summary: 'y'.repeat(501) },
      { ...alert(1), summary: 'hidden\u202Etext' },
      { ...alert(1), reference: 'r'.repeat(201) },
      { ...alert(1), availabilityPercent: 50 },
      { ...alert(1), customer: '110101199003071234' },
      { ...availability(1, 50), alertType: 'outage' },
      availability(1, 100.01),
      availability(1, -1),
      { kind: 'availability', observedAt: minutesAgo(1), availabilityPercent: '99' },
      { ...alert(0), observedAt: new Date(Date.now() + 10 * 60_000).toISOString() },
      alert(25 * 60),
      { ...alert(1), observedAt: 'yesterday' },
      { kind: 'latency', observedAt: minutesAgo(1) },
      [alert(1), alert(2)],
    ];
    const before = await auditCount();
    for (const body of bad) expectProblem(await push(monitor.token, id, body), 400);
    expect(await auditCount()).toBe(before);
    expect(await rows('app_signals', id)).toBe(0);
  });

  it('are limited per app: past the limit a 429 with Retry-After, and nothing written', async () => {
    const id = await monitoredApp(profile({ thresholds: [] }));
    for (let i = 0; i < PER_APP; i += 1) expect((await push(monitor.token, id, availability(30 - i, 100))).status).toBe(201);
    const before = await auditCount();
    const refused = await push(monitor.token, id, availability(1, 100));
    expectProblem(refused, 429, 'rate_limited');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(await auditCount()).toBe(before);
    expect(await rows('app_signals', id)).toBe(PER_APP);
  });

  it('may be recorded by hand by the owning department’s app managers, never by readers or other departments', async () => {
    const id = await monitoredApp();
    const res = await t.http
      .post(`/v1/apps/${id}/signals`)
      .set(await auth('rita'))
      .send(alert(3, { summary: 'Brute force against the login API' }));
    expect(res.status).toBe(201);
    expect(res.body.signal).toMatchObject({ recordedBy: 'rita', recordedByType: 'staff', summary: 'Brute force against the login API' });
    for (const who of ['carl', 'dora', 'aud']) {
      expectProblem(
        await t.http
          .post(`/v1/apps/${id}/signals`)
          .set(await auth(who))
          .send(alert(2)),
        403,
        'forbidden',
      );
    }
    expect(await rows('app_signals', id)).toBe(1);
  });
});

describe('warnings', () => {
  it('are raised when alerts within the window reach the threshold, once per severity while open, and escalate to major', async () => {
    const id = await monitoredApp();
    const severities: Array<string | null> = [];
    for (const m of [50, 40, 30, 20, 10, 5]) {
      const res = await push(monitor.token, id, alert(m));
      expect(res.status).toBe(201);
      severities.push(res.body.warning?.severity ?? null);
    }
    expect(severities).toEqual([null, null, 'minor', null, 'major', null]);
    const warnings = await t.http
      .get(`/v1/apps/${id}/warnings?acknowledged=false`)
      .set(await auth('aud'))
      .expect(200);
    expect(
      warnings.body.items.map((w: { severity: string; observed: number; level: number; signalCount: number }) => [
        w.severity,
        w.observed,
        w.level,
      ]),
    ).toEqual([
      ['major', 5, 5],
      ['minor', 3, 3],
    ]);
    const raised = (await t.container.audit.list({ action: 'app.warning_raised' }, 100)) as unknown as Array<{
      details: { appId: string };
    }>;
    expect(raised.filter((e) => e.details.appId === id)).toHaveLength(2);
  });

  it('look only at the window: alerts spread wider than it never raise one', async () => {
    const id = await monitoredApp(profile({ thresholds: [{ kind: 'security_alert', windowMinutes: 10, warnAtCount: 3 }] }));
    for (const m of [200, 150, 100, 50, 1]) expect((await push(monitor.token, id, alert(m))).body.warning).toBeNull();
  });

  it('are raised when the mean availability over the window falls below the level', async () => {
    const id = await monitoredApp();
    expect((await push(monitor.token, id, availability(30, 100))).body.warning).toBeNull();
    const minor = await push(monitor.token, id, availability(20, 98.5));
    expect(minor.body.warning).toMatchObject({ kind: 'availability', severity: 'minor', observed: 99.25, level: 99.5, signalCount: 2 });
    const major = await push(monitor.token, id, availability(10, 40));
    expect(major.body.warning).toMatchObject({ severity: 'major', level: 95, signalCount: 3 });
  });

  it('are acknowledged once, with a note, by the owning department’s app managers; a new one follows only after the window', async () => {
    const id = await monitoredApp(profile({ thresholds: [{ kind: 'security_alert', windowMinutes: 30, warnAtCount: 1 }] }));
    const first = (await push(monitor.token, id, alert(100))).body.warning as { id: string };
    expect(first).not.toBeNull();
    const path = `/v1/apps/${id}/warnings/${first.id}/acknowledge`;
    for (const who of ['carl', 'aud', 'dora']) {
      expectProblem(
        await t.http
          .post(path)
          .set(await auth(who))
          .send({ note: 'Seen' }),
        403,
        'forbidden',
      );
    }
    for (const body of [{}, { note: '' }, { note: 'n'.repeat(2001) }, { note: 'ok', by: 'someone' }]) {
      expectProblem(
        await t.http
          .post(path)
          .set(await auth('rita'))
          .send(body),
        400,
      );
    }
    expectProblem(
      await t.http
        .post(`/v1/apps/${id}/warnings/00000000-0000-4000-8000-000000000000/acknowledge`)
        .set(await auth('rita'))
        .send({ note: 'Seen' }),
      404,
    );
    // While it is unacknowledged, no second warning of the same kind.
    expect((await push(monitor.token, id, alert(50))).body.warning).toBeNull();
    const ack = await t.http
      .post(path)
      .set(await auth('rita'))
      .send({ note: 'Blocked the source addresses at the WAF' });
    expect(ack.status).toBe(200);
    expect(ack.body).toMatchObject({ acknowledgedBy: 'rita', acknowledgementNote: 'Blocked the source addresses at the WAF' });
    expectProblem(
      await t.http
        .post(path)
        .set(await auth('rita'))
        .send({ note: 'Again' }),
      409,
      'warning_already_acknowledged',
    );
    const [event] = (await t.container.audit.list({ action: 'app.warning_acknowledged', objectId: first.id }, 1)) as Array<{
      actorId: string;
    }>;
    expect(event.actorId).toBe('rita');
    // Acknowledged, and its window is over: an alert now raises a new warning.
    expect((await push(monitor.token, id, alert(1))).body.warning).toMatchObject({ severity: 'minor' });
  });
});

describe('a signal and the warning it raises', () => {
  it('commit with their audit events or not at all: an audit failure on the warning leaves neither the signal nor the warning', async () => {
    const id = await monitoredApp(profile({ thresholds: [{ kind: 'security_alert', windowMinutes: 60, warnAtCount: 1 }] }));
    const audit = t.container.audit;
    const original = audit.record.bind(audit);
    const spy = jest.spyOn(audit, 'record').mockImplementation(async (trx, ctx, ...changes) => {
      if (changes.some((c) => c.action === 'app.warning_raised')) throw new Error('audit log unavailable');
      return original(trx, ctx, ...changes);
    });
    try {
      expectProblem(await push(monitor.token, id, alert(1)), 500);
    } finally {
      spy.mockRestore();
    }
    expect(await rows('app_signals', id)).toBe(0);
    expect(await rows('app_warnings', id)).toBe(0);
    const res = await push(monitor.token, id, alert(1));
    expect(res.body.warning).toMatchObject({ severity: 'minor', signalCount: 1 });
  });
});
