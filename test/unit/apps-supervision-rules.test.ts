import crypto from 'node:crypto';
import { FakeAppStore } from '../../services/apps/fake-store';
import { FakeAccountabilityEvents } from '../../services/apps/supervision/events-fake-store';
import { FakeSupervisionStore } from '../../services/apps/supervision/fake-store';
import type {
  CreateInspectionFinding,
  CreateRectificationItem,
  RecordAccountabilityDecision,
} from '../../services/apps/supervision/schemas';
import { SupervisionService } from '../../services/apps/supervision/service';
import { ManualClock } from '../../services/platform/clock';
import { departments, inFakeTransaction, putApp } from '../fakes/apps';
import { FakeTransactor, RecordingAudit, problemCode, problemOf, staff } from '../fakes/ports';

const NOW = '2026-06-15T08:00:00.000Z';
const DAY = 86_400_000;

function world() {
  const clock = new ManualClock(NOW);
  const at = (days: number) => new Date(clock.now().getTime() + days * DAY).toISOString();
  const audit = new RecordingAudit();
  const apps = new FakeAppStore();
  const store = new FakeSupervisionStore();
  const events = new FakeAccountabilityEvents(store, apps);
  const service = new SupervisionService(new FakeTransactor(), apps, store, events, audit, departments, clock);
  const app = putApp(apps, { name: 'Wallet' });
  const item = (over: Partial<CreateRectificationItem> = {}): CreateRectificationItem => ({
    action: 'Encrypt the session token at rest on the device',
    owner: 'olga',
    ownerDepartment: 'RETAIL',
    dueAt: at(30),
    ...over,
  });
  const finding = (over: Partial<CreateInspectionFinding> = {}): CreateInspectionFinding => ({
    inspection: 'off_site',
    inspector: 'regulator',
    inspectionReference: 'NFRA-OFFSITE-2026-17',
    inspectedOn: at(-3).slice(0, 10),
    title: 'Session token stored in plain text',
    description: 'The off-site review found the session token in plain text in the app sandbox.',
    rectifications: [item(), item({ action: 'Add a jailbreak check', owner: 'paul' })],
    ...over,
  });
  const decision = (
    subject: RecordAccountabilityDecision['subject'],
    over: Partial<RecordAccountabilityDecision> = {},
  ): RecordAccountabilityDecision => ({
    subject,
    accountable: { person: 'olga', department: 'RETAIL' },
    measure: 'criticism',
    description: 'Circulated criticism: the token storage was not reviewed before release',
    decidedOn: at(0).slice(0, 10),
    ...over,
  });
  /** A finding whose only item falls due in a day, then the clock moved two days on: the item is overdue. */
  const overdueItem = async (appId = app.id) => {
    const registered = await service.registerFinding(staff('rita'), appId, finding({ rectifications: [item({ dueAt: at(1) })] }));
    clock.advance(2 * DAY);
    return { findingId: registered.id, itemId: registered.rectifications[0].id };
  };
  return { clock, at, audit, apps, store, events, service, app, item, finding, decision, overdueItem };
}

