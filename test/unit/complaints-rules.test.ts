import crypto from 'node:crypto';
import { dueOf } from '../../services/complaints/deadlines';
import { FakeComplaintStore } from '../../services/complaints/fake-store';
import type { ComplaintStatus, SubmitComplaint, TransitionComplaint } from '../../services/complaints/schemas';
import { ComplaintService, type ComplaintDirectory } from '../../services/complaints/service';
import type { ChangeContext } from '../../services/http/route';
import { ManualClock } from '../../services/platform/clock';
import { pseudonymize } from '../../services/shared/pseudonym';
import { FakeTransactor, RecordingAudit, problemCode, staff } from '../fakes/ports';

const DAY = 86_400_000;
const KEY = Buffer.from('subject-id-key-for-rule-tests', 'utf8');
const VENDOR = '00000000-0000-4000-8000-0000000000b1';
const ASSET = '00000000-0000-4000-8000-0000000000a1';
const INCIDENT = '00000000-0000-4000-8000-0000000000c1';
const UNKNOWN = '0b4f6a3e-2b8e-4c55-9a0e-6f2d7b1c9e01';
const CONTACT = 'mei.lin@example.cn';
const SUBJECT = 'CUST-000123456';
const DESCRIPTION = 'The app kept asking for my contacts list although I only wanted to check my balance.';

const pat = staff('pat');
const publicCaller: ChangeContext = { actor: { kind: 'public', address: '203.0.113.7' }, requestId: 'req-public' };
const appBackend: ChangeContext = {
  actor: { kind: 'client', clientId: 'collector-1', roles: ['consent_collector'], scopes: [], vendorId: null, tokenId: 'jti' },
  requestId: 'req-client',
};

/** Who may read a complaint's contact: pat everywhere, rita in RETAIL. */
const CONTACT_READERS: Record<string, (departments: readonly string[]) => boolean> = {
  pat: () => true,
  rita: (departments) => departments.includes('RETAIL'),
};

function setup() {
  const clock = new ManualClock('2026-03-02T02:00:00.000Z');
  const store = new FakeComplaintStore();
  const audit = new RecordingAudit();
  const directory: ComplaintDirectory = {
    vendorExists: async (id) => id === VENDOR,
    assetId: async (ref) => (ref === ASSET || ref === 'retail.customer' ? ASSET : undefined),
    incidentExists: async (id) => id === INCIDENT,
  };
  const contactAsked: Array<{ subject: string; departments: readonly string[] }> = [];
  const contactAccess = async (subject: string, departments: readonly string[]) => {
    contactAsked.push({ subject, departments });
    return CONTACT_READERS[subject]?.(departments) ?? false;
  };
  const service = new ComplaintService(new FakeTransactor(), store, audit, KEY, directory, contactAccess, clock);
  /** Submits a complaint and answers its id and reference; the next one is received a second later. */
  const submit = async (over: Partial<SubmitComplaint> = {}, ctx: ChangeContext = publicCaller) => {
    const receipt = await service.submit(ctx, { category: 'excessive_collection', description: DESCRIPTION, ...over });
    clock.advance(1000);
    const stored = await store.byReference(receipt.reference);
    if (!stored) throw new Error('not stored');
    return { ...receipt, id: stored.id };
  };
  return { clock, store, audit, contactAsked, service, submit };
}

const LEGAL: Record<ComplaintStatus, ComplaintStatus[]> = {
  received: ['acknowledged'],
  acknowledged: ['investigating'],
  investigating: ['resolved', 'rejected'],
  resolved: ['closed'],
  rejected: ['closed'],
  closed: [],
};
const TARGETS = ['acknowledged', 'investigating', 'resolved', 'rejected', 'closed'] as const;
const bodyFor = (to: (typeof TARGETS)[number]): TransitionComplaint =>
  to === 'rejected' ? { to, reason: 'Outside PIPL: the data was anonymised' } : { to, note: `to ${to}` };

