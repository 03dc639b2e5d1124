import crypto from 'node:crypto';
import { FakeAppStore } from '../../services/apps/fake-store';
import { FakeMonitoringStore } from '../../services/apps/monitoring/fake-store';
import type { RecordSignal, SetMonitoring } from '../../services/apps/monitoring/schemas';
import { MonitoringService } from '../../services/apps/monitoring/service';
import type { ChangeContext } from '../../services/audit';
import { ManualClock } from '../../services/platform/clock';
import { putApp } from '../fakes/apps';
import { FakeTransactor, RecordingAudit, problemCode, problemOf, staff } from '../fakes/ports';

const NOW = '2026-06-15T08:00:00.000Z';
const MONITOR = 'mon-1';

const client = (clientId: string): ChangeContext => ({
  actor: { kind: 'client', clientId, roles: ['app_monitor'], scopes: ['app_signals'], vendorId: null, tokenId: 't-1' },
  requestId: 'req-test',
});

const profile = (over: Partial<SetMonitoring> = {}): SetMonitoring => ({
  clients: [MONITOR],
  thresholds: [
    { kind: 'availability', windowMinutes: 60, warnBelowPercent: 99.5, majorBelowPercent: 95 },
    { kind: 'security_alert', windowMinutes: 60, warnAtCount: 3, majorAtCount: 5 },
  ],
  ...over,
});

function world() {
  const clock = new ManualClock(NOW);
  const minutesAgo = (m: number) => new Date(clock.now().getTime() - m * 60_000).toISOString();
  const audit = new RecordingAudit();
  const apps = new FakeAppStore();
  const store = new FakeMonitoringStore();
  const clients = new Map([
    [MONITOR, { kind: 'internal', status: 'active', scopes: ['app_signals'] }],
    ['vendor-1', { kind: 'vendor', status: 'active', scopes: ['app_signals'] }],
    ['unscoped', { kind: 'internal', status: 'active', scopes: [] }],
    ['disabled', { kind: 'internal', status: 'disabled', scopes: ['app_signals'] }],
  ]);
  const consumed: string[] = [];
  const limit = {
    consume: async (appId: string, recorder: string) => {
      consumed.push(`${appId} ${recorder}`);
    },
  };
  const service = new MonitoringService(new FakeTransactor(), apps, store, audit, { find: async (id) => clients.get(id) }, limit, clock);
  const app = putApp(apps);
  const alert = (m: number): RecordSignal => ({ kind: 'security_alert', observedAt: minutesAgo(m), alertType: 'credential_stuffing' });
  const availability = (m: number, availabilityPercent: number): RecordSignal => ({
    kind: 'availability',
    observedAt: minutesAgo(m),
    availabilityPercent,
  });
  const monitored = async (body = profile()) => {
    const monitoredApp = putApp(apps);
    await service.setProfile(staff('rita'), monitoredApp.id, body);
    return monitoredApp.id;
  };
  const push = (appId: string, signal: RecordSignal) => service.recordSignal(client(MONITOR), appId, signal);
  return { clock, minutesAgo, audit, apps, store, service, app, consumed, alert, availability, monitored, push };
}