describe('inspection findings and rectification (in memory)', () => {
  it('are registered with their open items, audited, and listed newest first', async () => {
    const { service, app, finding, audit, clock } = world();
    const registered = await service.registerFinding(staff('rita'), app.id, finding());
    expect(registered).toMatchObject({
      appId: app.id,
      inspection: 'off_site',
      inspector: 'regulator',
      recordedBy: 'rita',
      recordedAt: NOW,
    });
    expect(registered.rectifications.map((i) => [i.owner, i.status, i.closedLate])).toEqual([
      ['olga', 'open', null],
      ['paul', 'open', null],
    ]);
    expect(audit.events).toEqual([
      expect.objectContaining({ action: 'app.inspection_finding_registered', objectId: registered.id, actorId: 'rita' }),
    ]);
    expect((audit.events[0].details.rectifications as unknown[]).length).toBe(2);
    clock.advance(1000);
    const later = await service.registerFinding(staff('rita'), app.id, finding({ inspector: 'internal_audit' }));
    expect((await service.listFindings(app.id, { limit: 50 })).items.map((f) => f.id)).toEqual([later.id, registered.id]);
    expect((await service.listFindings(app.id, { limit: 50, inspector: 'regulator' })).items.map((f) => f.id)).toEqual([registered.id]);
    const page = await service.listFindings(app.id, { limit: 1 });
    expect((await service.listFindings(app.id, { limit: 1, cursor: page.nextCursor ?? undefined })).items.map((f) => f.id)).toEqual([
      registered.id,
    ]);
  });

  it('refuses an inspection in the future, an item due already or owned by an unknown department, and a retired or unknown app', async () => {
    const { service, app, apps, finding, item, at, audit, store, clock } = world();
    for (const [body, path] of [
      [finding({ inspectedOn: at(3).slice(0, 10) }), 'body.inspectedOn'],
      [finding({ rectifications: [item(), item({ dueAt: at(-1) })] }), 'body.rectifications.1.dueAt'],
      [finding({ rectifications: [item({ ownerDepartment: 'NOWHERE' })] }), 'body.rectifications.0.ownerDepartment'],
    ] as const) {
      const problem = await problemOf(service.registerFinding(staff('rita'), app.id, body));
      expect(problem.toProblem()).toMatchObject({ code: 'validation_failed', errors: [{ path }] });
    }
    expect(await problemCode(service.registerFinding(staff('rita'), putApp(apps, { lifecycleState: 'retired' }).id, finding()))).toBe(
      'app_retired',
    );
    expect(await problemCode(service.registerFinding(staff('rita'), crypto.randomUUID(), finding()))).toBe('not_found');
    expect(await problemCode(service.listFindings(crypto.randomUUID(), { limit: 1 }))).toBe('not_found');
    expect(audit.events).toHaveLength(0);
    expect(store.items).toHaveLength(0);
    // An inspection held "today" in UTC+14 is not in the future: at 20:00 UTC it is already the next day there.
    clock.set('2026-06-15T20:00:00.000Z');
    await expect(service.registerFinding(staff('rita'), app.id, finding({ inspectedOn: '2026-06-16' }))).resolves.toMatchObject({
      inspectedOn: '2026-06-16',
    });
    expect(await problemCode(service.registerFinding(staff('rita'), app.id, finding({ inspectedOn: '2026-06-17' })))).toBe(
      'validation_failed',
    );
  });

  it('add items to a finding of the app only, and close them once with evidence, never by their owner', async () => {
    const { service, app, apps, finding, item, audit } = world();
    const registered = await service.registerFinding(staff('rita'), app.id, finding());
    const added = await service.addItem(staff('rita'), app.id, registered.id, item({ action: 'Retest after the fix', owner: 'rita' }));
    expect(added).toMatchObject({ findingId: registered.id, owner: 'rita', status: 'open' });
    expect(audit.events.at(-1)).toMatchObject({ action: 'app.rectification_item_added', objectId: added.id });
    expect(await problemCode(service.addItem(staff('rita'), app.id, crypto.randomUUID(), item()))).toBe('not_found');
    expect(await problemCode(service.addItem(staff('rita'), putApp(apps).id, registered.id, item()))).toBe('not_found');
    const dueNow = await problemOf(service.addItem(staff('rita'), app.id, registered.id, item({ dueAt: NOW })));
    expect(dueNow.toProblem()).toMatchObject({ code: 'validation_failed', errors: [{ path: 'body.dueAt' }] });

    const olgas = registered.rectifications[0].id;
    const before = audit.events.length;
    expect((await problemOf(service.closeItem(staff('olga'), app.id, olgas, { evidence: 'x' }))).toProblem()).toMatchObject({
      status: 403,
      code: 'separation_of_duties',
      owner: 'olga',
    });
    expect(await problemCode(service.closeItem(staff('rita'), app.id, added.id, { evidence: 'x' }))).toBe('separation_of_duties');
    expect(audit.events).toHaveLength(before);
    const closed = await service.closeItem(staff('rita'), app.id, olgas, { evidence: 'Release 8.2.1, retest report RT-77' });
    expect(closed).toMatchObject({
      status: 'closed',
      closedBy: 'rita',
      closedAt: NOW,
      closedLate: false,
      evidence: 'Release 8.2.1, retest report RT-77',
    });
    expect(await problemCode(service.closeItem(staff('paul'), app.id, olgas, { evidence: 'again' }))).toBe('rectification_item_closed');
    expect(await problemCode(service.closeItem(staff('rita'), app.id, crypto.randomUUID(), { evidence: 'x' }))).toBe('not_found');
    expect(audit.events.at(-1)).toMatchObject({
      action: 'app.rectification_item_closed',
      objectId: olgas,
      details: { appId: app.id, findingId: registered.id, owner: 'olga', late: false },
    });
  });

  it('past their due date are overdue, hold the release back, and are closed late, also once the app is retired', async () => {
    const { service, app, apps, audit, overdueItem } = world();
    const gate = () => inFakeTransaction((trx) => service.releaseRequirements(trx, app.id));
    const { itemId } = await overdueItem();
    expect((await service.listFindings(app.id, { limit: 1 })).items[0].rectifications[0]).toMatchObject({ id: itemId, status: 'overdue' });
    expect(await gate()).toEqual([
      expect.objectContaining({
        requirement: 'rectification_overdue',
        rectificationItemId: itemId,
        detail: expect.stringContaining('olga'),
      }),
    ]);
    // Rectification outlives the app.
    apps.apps.set(app.id, { ...app, lifecycleState: 'retired' });
    const closed = await service.closeItem(staff('rita'), app.id, itemId, { evidence: 'Alert rule AL-12 in production' });
    expect(closed).toMatchObject({ status: 'closed', closedLate: true });
    expect(audit.events.at(-1)).toMatchObject({ details: { late: true } });
    expect(await gate()).toEqual([]);
  });
});

