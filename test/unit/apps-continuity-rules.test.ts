import crypto from 'node:crypto';
import { FakeAppStore } from '../../services/apps/fake-store';
import { ContinuityComplianceFacts } from '../../services/apps/continuity';
import { FakeContinuityStore } from '../../services/apps/continuity/fake-store';
import type { CreateOutage, SetContinuity } from '../../services/apps/continuity/schemas';
import { ContinuityService } from '../../services/apps/continuity/service';
import type { ChangeContext } from '../../services/audit';
import { ManualClock } from '../../services/platform/clock';
import { putApp } from '../fakes/apps';
import { FakeTransactor, RecordingAudit, problemCode, problemOf, staff } from '../fakes/ports';

const NOW = '2026-06-15T08:00:00.000Z';
const DAY = 86_400_000;

const profile = (over: Partial<SetContinuity> = {}): SetContinuity => ({
  tier: 'critical',
  rtoMinutes: 60,
  rpoMinutes: 15,
  planReference: 'BCP-2026-07',
  lastDrill: { on: '2026-05-16', result: 'passed' },
  ...over,
});

function world(now = NOW) {
  const clock = new ManualClock(now);
  const daysAgo = (n: number) => new Date(clock.now().getTime() - n * DAY);
  const dateDaysAgo = (n: number) => daysAgo(n).toISOString().slice(0, 10);
  const tx = new FakeTransactor();
  const audit = new RecordingAudit();
  const apps = new FakeAppStore();
  const store = new FakeContinuityStore(apps);
  const service = new ContinuityService(tx, apps, store, audit, clock);
  const compliance = new ContinuityComplianceFacts(store, clock);
  const app = putApp(apps);
  /** An outage that started `startDaysAgo` days ago and lasted `minutes`. */
  const outage = (startDaysAgo: number, minutes: number): CreateOutage => {
    const start = daysAgo(startDaysAgo);
    return {
      startedAt: start.toISOString(),
      endedAt: new Date(start.getTime() + minutes * 60_000).toISOString(),
      impact: 'Mobile banking login unavailable',
      cause: 'Database failover',
    };
  };
  return { clock, dateDaysAgo, daysAgo, tx, audit, apps, store, service, compliance, app, outage };
}