describe('an app’s monitoring profile (in memory)', () => {
  it('is set with who and when, audited with before and after, and read back', async () => {
    const { service, app, audit } = world();
    expect(await problemCode(service.profile(app.id))).toBe('not_found');
    await expect(service.setProfile(staff('rita'), app.id, profile({ clients: [MONITOR, MONITOR] }))).resolves.toMatchObject({
      appId: app.id,
      clients: [MONITOR],
      setBy: 'rita',
      setAt: NOW,
    });
    expect((await service.profile(app.id)).thresholds).toEqual(profile().thresholds);
    await service.setProfile(staff('rita'), app.id, profile({ clients: [], thresholds: [] }));
    expect(audit.events.map((e) => e.details)).toEqual([
      { before: null, after: { clients: [MONITOR], thresholds: profile().thresholds } },
      { before: { clients: [MONITOR], thresholds: profile().thresholds }, after: { clients: [], thresholds: [] } },
    ]);
  });

  it('refuses unknown, vendor, unscoped or disabled clients and inconsistent thresholds, naming the field; a retired app', async () => {
    const { service, app, apps, audit, store } = world();
    const cases: Array<[SetMonitoring, string]> = [
      [profile({ clients: ['no-such-client'] }), 'body.clients.0'],
      [profile({ clients: ['vendor-1'] }), 'must be an internal client'],
      [profile({ clients: ['unscoped'] }), 'body.clients.0'],
      [profile({ clients: [MONITOR, 'disabled'] }), 'body.clients.1'],
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
        profile({ thresholds: [{ kind: 'security_alert', windowMinutes: 60, warnAtCount: 5, majorAtCount: 2 }] }),
        'body.thresholds.0.majorAtCount',
      ],
    ];
    for (const [body, path] of cases) {
      const problem = await problemOf(service.setProfile(staff('rita'), app.id, body));
      expect(problem.code).toBe('validation_failed');
      expect(`${JSON.stringify(problem.toProblem().errors)} ${problem.message}`).toContain(path);
    }
    expect(audit.events).toHaveLength(0);
    expect(store.profiles.size).toBe(0);
    expect(await problemCode(service.setProfile(staff('rita'), putApp(apps, { lifecycleState: 'retired' }).id, profile()))).toBe(
      'app_retired',
    );
  });
});

describe('signals (in memory)', () => {
  it('are recorded by a named client, counted against the limits first, audited, and listed newest first', async () => {
    const { service, monitored, push, availability, audit, consumed, clock } = world();
    const id = await monitored();
    audit.events.length = 0;
    const first = await push(id, availability(5, 99.9));
    expect(first).toMatchObject({
      signal: {
        appId: id,
        kind: 'availability',
        availabilityPercent: 99.9,
        alertType: null,
        recordedBy: MONITOR,
        recordedByType: 'client',
        recordedAt: NOW,
      },
      warning: null,
    });
    expect(consumed).toEqual([`${id} client:${MONITOR}`]);
    expect(audit.events).toEqual([
      expect.objectContaining({ action: 'app.signal_recorded', objectId: first.signal.id, actorType: 'client', actorId: MONITOR }),
    ]);
    clock.advance(1000);
    const byHand = await service.recordSignal(staff('rita'), id, {
      kind: 'security_alert',
      observedAt: NOW,
      alertType: 'tampering',
      summary: 'Repackaged build',
    });
    expect(byHand.signal).toMatchObject({
      recordedBy: 'rita',
      recordedByType: 'staff',
      summary: 'Repackaged build',
      availabilityPercent: null,
    });
    const seeded = await service.recordSignal({ actor: { kind: 'system', name: 'seed' }, requestId: null }, id, availability(1, 100));
    expect(seeded.signal.recordedBy).toBe('system:seed');
    expect((await service.listSignals(id, { limit: 10, kind: 'availability' })).items.map((s) => s.id)).toEqual([
      seeded.signal.id,
      first.signal.id,
    ]);
  });

  it('are refused from a client the app does not name, from the public, for an app without a profile, and out of time', async () => {
    const { service, app, monitored, push, alert, minutesAgo, audit, store } = world();
    const id = await monitored();
    audit.events.length = 0;
    expect((await problemOf(service.recordSignal(client('stranger'), id, alert(1)))).toProblem()).toMatchObject({
      status: 403,
      code: 'signal_source_not_allowed',
    });
    expect(
      await problemCode(service.recordSignal({ actor: { kind: 'public', address: '203.0.113.9' }, requestId: null }, id, alert(1))),
    ).toBe('forbidden');
    expect(await problemCode(push(app.id, alert(1)))).toBe('monitoring_not_configured');
    expect(await problemCode(push(crypto.randomUUID(), alert(1)))).toBe('not_found');
    // A little ahead of our clock is drift; ten minutes is the future; over a day old is history.
    await expect(push(id, { ...alert(0), observedAt: new Date(Date.parse(NOW) + 30_000).toISOString() })).resolves.toBeDefined();
    for (const observedAt of [new Date(Date.parse(NOW) + 10 * 60_000).toISOString(), minutesAgo(25 * 60)]) {
      const problem = await problemOf(push(id, { ...alert(0), observedAt }));
      expect(problem.toProblem()).toMatchObject({ code: 'validation_failed', errors: [{ path: 'body.observedAt' }] });
    }
    expect(store.signals).toHaveLength(1);
    expect(audit.actions()).toEqual(['app.signal_recorded']);
  });
});