describe('complaint rules (in memory)', () => {
  describe('intake', () => {
    it('takes a public complaint: a tracking reference, due in 15 days, the subject kept only as its pseudonym, audited without personal data', async () => {
      const { store, audit, service } = setup();
      const receipt = await service.submit(publicCaller, {
        category: 'excessive_collection',
        description: DESCRIPTION,
        contact: CONTACT,
        app: 'Mobile banking',
        subject: SUBJECT,
      });
      expect(Object.keys(receipt).sort()).toEqual(['dueDate', 'receivedAt', 'reference', 'status']);
      expect(receipt).toEqual({
        reference: expect.stringMatching(/^PC-[0-9A-HJKMNP-TV-Z]{12}$/),
        status: 'received',
        receivedAt: '2026-03-02T02:00:00.000Z',
        dueDate: dueOf('2026-03-02T02:00:00.000Z', 15).dueDate,
      });
      const [stored] = store.complaints.values();
      expect(stored).toMatchObject({ contact: CONTACT, channel: 'public', clientId: null, app: 'Mobile banking', dueDays: 15 });
      expect(stored.subjectRef).toBe(pseudonymize(KEY, SUBJECT));
      expect(JSON.stringify(stored)).not.toContain(SUBJECT);
      expect(await store.history(stored.id)).toEqual([
        { from: null, to: 'received', note: null, reason: null, actor: 'anonymous', at: '2026-03-02T02:00:00.000Z' },
      ]);
      expect(audit.events).toHaveLength(1);
      expect(audit.events[0]).toMatchObject({
        actorType: 'public',
        actorId: 'anonymous',
        action: 'complaint.received',
        objectId: stored.id,
        details: {
          reference: receipt.reference,
          category: 'excessive_collection',
          channel: 'public',
          app: 'Mobile banking',
          hasContact: true,
          hasSubject: true,
          dueDate: receipt.dueDate,
        },
      });
      expect(JSON.stringify(audit.events)).not.toMatch(/mei\.lin|CUST-000123456|contacts list|balance/);
    });

    it('takes a complaint from an app back end, audited with its client id', async () => {
      const { store, audit, submit } = setup();
      const { id } = await submit({ category: 'consent_not_honoured', subject: SUBJECT }, appBackend);
      expect(store.complaints.get(id)).toMatchObject({ channel: 'app_backend', clientId: 'collector-1' });
      expect(audit.events[0]).toMatchObject({ actorType: 'client', actorId: 'collector-1', details: { channel: 'app_backend' } });
    });

    it('draws another reference when the one drawn is taken, at most three times', async () => {
      const { store, audit, service, submit } = setup();
      const first = await submit();
      const taken = Buffer.from(
        first.reference
          .slice(3)
          .split('')
          .map((c) => '0123456789ABCDEFGHJKMNPQRSTVWXYZ'.indexOf(c)),
      );
      const draw = jest.spyOn(crypto, 'randomBytes');
      try {
        draw.mockImplementationOnce(() => taken).mockImplementationOnce(() => taken);
        const second = await service.submit(publicCaller, { category: 'leak', description: 'x' });
        expect(second.reference).not.toBe(first.reference);
        expect(store.complaints.size).toBe(2);
        draw.mockImplementation(() => taken);
        await expect(service.submit(publicCaller, { category: 'leak', description: 'x' })).rejects.toMatchObject({ code: '23505' });
        expect(draw).toHaveBeenCalledTimes(6);
        expect(store.complaints.size).toBe(2);
        expect(audit.actions()).toEqual(['complaint.received', 'complaint.received']);
      } finally {
        draw.mockRestore();
      }
    });

    it('shows the customer status and dates by reference, nothing personal; not_found for an unknown reference', async () => {
      const { service, submit } = setup();
      const { reference } = await submit({ contact: CONTACT, subject: SUBJECT, app: 'WeChat mini-program' });
      const view = await service.publicStatus(reference);
      expect(Object.keys(view).sort()).toEqual(['category', 'dueDate', 'extended', 'receivedAt', 'reference', 'status', 'updatedAt']);
      expect(view).toMatchObject({ reference, status: 'received', extended: false, category: 'excessive_collection' });
      expect(JSON.stringify(view)).not.toMatch(/mei\.lin|CUST|WeChat|contacts/);
      expect(await problemCode(service.publicStatus('PC-000000000000'))).toBe('not_found');
    });
  });

  describe('moving through the states', () => {
    async function refuseIllegalFrom(
      { audit, service }: Pick<ReturnType<typeof setup>, 'audit' | 'service'>,
      id: string,
      status: ComplaintStatus,
    ): Promise<void> {
      for (const to of TARGETS.filter((s) => !LEGAL[status].includes(s))) {
        const before = audit.events.length;
        expect(await problemCode(service.transition(pat, id, bodyFor(to)))).toBe('illegal_transition');
        expect(audit.events).toHaveLength(before);
      }
    }

    it.each([
      ['resolved', ['acknowledged', 'investigating', 'resolved', 'closed']],
      ['rejected', ['acknowledged', 'investigating', 'rejected', 'closed']],
    ] as const)('walks to %s and closed, refusing every other move from each state, each step audited', async (_label, path) => {
      const ctx = setup();
      const { audit, service, submit } = ctx;
      const { id } = await submit();
      let status: ComplaintStatus = 'received';
      for (const to of path) {
        await refuseIllegalFrom(ctx, id, status);
        expect((await service.transition(pat, id, bodyFor(to))).status).toBe(to);
        status = to;
      }
      await refuseIllegalFrom(ctx, id, 'closed');
      const got = await service.get(id, pat.actor);
      expect(got.history.map((h) => h.to)).toEqual(['received', ...path]);
      expect(got.history.at(-1)).toMatchObject({ from: path[2], to: 'closed', note: 'to closed', actor: 'pat' });
      expect(got).toMatchObject({ decidedAt: expect.any(String), closedAt: expect.any(String), overdue: false });
      expect(audit.actions()).toEqual(['complaint.received', ...Array(4).fill('complaint.transitioned')]);
      expect(audit.events.at(-1)).toMatchObject({
        actorType: 'staff',
        actorId: 'pat',
        objectId: id,
        details: { before: { status: path[2] }, after: { status: 'closed' }, decidedLate: null },
      });
      expect(audit.events.at(-2)).toMatchObject({ details: { after: { status: path[2] }, decidedLate: false } });
    });

    it('keeps the rejection reason the customer is owed (PIPL Art. 50), shown to staff but not on the public status', async () => {
      const { service, submit } = setup();
      const { id, reference } = await submit();
      await service.transition(pat, id, { to: 'acknowledged' });
      await service.transition(pat, id, { to: 'investigating' });
      const rejected = await service.transition(pat, id, { to: 'rejected', reason: 'The data was collected under a contract you signed' });
      expect(rejected).toMatchObject({ status: 'rejected', rejectionReason: 'The data was collected under a contract you signed' });
      expect(rejected.history.at(-1)).toMatchObject({ reason: 'The data was collected under a contract you signed', note: null });
      await service.transition(pat, id, { to: 'closed' });
      const publicView = await service.publicStatus(reference);
      expect(publicView.status).toBe('closed');
      expect(JSON.stringify(publicView)).not.toContain('contract you signed');
    });

    it('answers not_found for an unknown complaint, and audits nothing', async () => {
      const { audit, service } = setup();
      expect(await problemCode(service.transition(pat, UNKNOWN, { to: 'acknowledged' }))).toBe('not_found');
      expect(await problemCode(service.get(UNKNOWN, pat.actor))).toBe('not_found');
      expect(await problemCode(service.departmentsOf(UNKNOWN))).toBe('not_found');
      expect(audit.events).toEqual([]);
    });
  });

  describe('deadlines', () => {
    it('extends to 30 days, past 30 only with an approval, never past 60, and only while undecided', async () => {
      const { audit, service, submit } = setup();
      const { id, reference } = await submit();
      const first = await service.extend(pat, id, { days: 15, justification: 'Needs the vendor’s logs' });
      expect(first).toMatchObject({ dueDays: 30, dueDate: dueOf(first.receivedAt, 30).dueDate, dueAt: dueOf(first.receivedAt, 30).dueAt });
      expect(audit.events.at(-1)).toMatchObject({
        action: 'complaint.extended',
        details: { before: { dueDays: 15 }, after: { dueDays: 30, dueDate: first.dueDate }, days: 15, approvedBy: null },
      });
      let before = audit.events.length;
      expect(await problemCode(service.extend(pat, id, { days: 1, justification: 'More time' }))).toBe('validation_failed');
      expect(audit.events).toHaveLength(before);
      const second = await service.extend(pat, id, {
        days: 16,
        justification: 'Especially complex',
        approvedBy: 'Deputy president, head office',
      });
      expect(second).toMatchObject({ dueDays: 46, dueAt: dueOf(second.receivedAt, 46).dueAt });
      before = audit.events.length;
      expect(await problemCode(service.extend(pat, id, { days: 15, justification: 'Again', approvedBy: 'Head office' }))).toBe(
        'extension_limit',
      );
      expect(audit.events).toHaveLength(before);
      expect((await service.extend(pat, id, { days: 14, justification: 'Last', approvedBy: 'Head office' })).dueDays).toBe(60);
      expect(await problemCode(service.extend(pat, id, { days: 1, justification: 'Beyond', approvedBy: 'Head office' }))).toBe(
        'extension_limit',
      );
      const got = await service.get(id, staff('audrey').actor);
      expect(got.extensions.map((e) => e.totalDays)).toEqual([30, 46, 60]);
      expect(got.extensions[1]).toMatchObject({ days: 16, approvedBy: 'Deputy president, head office', extendedBy: 'pat' });
      expect((await service.publicStatus(reference)).extended).toBe(true);

      for (const to of ['acknowledged', 'investigating', 'resolved'] as const) await service.transition(pat, id, { to });
      expect(await problemCode(service.extend(pat, id, { days: 1, justification: 'Late' }))).toBe('complaint_decided');
    });

    it('shows a complaint past its deadline as overdue, lists and counts it, refuses to extend it, and records a late decision', async () => {
      const { clock, audit, service, submit } = setup();
      const late = await submit({ app: 'Overdue app' });
      clock.advance(5 * DAY);
      const onTime = await submit();
      clock.advance(15 * DAY); // the first has had 20 days: its 15 have run out; the second has had 15
      const access = { all: true as const };
      const overdue = await service.list({ overdue: true, limit: 50 }, access);
      expect(overdue.items.map((c) => c.id)).toEqual([late.id]);
      expect(overdue.items.every((c) => c.overdue)).toBe(true);
      expect((await service.list({ overdue: false, limit: 50 }, access)).items.map((c) => c.id)).toEqual([onTime.id]);
      expect(await service.overdueSummary()).toEqual({ examined: 2, count: 1, examples: [late.id] });
      expect(await service.overdueSummary(clock.now(), 0)).toEqual({ examined: 2, count: 1, examples: [] });

      const before = audit.events.length;
      expect(await problemCode(service.extend(pat, late.id, { days: 10, justification: 'Too late' }))).toBe('complaint_overdue');
      expect(audit.events).toHaveLength(before);
      await service.transition(pat, late.id, { to: 'acknowledged' });
      await service.transition(pat, late.id, { to: 'investigating' });
      expect((await service.transition(pat, late.id, { to: 'resolved' })).overdue).toBe(false);
      expect(audit.events.at(-1)?.details).toMatchObject({ decidedLate: true });
      expect((await service.overdueSummary()).count).toBe(0);
    });

    it('counts for a report period only the complaints undecided at some time in it', async () => {
      const { clock, service, submit } = setup();
      const decidedEarly = await submit();
      for (const to of ['acknowledged', 'investigating', 'resolved'] as const) await service.transition(pat, decidedEarly.id, { to });
      clock.advance(10 * DAY);
      const from = clock.now().toISOString();
      const stillOpen = await submit();
      clock.advance(30 * DAY);
      const to = clock.now().toISOString();
      await submit(); // received after the period
      expect(await service.overdueSummary(clock.now(), 10, { from, to })).toEqual({ examined: 1, count: 1, examples: [stillOpen.id] });
    });
  });

  describe('links', () => {
    it('links a vendor, an asset by key (kept by id), an app and an incident, each once; refuses unknown targets without auditing', async () => {
      const { audit, service, submit } = setup();
      const { id } = await submit();
      await service.link(pat, id, { vendor: VENDOR });
      const byKey = await service.link(pat, id, { asset: 'retail.customer' });
      expect(byKey.links).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'asset', target: ASSET, linkedBy: 'pat' })]));
      await service.link(pat, id, { app: 'Linked app' });
      expect((await service.link(pat, id, { incident: INCIDENT })).links).toHaveLength(4);
      expect(audit.events.at(-1)).toMatchObject({ action: 'complaint.linked', details: { kind: 'incident', target: INCIDENT } });
      const before = audit.events.length;
      expect(await problemCode(service.link(pat, id, { vendor: VENDOR }))).toBe('link_exists');
      expect(await problemCode(service.link(pat, id, { vendor: UNKNOWN }))).toBe('validation_failed');
      expect(await problemCode(service.link(pat, id, { asset: 'retail.nothing' }))).toBe('validation_failed');
      expect(await problemCode(service.link(pat, id, { incident: UNKNOWN }))).toBe('validation_failed');
      expect(audit.events).toHaveLength(before);
    });

    it('lists by vendor and by app (named or linked), by status and category, a page at a time', async () => {
      const { service, submit } = setup();
      const all = { all: true as const };
      const linked = await submit({ category: 'leak' });
      const named = await submit({ app: 'Linked app' });
      const other = await submit();
      await service.link(pat, linked.id, { vendor: VENDOR });
      await service.link(pat, linked.id, { app: 'Linked app' });
      expect((await service.list({ vendor: VENDOR, limit: 50 }, all)).items.map((c) => c.id)).toEqual([linked.id]);
      expect((await service.list({ app: 'Linked app', limit: 50 }, all)).items.map((c) => c.id).sort()).toEqual(
        [linked.id, named.id].sort(),
      );
      expect((await service.list({ category: 'leak', status: 'received', limit: 50 }, all)).items.map((c) => c.id)).toEqual([linked.id]);
      const first = await service.list({ limit: 2 }, all);
      expect(first.items).toHaveLength(2);
      const second = await service.list({ limit: 2, cursor: first.nextCursor ?? undefined }, all);
      expect(second).toMatchObject({ items: [expect.objectContaining({ id: other.id })], nextCursor: null });
      expect(second.items[0].receivedAt >= first.items[1].receivedAt).toBe(true);
      expect(await problemCode(service.list({ limit: 2, cursor: 'bm90LWEtY3Vyc29y' }, all))).toBe('validation_failed');
    });
  });

  describe('who sees what', () => {
    it('shows the contact only to those allowed in a department the complaint concerns; never in lists', async () => {
      const { store, contactAsked, service, submit } = setup();
      store.appOwners.set('mobile banking', 'RETAIL');
      store.assetOwners.set(ASSET, 'CARDS');
      store.incidentDepartments.set(INCIDENT, ['RETAIL', 'WEALTH']);
      const { id } = await submit({ contact: CONTACT, app: 'Mobile Banking' });
      expect(await service.get(id, pat.actor)).toMatchObject({ contact: CONTACT, hasContact: true });
      expect(await service.get(id, staff('rita').actor)).toMatchObject({ contact: CONTACT });
      const auditor = await service.get(id, staff('audrey').actor);
      expect(auditor).not.toHaveProperty('contact');
      expect(auditor.hasContact).toBe(true);
      const asked = contactAsked.length;
      expect(await service.get(id, appBackend.actor)).not.toHaveProperty('contact');
      expect(contactAsked).toHaveLength(asked); // only staff are ever asked about
      expect(contactAsked).toContainEqual({ subject: 'rita', departments: ['RETAIL'] });
      expect(JSON.stringify(await service.list({ limit: 50 }, { all: true as const }))).not.toContain(CONTACT);

      // The departments follow the links: assets and incidents add their owners.
      await service.link(pat, id, { asset: ASSET });
      await service.link(pat, id, { incident: INCIDENT });
      expect(await service.departmentsOf(id)).toEqual(['CARDS', 'RETAIL', 'WEALTH']);
    });

    it('lists for a department reader only the complaints concerning their departments; one concerning none is for bank-wide readers', async () => {
      const { store, service, submit } = setup();
      store.appOwners.set('cards app', 'CARDS');
      const retail = await submit();
      store.assetOwners.set(ASSET, 'RETAIL');
      await service.link(pat, retail.id, { asset: ASSET });
      const cards = await submit({ app: 'Cards app' });
      const nobodys = await submit({ app: 'Unknown app' });
      const ids = async (departments: string[]) => (await service.list({ limit: 50 }, { all: false, departments })).items.map((c) => c.id);
      expect(await ids(['RETAIL'])).toEqual([retail.id]);
      expect(await ids(['CARDS', 'RETAIL'])).toEqual([retail.id, cards.id]);
      expect(await ids([])).toEqual([]);
      expect((await service.list({ limit: 50 }, { all: true as const })).items.map((c) => c.id)).toContain(nobodys.id);
      expect(await service.departmentsOf(nobodys.id)).toEqual([]);
    });
  });
});