describe('an app’s continuity profile (in memory)', () => {
  it('is set with who and when, audited with before and after in its transaction, and read back', async () => {
    const { service, app, audit, tx } = world();
    expect((await problemOf(service.get(app.id))).toProblem()).toMatchObject({ status: 404, code: 'not_found' });
    await expect(service.set(staff('rita'), app.id, profile())).resolves.toEqual({
      appId: app.id,
      ...profile(),
      drillCurrent: true,
      setBy: 'rita',
      setAt: NOW,
    });
    expect(await service.get(app.id)).toMatchObject({ planReference: 'BCP-2026-07', drillCurrent: true });
    const general = await service.set(staff('rita'), app.id, profile({ tier: 'general', lastDrill: null }));
    expect(general).toMatchObject({ tier: 'general', lastDrill: null, drillCurrent: false });
    const facts = (p: SetContinuity) => ({
      tier: p.tier,
      rtoMinutes: p.rtoMinutes,
      rpoMinutes: p.rpoMinutes,
      planReference: p.planReference,
      lastDrill: p.lastDrill,
    });
    expect(audit.events).toEqual([
      expect.objectContaining({ action: 'app.continuity_set', objectType: 'app', objectId: app.id, actorId: 'rita' }),
      expect.objectContaining({ action: 'app.continuity_set', objectType: 'app', objectId: app.id, actorId: 'rita' }),
    ]);
    expect(audit.events.map((e) => e.details)).toEqual([
      { before: null, after: facts(profile()) },
      { before: facts(profile()), after: facts(profile({ tier: 'general', lastDrill: null })) },
    ]);
    expect(tx.transactions).toBe(2);
  });

  it('counts the drill current while a passed one is within the last 12 months, as the clock moves', async () => {
    const { service, app, clock } = world();
    const current = async (lastDrill: SetContinuity['lastDrill']) =>
      (await service.set(staff('rita'), app.id, profile({ lastDrill }))).drillCurrent;
    expect(await current({ on: '2025-06-15', result: 'passed' })).toBe(true);
    expect(await current({ on: '2025-06-14', result: 'passed' })).toBe(false);
    expect(await current({ on: '2026-06-05', result: 'failed' })).toBe(false);
    expect(await current(null)).toBe(false);
    await service.set(staff('rita'), app.id, profile({ lastDrill: { on: '2025-08-20', result: 'passed' } }));
    expect((await service.get(app.id)).drillCurrent).toBe(true);
    clock.advance(70 * DAY);
    expect((await service.get(app.id)).drillCurrent).toBe(false);
  });

  it('refuses a drill in the future, though a date that is today somewhere (UTC+14) is not; writes nothing', async () => {
    // 12:00 UTC: already the 16th in UTC+14.
    const { service, app, audit, store } = world('2026-06-15T12:00:00.000Z');
    for (const on of ['2026-06-17', '2026-06-18']) {
      const problem = await problemOf(service.set(staff('rita'), app.id, profile({ lastDrill: { on, result: 'passed' } })));
      expect(problem.toProblem()).toMatchObject({
        status: 400,
        code: 'validation_failed',
        errors: [{ path: 'body.lastDrill.on', message: 'must not be in the future' }],
      });
    }
    expect(audit.events).toHaveLength(0);
    expect(store.profiles.size).toBe(0);
    await expect(service.set(staff('rita'), app.id, profile({ lastDrill: { on: '2026-06-16', result: 'passed' } }))).resolves.toMatchObject(
      {
        drillCurrent: true,
      },
    );
  });

  it('answers 404 for an unknown app, 409 for a retired one (profile and outages), and is staff’s to change', async () => {
    const { service, apps, audit, outage } = world();
    const unknown = crypto.randomUUID();
    expect((await problemOf(service.set(staff('amy'), unknown, profile()))).toProblem()).toMatchObject({ status: 404, code: 'not_found' });
    expect(await problemCode(service.get(unknown))).toBe('not_found');
    expect(await problemCode(service.listOutages(unknown, { limit: 10 }))).toBe('not_found');
    const retired = putApp(apps, { lifecycleState: 'retired' });
    expect((await problemOf(service.set(staff('amy'), retired.id, profile()))).toProblem()).toMatchObject({
      status: 409,
      code: 'app_retired',
    });
    expect((await problemOf(service.recordOutage(staff('amy'), retired.id, outage(1, 5)))).toProblem()).toMatchObject({
      status: 409,
      code: 'app_retired',
    });
    const client: ChangeContext = {
      actor: { kind: 'client', clientId: 'c-1', roles: [], scopes: [], vendorId: null, tokenId: 't-1' },
      requestId: null,
    };
    expect(await problemCode(service.set(client, putApp(apps).id, profile()))).toBe('forbidden');
    expect(audit.events).toHaveLength(0);
  });
});

describe('outages against the RTO (in memory)', () => {
  it('need a profile first; each is flagged against the RTO in force when recorded, audited, and listed newest first', async () => {
    const { service, app, audit, outage } = world();
    expect((await problemOf(service.recordOutage(staff('rita'), app.id, outage(1, 5)))).toProblem()).toMatchObject({
      status: 409,
      code: 'continuity_profile_missing',
    });
    expect(audit.events).toHaveLength(0);
    await service.set(staff('rita'), app.id, profile({ rtoMinutes: 30 }));
    const within = await service.recordOutage(staff('rita'), app.id, outage(3, 30));
    expect(within).toMatchObject({
      appId: app.id,
      durationMinutes: 30,
      rtoMinutes: 30,
      exceedsRto: false,
      impact: 'Mobile banking login unavailable',
      recordedBy: 'rita',
      recordedAt: NOW,
    });
    const beyond = await service.recordOutage(staff('rita'), app.id, outage(2, 31));
    expect(beyond).toMatchObject({ durationMinutes: 31, exceedsRto: true });
    // Fractions of a minute are kept.
    expect((await service.recordOutage(staff('rita'), app.id, outage(10, 1.5))).durationMinutes).toBe(1.5);
    // A later, looser RTO does not excuse an outage recorded under the stricter one.
    await service.set(staff('rita'), app.id, profile({ rtoMinutes: 240 }));
    const page = await service.listOutages(app.id, { limit: 2 });
    expect(page.items.map((o) => [o.id, o.exceedsRto])).toEqual([
      [beyond.id, true],
      [within.id, false],
    ]);
    expect((await service.listOutages(app.id, { limit: 10, exceedsRto: 'true' })).items.map((o) => o.id)).toEqual([beyond.id]);
    expect((await service.listOutages(app.id, { limit: 10, exceedsRto: 'false' })).items).toHaveLength(2);
    const last = await service.listOutages(app.id, { limit: 2, cursor: page.nextCursor ?? undefined });
    expect([last.items.map((o) => o.durationMinutes), last.nextCursor]).toEqual([[1.5], null]);
    expect(audit.events.find((e) => e.objectId === beyond.id)).toMatchObject({
      action: 'app.outage_recorded',
      objectType: 'app_outage',
      actorId: 'rita',
      details: { appId: app.id, startedAt: beyond.startedAt, endedAt: beyond.endedAt, rtoMinutes: 30, exceedsRto: true },
    });
  });

  it('refuses an end not after the start, or in the future; one ending now is recorded', async () => {
    const { service, app, audit, store, outage, clock } = world();
    await service.set(staff('rita'), app.id, profile());
    audit.events.length = 0;
    const o = outage(1, 5);
    const cases: Array<[CreateOutage, string]> = [
      [{ ...o, endedAt: o.startedAt }, 'must be after startedAt'],
      [{ ...o, endedAt: new Date(Date.parse(o.startedAt) - 60_000).toISOString() }, 'must be after startedAt'],
      [{ ...o, endedAt: new Date(clock.now().getTime() + DAY).toISOString() }, 'must not be in the future'],
      [{ ...o, endedAt: new Date(clock.now().getTime() + 1).toISOString() }, 'must not be in the future'],
    ];
    for (const [body, message] of cases) {
      expect((await problemOf(service.recordOutage(staff('rita'), app.id, body))).toProblem()).toMatchObject({
        status: 400,
        code: 'validation_failed',
        errors: [{ path: 'body.endedAt', message }],
      });
    }
    expect(store.outages).toHaveLength(0);
    expect(audit.events).toHaveLength(0);
    await expect(service.recordOutage(staff('rita'), app.id, { ...o, endedAt: NOW })).resolves.toMatchObject({ endedAt: NOW });
  });
});

