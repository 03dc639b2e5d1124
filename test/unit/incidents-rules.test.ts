import { ContainmentService, type KillSwitch } from '../../services/incidents/containment';
import { FakeIncidentScopeStore, FakeIncidentStore } from '../../services/incidents/fake-store';
import type { CreateIncident, IncidentStatus, NotificationContent, RecordNotification } from '../../services/incidents/schemas';
import { IncidentService, type IncidentDirectory } from '../../services/incidents/service';
import { ManualClock } from '../../services/platform/clock';
import { NotFoundError, ValidationError } from '../../services/shared/errors';
import { FAKE_TRX, FakeTransactor, RecordingAudit, RecordingChangeFeed, problemCode, staff } from '../fakes/ports';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const HOURS = { critical: 1, high: 4, medium: 24, low: 72 };
const VENDOR = '00000000-0000-4000-8000-0000000000b1';
const OTHER_VENDOR = '00000000-0000-4000-8000-0000000000b2';
const GONE_VENDOR = '00000000-0000-4000-8000-0000000000b9';
const ASSET = '00000000-0000-4000-8000-0000000000a1';
const UNKNOWN = '0b4f6a3e-2b8e-4c55-9a0e-6f2d7b1c9e01';
const DEPARTMENTS = ['RETAIL', 'IT'];

const pat = staff('pat');
const ART57: NotificationContent = {
  categories: ['phone number', 'name'],
  cause: 'A vendor’s staff exported call lists to a personal drive',
  possibleHarm: 'Nuisance calls and phishing',
  measures: 'Vendor suspended, grants revoked, drive wiped under supervision',
  whatSubjectsCanDo: 'Ignore calls asking for verification codes; call 95555 to report them',
  contact: 'privacy@bank.example, 95555',
};

function setup() {
  const clock = new ManualClock('2026-03-02T02:00:00.000Z');
  const at = (offsetMs: number) => new Date(clock.now().getTime() + offsetMs).toISOString();
  const store = new FakeIncidentStore();
  const scope = new FakeIncidentScopeStore(store);
  const audit = new RecordingAudit();
  const feed = new RecordingChangeFeed();
  const tx = new FakeTransactor();
  const directory: IncidentDirectory = {
    vendorExists: async (id) => [VENDOR, OTHER_VENDOR, GONE_VENDOR].includes(id),
    assetId: async (ref) => (ref === ASSET || ref === 'retail.customer' ? ASSET : undefined),
    requireDepartment: async (code, path) => {
      if (!DEPARTMENTS.includes(code)) throw new ValidationError(`${path}: no department ${code}`, [{ path, message: 'unknown' }]);
    },
  };
  // The vendors' side of the kill switch: statuses, live grants and active clients.
  const vendors = new Map<string, 'active' | 'suspended' | 'terminated'>([
    [VENDOR, 'active'],
    [OTHER_VENDOR, 'active'],
  ]);
  const grants = new Map([
    [VENDOR, ['grant-v1']],
    [OTHER_VENDOR, ['grant-o1', 'grant-o2']],
  ]);
  const clients = new Map([[VENDOR, ['client-v1']]]);
  const switched: string[] = [];
  const killSwitch: KillSwitch = {
    suspendVendor: async (trx, _ctx, vendorId, reason) => {
      expect(trx).toBe(FAKE_TRX);
      switched.push(`suspend ${vendorId}: ${reason}`);
      const status = vendors.get(vendorId);
      if (status === undefined) throw new NotFoundError(`No vendor ${vendorId}`);
      vendors.set(vendorId, 'suspended');
      return status === 'active';
    },
    revokeAllOfVendor: async (_trx, _ctx, vendorId, reason) => {
      switched.push(`revoke ${vendorId}: ${reason}`);
      const ids = grants.get(vendorId) ?? [];
      grants.delete(vendorId);
      return ids;
    },
    disableVendorClients: async (_trx, _ctx, vendorId) => {
      switched.push(`disable ${vendorId}`);
      const ids = clients.get(vendorId) ?? [];
      clients.delete(vendorId);
      return ids;
    },
  };
  const incidents = new IncidentService(tx, store, audit, feed, directory, HOURS, clock);
  const containment = new ContainmentService(tx, store, audit, feed, killSwitch, scope, clock);
  const open = async (over: Partial<CreateIncident> = {}) =>
    (
      await incidents.create(pat, {
        title: 'Call list leak',
        detectedAt: at(-HOUR),
        source: 'vendor_report',
        severity: 'high',
        vendors: [VENDOR],
        apps: [],
        assets: [],
        description: 'Reported by the vendor',
        ...over,
      })
    ).id;
  const contain = (id: string, over: { suspendVendors?: boolean; revokeGrants?: boolean; disableClients?: boolean; note?: string } = {}) =>
    containment.apply(pat, id, {
      suspendVendors: false,
      revokeGrants: false,
      disableClients: false,
      note: 'Vendor asked to stop exports; confirmed by phone',
      ...over,
    });
  const notify = (id: string, sentAt = at(0), over: Partial<RecordNotification> = {}) =>
    incidents.notify(pat, id, { audience: 'regulator', sentAt, channel: 'regulatory_system', content: ART57, ...over });
  const rectify = (id: string, dueAt = at(7 * DAY), owner = 'RETAIL') =>
    incidents.addRectification(pat, id, { action: 'Block USB and personal drives at the vendor', owner, dueAt });
  return { clock, at, store, scope, audit, tx, vendors, switched, incidents, containment, open, contain, notify, rectify };
}