describe('accountability decisions (in memory)', () => {
  it('record who is held accountable for an inspection finding, by whom; never by the person held accountable', async () => {
    const { service, app, finding, decision, audit } = world();
    const subject = { kind: 'inspection_finding' as const, id: (await service.registerFinding(staff('rita'), app.id, finding())).id };
    const before = audit.events.length;
    expect((await problemOf(service.decide(staff('olga'), app.id, decision(subject)))).toProblem()).toMatchObject({
      status: 403,
      code: 'separation_of_duties',
      accountable: 'olga',
    });
    expect(audit.events).toHaveLength(before);
    const decided = await service.decide(staff('lena'), app.id, decision(subject));
    expect(decided).toMatchObject({
      appId: app.id,
      subject,
      accountable: { person: 'olga', department: 'RETAIL' },
      measure: 'criticism',
      decidedBy: 'lena',
      recordedAt: NOW,
    });
    expect(audit.events.at(-1)).toMatchObject({
      action: 'app.accountability_decided',
      objectId: decided.id,
      actorId: 'lena',
      details: { decision: decided },
    });
    expect((await service.listDecisions(app.id, { limit: 10 })).items).toEqual([decided]);
    expect(await problemCode(service.listDecisions(crypto.randomUUID(), { limit: 10 }))).toBe('not_found');
  });

  it('are recorded by the seed system actor too (a system decision has no person to compare)', async () => {
    const { service, app, finding, decision } = world();
    const findingId = (await service.registerFinding(staff('rita'), app.id, finding())).id;
    const system = { actor: { kind: 'system' as const, name: 'test' }, requestId: null };
    const d = await service.decide(system, app.id, decision({ kind: 'inspection_finding', id: findingId }));
    expect(d.decidedBy).toBe('system:test');
  });

  it('refuses a decision in the future, a measure without anyone accountable, an unknown department and a subject not of this app', async () => {
    const { service, app, apps, finding, decision, at, audit, store } = world();
    const subject = { kind: 'inspection_finding' as const, id: (await service.registerFinding(staff('rita'), app.id, finding())).id };
    const other = putApp(apps);
    const otherFinding = (await service.registerFinding(staff('rita'), other.id, finding())).id;
    const before = audit.events.length;
    for (const [body, path] of [
      [decision(subject, { accountable: null }), 'body.accountable'],
      [decision(subject, { accountable: { person: 'olga', department: 'NOWHERE' } }), 'body.accountable.department'],
      [decision(subject, { decidedOn: at(3).slice(0, 10) }), 'body.decidedOn'],
      [decision({ kind: 'inspection_finding', id: otherFinding }), 'body.subject.id'],
      [decision({ kind: 'inspection_finding', id: crypto.randomUUID() }), 'body.subject.id'],
    ] as const) {
      const problem = await problemOf(service.decide(staff('lena'), app.id, body));
      expect(problem.toProblem()).toMatchObject({ code: 'validation_failed', errors: [{ path }] });
    }
    expect(audit.events).toHaveLength(before);
    expect(store.decisions).toHaveLength(0);
    expect(await problemCode(service.decide(staff('lena'), crypto.randomUUID(), decision(subject)))).toBe('not_found');
  });

  it('are only for major events and overdue rectification; the app’s events show which are decided', async () => {
    const { service, app, finding, decision, events, overdueItem } = world();
    const openItem = (await service.registerFinding(staff('rita'), app.id, finding())).rectifications[0].id;
    const { findingId, itemId } = await overdueItem();
    const ids = { minor: crypto.randomUUID(), major: crypto.randomUUID(), internal: crypto.randomUUID(), regulator: crypto.randomUUID() };
    events.others.push(
      { kind: 'warning', id: ids.minor, appId: app.id, title: 'minor availability warning' },
      { kind: 'warning', id: ids.major, appId: app.id, title: 'major security alert warning', majorSince: '2026-06-16T00:00:00.000Z' },
      { kind: 'vulnerability', id: ids.internal, appId: app.id, title: 'Token in log' },
      { kind: 'vulnerability', id: ids.regulator, appId: app.id, title: 'Token in log', majorSince: '2026-06-13T00:00:00.000Z' },
    );
    for (const subject of [
      { kind: 'warning' as const, id: ids.minor },
      { kind: 'vulnerability' as const, id: ids.internal },
      { kind: 'rectification_item' as const, id: openItem },
    ]) {
      const problem = await problemOf(service.decide(staff('lena'), app.id, decision(subject)));
      expect(problem.toProblem()).toMatchObject({ status: 409, code: 'not_a_major_event' });
      expect(problem.message).toContain(subject.id);
    }
    const undecided = async () =>
      (await service.accountabilityEvents(app.id)).items
        .filter((e) => !e.decided)
        .map((e) => `${e.kind}:${e.id}`)
        .sort();
    const findings = (await service.listFindings(app.id, { limit: 10 })).items.map((f) => `inspection_finding:${f.id}`);
    expect(await undecided()).toEqual(
      [`warning:${ids.major}`, `vulnerability:${ids.regulator}`, `rectification_item:${itemId}`, ...findings].sort(),
    );
    for (const subject of [
      { kind: 'warning' as const, id: ids.major },
      { kind: 'vulnerability' as const, id: ids.regulator },
      { kind: 'rectification_item' as const, id: itemId },
    ])
      await service.decide(
        staff('lena'),
        app.id,
        decision(subject, { accountable: null, measure: 'no_measure', description: 'Looked into: a vendor defect' }),
      );
    expect(await undecided()).toEqual(findings.sort());
    expect(findings).toContain(`inspection_finding:${findingId}`);
  });
});