describe('warnings (in memory)', () => {
  it('are raised when alerts within the window reach the threshold, once per severity while open, and escalate to major', async () => {
    const { monitored, push, alert, audit, service, clock } = world();
    const id = await monitored();
    const severities: Array<string | null> = [];
    for (const m of [50, 40, 30, 20, 10, 5]) {
      // Each signal arrives a second after the last: warnings raised at the same instant have no defined order.
      clock.advance(1000);
      severities.push((await push(id, alert(m))).warning?.severity ?? null);
    }
    expect(severities).toEqual([null, null, 'minor', null, 'major', null]);
    const open = await service.listWarnings(id, { limit: 10, acknowledged: 'false' });
    expect(open.items.map((w) => [w.severity, w.observed, w.level])).toEqual([
      ['major', 5, 5],
      ['minor', 3, 3],
    ]);
    expect(audit.events.filter((e) => e.action === 'app.warning_raised').map((e) => e.details.severity)).toEqual(['minor', 'major']);
  });

  it('look only at the window: alerts spread wider than it never raise one', async () => {
    const { monitored, push, alert } = world();
    const id = await monitored(profile({ thresholds: [{ kind: 'security_alert', windowMinutes: 10, warnAtCount: 3 }] }));
    for (const m of [200, 150, 100, 50, 1]) expect((await push(id, alert(m))).warning).toBeNull();
  });

  it('are raised when the mean availability over the window falls below the level', async () => {
    const { monitored, push, availability } = world();
    const id = await monitored();
    expect((await push(id, availability(30, 100))).warning).toBeNull();
    expect((await push(id, availability(20, 98.5))).warning).toMatchObject({
      kind: 'availability',
      severity: 'minor',
      observed: 99.25,
      level: 99.5,
      signalCount: 2,
    });
    expect((await push(id, availability(10, 40))).warning).toMatchObject({ severity: 'major', level: 95, signalCount: 3 });
  });

  it('are acknowledged once, with a note; a new one follows only after the window', async () => {
    const { service, monitored, push, alert, audit } = world();
    const id = await monitored(profile({ thresholds: [{ kind: 'security_alert', windowMinutes: 30, warnAtCount: 1 }] }));
    const first = (await push(id, alert(100))).warning;
    expect(first).toMatchObject({ severity: 'minor', windowMinutes: 30, signalCount: 1 });
    if (!first) throw new Error('no warning');
    expect(await problemCode(service.acknowledge(staff('rita'), id, crypto.randomUUID(), { note: 'Seen' }))).toBe('not_found');
    // While it is unacknowledged, no second warning of the same kind.
    expect((await push(id, alert(50))).warning).toBeNull();
    const ack = await service.acknowledge(staff('rita'), id, first.id, { note: 'Blocked the source addresses at the WAF' });
    expect(ack).toMatchObject({
      acknowledgedBy: 'rita',
      acknowledgedAt: NOW,
      acknowledgementNote: 'Blocked the source addresses at the WAF',
    });
    expect(await problemCode(service.acknowledge(staff('rita'), id, first.id, { note: 'Again' }))).toBe('warning_already_acknowledged');
    expect(audit.events.filter((e) => e.action === 'app.warning_acknowledged')).toEqual([
      expect.objectContaining({ actorId: 'rita', objectId: first.id, details: expect.objectContaining({ severity: 'minor' }) }),
    ]);
    expect((await service.listWarnings(id, { limit: 10, acknowledged: 'true' })).items.map((w) => w.id)).toEqual([first.id]);
    // Acknowledged, and its window is over: an alert now raises a new warning.
    expect((await push(id, alert(1))).warning).toMatchObject({ severity: 'minor' });
  });
});