/** Closes an incident behind the service's back (the walk to closed is tested on its own). */
function closeInStore(store: FakeIncidentStore, id: string): void {
  const incident = store.incidents.get(id);
  if (!incident) throw new Error(`no incident ${id}`);
  store.incidents.set(id, { ...incident, status: 'closed', closedAt: incident.updatedAt });
}

const FLOW: IncidentStatus[] = ['open', 'contained', 'notified', 'remediating', 'closed'];

describe('incident rules (in memory)', () => {
  describe('opening and editing', () => {
    it('opens an incident with its regulator deadline from the severity, assets by id, audited without its description', async () => {
      const { at, store, audit, incidents } = setup();
      const detail = await incidents.create(pat, {
        title: 'Call list leak',
        detectedAt: at(-3 * HOUR),
        source: 'vendor_report',
        severity: 'critical',
        vendors: [VENDOR],
        apps: ['Mobile banking'],
        assets: ['retail.customer', ASSET],
        description: 'Reported by the vendor',
      });
      expect(detail).toMatchObject({
        status: 'open',
        vendors: [VENDOR],
        assets: [ASSET],
        apps: ['Mobile banking'],
        containedAt: null,
        createdBy: 'pat',
        regulatorNotification: { dueAt: at(-2 * HOUR), sentAt: null, overdue: true, late: false },
        openRectifications: 0,
        history: [{ from: null, to: 'open', note: null, actor: 'pat', at: at(0) }],
      });
      expect(store.incidents.size).toBe(1);
      expect(audit.events).toHaveLength(1);
      expect(audit.events[0]).toMatchObject({
        action: 'incident.opened',
        objectId: detail.id,
        details: { after: { severity: 'critical', descriptionLength: 22 } },
      });
      expect(JSON.stringify(audit.events)).not.toContain('Reported by the vendor');
    });

    it.each([
      ['a detection after the service’s now (beyond five minutes of skew)', { detectedAt: '2026-03-02T02:05:01.000Z' }, 'body.detectedAt'],
      ['an unknown vendor', { vendors: [UNKNOWN] }, 'body.vendors'],
      ['an unknown asset', { assets: ['retail.nothing'] }, 'body.assets'],
    ])('refuses %s, writing nothing', async (_label, over, path) => {
      const { store, audit, open } = setup();
      await expect(open(over)).rejects.toMatchObject({
        code: 'validation_failed',
        message: expect.stringMatching(new RegExp(`^${path}: `)),
      });
      expect(store.incidents.size).toBe(0);
      expect(audit.events).toEqual([]);
    });

    it('accepts a detection within the skew; judges the future by the service clock, not the machine’s', async () => {
      const { clock, at, open } = setup();
      await expect(open({ detectedAt: at(5 * 60_000) })).resolves.toEqual(expect.any(String));
      clock.set(new Date(Date.now() - 30 * DAY));
      expect(await problemCode(open({ detectedAt: new Date().toISOString() }))).toBe('validation_failed');
    });

    it('moves the deadline when the severity is corrected, audited before and after', async () => {
      const { at, audit, incidents, open } = setup();
      const id = await open({ severity: 'low', detectedAt: at(-2 * HOUR) });
      expect((await incidents.get(id)).regulatorNotification).toMatchObject({ dueAt: at(70 * HOUR), overdue: false });
      const high = await incidents.update(pat, id, { severity: 'high' });
      expect(Date.parse(high.regulatorNotification.dueAt) - Date.parse(high.detectedAt)).toBe(4 * HOUR);
      expect(audit.events.at(-1)).toMatchObject({
        action: 'incident.updated',
        details: { before: { severity: 'low' }, after: { severity: 'high' } },
      });
      expect(await problemCode(incidents.update(pat, id, { vendors: [UNKNOWN] }))).toBe('validation_failed');
      expect(await problemCode(incidents.update(pat, id, { assets: ['retail.nothing'] }))).toBe('validation_failed');
      expect(await problemCode(incidents.update(pat, UNKNOWN, { severity: 'low' }))).toBe('not_found');
    });
  });

  describe('the lifecycle', () => {
    async function refuseIllegal(ctx: ReturnType<typeof setup>, id: string, status: IncidentStatus): Promise<void> {
      const next = FLOW[FLOW.indexOf(status) + 1];
      for (const to of FLOW.filter((s) => s !== next)) {
        const before = ctx.audit.events.length;
        expect(await problemCode(ctx.incidents.transition(pat, id, { to }))).toBe('illegal_transition');
        expect(ctx.audit.events).toHaveLength(before);
      }
    }

    it('goes open → contained → notified → remediating → closed, each move guarded and audited, every other move refused', async () => {
      const ctx = setup();
      const { audit, incidents, open, contain, notify, rectify } = ctx;
      const id = await open();
      await refuseIllegal(ctx, id, 'open');
      expect(await problemCode(incidents.transition(pat, id, { to: 'contained' }))).toBe('containment_required');
      await contain(id);
      const contained = await incidents.get(id);
      expect(contained).toMatchObject({ status: 'contained', containedAt: expect.any(String) });
      expect(contained.containment[0]).toMatchObject({
        note: 'Vendor asked to stop exports; confirmed by phone',
        suspendVendors: false,
        by: 'pat',
      });

      await refuseIllegal(ctx, id, 'contained');
      expect(await problemCode(incidents.transition(pat, id, { to: 'notified' }))).toBe('regulator_not_notified');
      await notify(id);
      expect((await incidents.transition(pat, id, { to: 'notified' })).status).toBe('notified');

      await refuseIllegal(ctx, id, 'notified');
      expect(await problemCode(incidents.transition(pat, id, { to: 'remediating' }))).toBe('no_rectifications');
      const item = await rectify(id);
      expect((await incidents.transition(pat, id, { to: 'remediating', note: 'Fixes under way' })).status).toBe('remediating');

      await refuseIllegal(ctx, id, 'remediating');
      expect(await problemCode(incidents.transition(pat, id, { to: 'closed' }))).toBe('rectifications_open');
      const done = await incidents.completeRectification(pat, id, item.id, { evidence: 'Change ticket CHG-4411; DLP test report 2026-11' });
      expect(done).toMatchObject({ status: 'done', evidence: 'Change ticket CHG-4411; DLP test report 2026-11', completedBy: 'pat' });
      expect(await incidents.transition(pat, id, { to: 'closed' })).toMatchObject({ status: 'closed', closedAt: expect.any(String) });

      await refuseIllegal(ctx, id, 'closed');
      const final = await incidents.get(id);
      expect(final.history.map((h) => h.to)).toEqual(FLOW);
      expect(final.history[3]).toMatchObject({ from: 'notified', to: 'remediating', note: 'Fixes under way', actor: 'pat' });
      expect(audit.actions()).toEqual([
        'incident.opened',
        'incident.containment_applied',
        'incident.notification_recorded',
        'incident.transitioned',
        'incident.rectification_added',
        'incident.transitioned',
        'incident.rectification_completed',
        'incident.transitioned',
      ]);
      expect(audit.events.at(-1)).toMatchObject({ details: { before: { status: 'remediating' }, after: { status: 'closed' } } });
      expect(JSON.stringify(audit.events)).not.toContain('Reported by the vendor');
      expect(JSON.stringify(audit.events)).not.toContain('Nuisance calls');
    });

    it('changes nothing on a closed incident (incident_closed), and audits nothing', async () => {
      const { store, audit, incidents, open, contain, notify, rectify } = setup();
      const id = await open();
      closeInStore(store, id);
      const before = audit.events.length;
      expect(await problemCode(contain(id))).toBe('incident_closed');
      expect(await problemCode(notify(id))).toBe('incident_closed');
      expect(await problemCode(rectify(id))).toBe('incident_closed');
      expect(await problemCode(incidents.update(pat, id, { severity: 'low' }))).toBe('incident_closed');
      expect(audit.events).toHaveLength(before);
    });

    it('answers not_found for an unknown incident', async () => {
      const { incidents, contain } = setup();
      expect(await problemCode(incidents.get(UNKNOWN))).toBe('not_found');
      expect(await problemCode(incidents.transition(pat, UNKNOWN, { to: 'notified' }))).toBe('not_found');
      expect(await problemCode(contain(UNKNOWN))).toBe('not_found');
      expect(await incidents.exists(UNKNOWN)).toBe(false);
    });
  });

  describe('notifications (PIPL Art. 57)', () => {
    it('flags the regulator notification overdue, late when recorded after its deadline, and keeps the earliest one', async () => {
      const { at, audit, incidents, open, notify } = setup();
      const id = await open({ severity: 'critical', detectedAt: at(-3 * HOUR) });
      expect(await incidents.overdueNotifications()).toEqual({ examined: 1, count: 1, examples: [id] });
      expect(await problemCode(notify(id, at(-4 * HOUR)))).toBe('validation_failed');
      expect(await problemCode(notify(id, at(HOUR)))).toBe('validation_failed');
      const sent = await notify(id, at(-HOUR));
      expect(sent.regulatorNotification).toMatchObject({ sentAt: at(-HOUR), overdue: false, late: true });
      expect(audit.events.at(-1)).toMatchObject({
        action: 'incident.notification_recorded',
        details: { audience: 'regulator', late: true, contentSha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
      });
      expect(JSON.stringify(audit.events)).not.toContain('Nuisance calls');
      expect(await incidents.lateNotifications()).toEqual({ examined: 1, count: 1, examples: [id] });
      expect((await incidents.overdueNotifications()).examples).not.toContain(id);
      // An earlier notice recorded afterwards is the one that counts; a later one changes nothing.
      expect((await notify(id, at(-90 * 60_000))).regulatorNotification.sentAt).toBe(at(-90 * 60_000));
      expect((await notify(id, at(0))).regulatorNotification).toMatchObject({ sentAt: at(-90 * 60_000), late: true });
    });

    it('names the department notified, which must exist; a notice to subjects does not stop the regulator’s clock', async () => {
      const { at, incidents, open, notify } = setup();
      const id = await open();
      const internal = { categories: ['phone number'], cause: ART57.cause, measures: ART57.measures };
      const res = await notify(id, at(0), { audience: 'department', department: 'RETAIL', channel: 'internal_system', content: internal });
      expect(res.notifications[0]).toMatchObject({ audience: 'department', department: 'RETAIL', content: internal, recordedBy: 'pat' });
      expect(await problemCode(notify(id, at(0), { audience: 'department', department: 'NOPE' }))).toBe('validation_failed');
      const told = await notify(id, at(0), { audience: 'subjects', channel: 'sms', recipients: 1200 });
      expect(told.regulatorNotification.sentAt).toBeNull();
      expect((await incidents.get(id)).notifications).toHaveLength(2);
    });
  });

  describe('rectification items', () => {
    it('are due in the future, owned by a department, completed once with evidence, only on their own incident', async () => {
      const { at, clock, audit, incidents, open, rectify } = setup();
      const id = await open();
      const other = await open();
      expect(await problemCode(rectify(id, at(-60_000)))).toBe('validation_failed');
      expect(await problemCode(rectify(id, at(DAY), 'NOPE'))).toBe('validation_failed');
      const item = await rectify(id, at(DAY));
      expect(item).toMatchObject({ incident: id, owner: 'RETAIL', status: 'open', overdue: false, createdBy: 'pat' });
      expect(audit.events.at(-1)).toMatchObject({ action: 'incident.rectification_added', details: { owner: 'RETAIL', dueAt: at(DAY) } });
      expect(await problemCode(incidents.completeRectification(pat, other, item.id, { evidence: 'x' }))).toBe('not_found');
      expect(await problemCode(incidents.completeRectification(pat, id, item.id, { evidence: 'x', completedAt: at(DAY) }))).toBe(
        'validation_failed',
      );
      expect(await problemCode(incidents.completeRectification(pat, id, item.id, { evidence: 'x', completedAt: at(-HOUR) }))).toBe(
        'validation_failed',
      );
      clock.advance(2 * DAY);
      expect((await incidents.get(id)).rectifications[0]).toMatchObject({ overdue: true, status: 'open' });
      const done = await incidents.completeRectification(pat, id, item.id, { evidence: 'Pen test retest passed' });
      expect(done).toMatchObject({ status: 'done', overdue: false, completedAt: at(0) });
      expect(audit.events.at(-1)).toMatchObject({ action: 'incident.rectification_completed', details: { late: true } });
      expect(await problemCode(incidents.completeRectification(pat, id, item.id, { evidence: 'again' }))).toBe('rectification_done');
    });

    it('counts overdue items and incidents without containment for the compliance report', async () => {
      const { clock, at, incidents, open, contain, rectify } = setup();
      const id = await open();
      expect((await incidents.withoutContainment(200)).examples).toEqual([id]);
      const item = await rectify(id, at(HOUR));
      expect((await incidents.get(id)).openRectifications).toBe(1);
      clock.advance(2 * HOUR);
      expect(await incidents.overdueRectifications(clock.now(), 200)).toEqual({ examined: 1, count: 1, examples: [item.id] });
      await contain(id);
      expect((await incidents.withoutContainment(200)).examples).toEqual([]);
    });
  });

  describe('containment: the vendor kill switch', () => {
    it('suspends, revokes and disables for every implicated vendor in one transaction, recording what it did', async () => {
      const { tx, vendors, switched, audit, incidents, open, contain } = setup();
      const id = await open({ vendors: [VENDOR, OTHER_VENDOR] });
      const transactions = tx.transactions;
      const record = await contain(id, {
        suspendVendors: true,
        revokeGrants: true,
        disableClients: true,
        note: 'Both share the call centre',
      });
      expect(tx.transactions).toBe(transactions + 1);
      expect(record).toMatchObject({
        by: 'pat',
        suspendVendors: true,
        revokeGrants: true,
        disableClients: true,
        note: 'Both share the call centre',
        release: null,
        result: {
          suspendedVendors: [VENDOR, OTHER_VENDOR],
          vendorsAlreadyInactive: [],
          revokedGrants: ['grant-v1', 'grant-o1', 'grant-o2'],
          disabledClients: ['client-v1'],
        },
      });
      expect(Date.parse(record.at)).toBeGreaterThanOrEqual(Date.parse(record.startedAt));
      expect([...vendors.values()]).toEqual(['suspended', 'suspended']);
      expect(switched.filter((s) => s.startsWith('suspend'))[0]).toContain(`Containment of incident ${id}: Call list leak`);
      expect(await incidents.get(id)).toMatchObject({ status: 'contained', containedAt: record.at, containment: [record] });
      expect(audit.events.at(-1)).toMatchObject({
        action: 'incident.containment_applied',
        objectId: id,
        details: {
          containment: record.id,
          revokeGrants: true,
          disableClients: true,
          result: record.result,
          before: { status: 'open' },
          after: { status: 'contained' },
        },
      });
    });

    it('counts a vendor already suspended as contained; applying it again is safe and recorded again', async () => {
      const { vendors, incidents, open, contain } = setup();
      vendors.set(OTHER_VENDOR, 'suspended');
      const id = await open({ vendors: [VENDOR, OTHER_VENDOR] });
      expect((await contain(id, { suspendVendors: true })).result).toMatchObject({
        suspendedVendors: [VENDOR],
        vendorsAlreadyInactive: [OTHER_VENDOR],
      });
      const again = await contain(id, { suspendVendors: true });
      expect(again.result).toMatchObject({ suspendedVendors: [], vendorsAlreadyInactive: [VENDOR, OTHER_VENDOR] });
      const detail = await incidents.get(id);
      expect(detail.containment).toHaveLength(2);
      expect(detail.history.map((h) => h.to)).toEqual(['open', 'contained']);
    });

    it('refuses the kill switch for an incident naming no vendor, and a vendor that no longer exists; a note alone contains', async () => {
      const { audit, open, contain } = setup();
      const id = await open({ vendors: [] });
      const before = audit.events.length;
      expect(await problemCode(contain(id, { suspendVendors: true }))).toBe('no_vendors_implicated');
      expect(await problemCode(contain(id, { revokeGrants: true }))).toBe('no_vendors_implicated');
      expect(audit.events).toHaveLength(before);
      const noted = await contain(id, { note: 'App misconfiguration rolled back' });
      expect(noted.result).toEqual({ suspendedVendors: [], vendorsAlreadyInactive: [], revokedGrants: [], disabledClients: [] });
      const gone = await open({ vendors: [GONE_VENDOR] });
      expect(await problemCode(contain(gone, { suspendVendors: true }))).toBe('vendor_missing');
    });
  });

  describe('containment holds a vendor until the incident’s handler releases it', () => {
    const held = (c: ContainmentService, vendorId: string) => c.refuseReinstatementWhileHeld(FAKE_TRX, vendorId);

    it('refuses to reinstate a held vendor, naming the incident; releases with a reason, audited; then lets it go', async () => {
      const { audit, incidents, containment, open, contain } = setup();
      const id = await open();
      await contain(id, { suspendVendors: true });
      await expect(held(containment, VENDOR)).rejects.toMatchObject({
        code: 'vendor_held_by_containment',
        message: expect.stringContaining(id),
      });
      await expect(held(containment, OTHER_VENDOR)).resolves.toBeUndefined();
      await containment.release(pat, id, { reason: 'The vendor rotated its credentials and was cleared' });
      expect((await incidents.get(id)).containment[0].release).toEqual({
        at: expect.any(String),
        by: 'pat',
        reason: 'The vendor rotated its credentials and was cleared',
      });
      expect(audit.events.at(-1)).toMatchObject({
        action: 'incident.containment_released',
        objectId: id,
        details: { vendors: [VENDOR], reason: 'The vendor rotated its credentials and was cleared' },
      });
      await expect(held(containment, VENDOR)).resolves.toBeUndefined();
      const before = audit.events.length;
      expect(await problemCode(containment.release(pat, id, { reason: 'again' }))).toBe('containment_not_held');
      expect(await problemCode(containment.release(pat, UNKNOWN, { reason: 'x' }))).toBe('not_found');
      expect(audit.events).toHaveLength(before);
    });

    it('holds a vendor found already suspended, and one held by two incidents until both release', async () => {
      const { vendors, containment, open, contain } = setup();
      vendors.set(VENDOR, 'suspended');
      const first = await open();
      const second = await open();
      await contain(first, { suspendVendors: true });
      await contain(second, { suspendVendors: true });
      expect(await problemCode(held(containment, VENDOR))).toBe('vendor_held_by_containment');
      await containment.release(pat, first, { reason: 'Cleared' });
      await expect(held(containment, VENDOR)).rejects.toMatchObject({ message: expect.stringContaining(second) });
      await containment.release(pat, second, { reason: 'Cleared' });
      await expect(held(containment, VENDOR)).resolves.toBeUndefined();
    });

    it('holds again after a new containment; not when containment did not suspend; still when the vendor is edited out', async () => {
      const { incidents, containment, open, contain } = setup();
      const id = await open();
      await contain(id, { suspendVendors: true });
      await containment.release(pat, id, { reason: 'Cleared' });
      await contain(id, { suspendVendors: true });
      expect(await problemCode(held(containment, VENDOR))).toBe('vendor_held_by_containment');
      await incidents.update(pat, id, { vendors: [OTHER_VENDOR] });
      expect(await problemCode(held(containment, VENDOR))).toBe('vendor_held_by_containment');

      const revokedOnly = await open({ vendors: [OTHER_VENDOR] });
      await contain(revokedOnly, { revokeGrants: true });
      expect(await problemCode(containment.release(pat, revokedOnly, { reason: 'x' }))).toBe('containment_not_held');
      await expect(held(containment, OTHER_VENDOR)).resolves.toBeUndefined();
    });

    it('releases nothing of a closed incident, and a closed incident holds nothing', async () => {
      const { store, containment, open, contain } = setup();
      const id = await open();
      await contain(id, { suspendVendors: true });
      closeInStore(store, id);
      expect(await problemCode(containment.release(pat, id, { reason: 'x' }))).toBe('incident_closed');
      await expect(held(containment, VENDOR)).resolves.toBeUndefined();
    });
  });

  describe('lists and scope', () => {
    it('pages and filters by vendor, status, severity and overdue notification; limits a department reader to its incidents', async () => {
      const { clock, store, scope, incidents, open } = setup();
      store.assetOwners.set(ASSET, 'RETAIL');
      store.appOwners.set('cards app', 'CARDS');
      const retail = await open({
        assets: [ASSET],
        severity: 'critical',
        detectedAt: new Date(clock.now().getTime() - 3 * HOUR).toISOString(),
      });
      clock.advance(1000);
      const cards = await open({ apps: ['Cards App'], vendors: [OTHER_VENDOR], severity: 'low' });
      clock.advance(1000);
      const nobodys = await open({ vendors: [] });
      const all = { all: true as const };
      const ids = async (query: Parameters<IncidentService['list']>[0], access: Parameters<IncidentService['list']>[1] = all) =>
        (await incidents.list(query, access)).items.map((i) => i.id);
      expect(await ids({ vendor: VENDOR, limit: 50 })).toEqual([retail]);
      expect(await ids({ severity: 'low', status: 'open', limit: 50 })).toEqual([cards]);
      expect(await ids({ notificationOverdue: true, limit: 50 })).toEqual([retail]);
      expect(await ids({ notificationOverdue: false, limit: 50 })).toEqual([cards, nobodys]);
      expect(await ids({ limit: 50 }, { all: false, departments: ['RETAIL'] })).toEqual([retail]);
      expect(await ids({ limit: 50 }, { all: false, departments: ['CARDS', 'RETAIL'] })).toEqual([retail, cards]);
      expect(await ids({ limit: 50 }, { all: false, departments: [] })).toEqual([]);
      const first = await incidents.list({ limit: 2 }, all);
      expect(first.items.map((i) => i.id)).toEqual([retail, cards]);
      expect(await ids({ limit: 2, cursor: first.nextCursor ?? undefined })).toEqual([nobodys]);
      expect(await problemCode(incidents.list({ limit: 2, cursor: 'bm9wZQ' }, all))).toBe('validation_failed');

      expect(await scope.departmentsOf(retail)).toEqual(['RETAIL']);
      expect(await scope.departmentsOf(nobodys)).toEqual([]);
      expect(await scope.departmentsOf(UNKNOWN)).toBeUndefined();
      expect(await scope.departmentsFor([ASSET], ['CARDS APP', 'Unknown'])).toEqual(['CARDS', 'RETAIL']);
    });
  });
});