describe('continuity compliance facts (in memory)', () => {
  it('examine critical and important apps not retired; those without a passed drill within 12 months offend, by name', async () => {
    const { service, compliance, apps, dateDaysAgo, clock } = world();
    const named = (name: string) => putApp(apps, { name }).id;
    const drilled = named('Alpha');
    const stale = named('Bravo');
    const failed = named('Charlie');
    const never = named('Delta');
    const general = named('Echo');
    const retired = named('Foxtrot');
    named('Golf'); // no profile: not examined
    await service.set(staff('carl'), drilled, profile({ tier: 'important', lastDrill: { on: dateDaysAgo(300), result: 'passed' } }));
    await service.set(staff('carl'), stale, profile({ lastDrill: { on: dateDaysAgo(400), result: 'passed' } }));
    await service.set(staff('carl'), failed, profile({ lastDrill: { on: dateDaysAgo(10), result: 'failed' } }));
    await service.set(staff('carl'), never, profile({ tier: 'important', lastDrill: null }));
    await service.set(staff('carl'), general, profile({ tier: 'general', lastDrill: null }));
    await service.set(staff('carl'), retired, profile({ lastDrill: null }));
    const app = apps.apps.get(retired);
    if (app) app.lifecycleState = 'retired';
    expect((await service.get(stale)).drillCurrent).toBe(false);
    expect(await compliance.withoutRecentDrill()).toEqual({ examined: 4, count: 3, examples: [stale, failed, never] });
    // Two months on, the drill 300 days ago is past 12 months too.
    clock.advance(70 * DAY);
    expect(await compliance.withoutRecentDrill()).toEqual({ examined: 4, count: 4, examples: [drilled, stale, failed, never] });
  });

  it('list the outages that started in the period, and those longer than their RTO, the longest overrun first', async () => {
    const { service, compliance, app, outage, daysAgo, clock } = world();
    await service.set(staff('carl'), app.id, profile({ rtoMinutes: 20 }));
    const late = await service.recordOutage(staff('carl'), app.id, outage(5, 90));
    const later = await service.recordOutage(staff('carl'), app.id, outage(6, 50));
    const quick = await service.recordOutage(staff('carl'), app.id, outage(4, 10));
    const old = await service.recordOutage(staff('carl'), app.id, outage(200, 100));
    const to = new Date(clock.now().getTime() + DAY);
    expect(await compliance.rtoBreaches({ from: daysAgo(30), to })).toEqual({ examined: 3, count: 2, examples: [late.id, later.id] });
    // The period includes its start and excludes its end.
    expect(await compliance.rtoBreaches({ from: new Date(late.startedAt), to: new Date(quick.startedAt) })).toEqual({
      examined: 1,
      count: 1,
      examples: [late.id],
    });
    expect((await compliance.rtoBreaches({ from: daysAgo(400), to })).examples).toEqual([old.id, late.id, later.id]);
    expect(await compliance.rtoBreaches({ from: new Date('2000-01-01'), to: new Date('2000-02-01') })).toEqual({
      examined: 0,
      count: 0,
      examples: [],
    });
  });
});
