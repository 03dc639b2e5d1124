import { ManualClock } from '../../services/platform/clock';
import { FakePurposeStore } from '../../services/purposes/fake-store';
import { PurposeService } from '../../services/purposes/service';
import { FakeVendorStore } from '../../services/vendors/fake-store';
import { VendorLifecycle, type VendorLifecycleEvent } from '../../services/vendors/lifecycle';
import type { CreateVendor } from '../../services/vendors/schemas';
import { VENDOR_CHANGED, VendorService } from '../../services/vendors/service';
import { FakeTransactor, RecordingAudit, RecordingChangeFeed, problemCode, staff } from '../fakes/ports';

const ctx = staff('victor');

async function setup(clock = new ManualClock('2026-11-28T23:30:00.000Z')) {
  const tx = new FakeTransactor();
  const audit = new RecordingAudit();
  const feed = new RecordingChangeFeed();
  const purposes = new PurposeService(tx, new FakePurposeStore(), audit, feed);
  for (const key of ['risk_review', 'collections', 'old_offers'])
    await purposes.create(ctx, { key, description: key, legalBasis: 'contract', retentionDays: 30 });
  await purposes.retire(ctx, 'old_offers');
  const hooks: VendorLifecycleEvent[] = [];
  const store = new FakeVendorStore();
  const lifecycle = new VendorLifecycle([
    async (_trx, _ctx, _vendor, event) => {
      hooks.push(event);
    },
  ]);
  const disabledClients: string[] = [];
  const clients = { disableVendorClients: async (_trx: unknown, _ctx: unknown, vendorId: string) => disabledClients.push(vendorId) };
  const service = new VendorService(tx, store, audit, purposes, feed, lifecycle, clients, clock);
  audit.events.length = 0;
  feed.published.length = 0;
  return { audit, feed, hooks, disabledClients, store, service, clock };
}

const acme = (over: Partial<CreateVendor> = {}): CreateVendor => ({
  name: 'Acme Collections',
  unifiedSocialCreditCode: '91350100M000100Y43',
  contacts: [{ name: 'Ann', email: 'ann@acme.example' }],
  contract: { reference: 'C-1', startsAt: '2026-01-01T00:00:00+08:00', endsAt: '2027-01-01T00:00:00Z', purposes: ['risk_review'] },
  ...over,
});

describe('vendor rules (in memory)', () => {
  it('creates an active vendor in UTC, with sorted purposes, its first history entry and an audit event without contacts', async () => {
    const { audit, feed, store, service } = await setup();
    const vendor = await service.create(ctx, acme({ contract: { ...acme().contract, purposes: ['risk_review', 'collections'] } }));
    expect(vendor).toMatchObject({
      status: 'active',
      contract: { startsAt: '2025-12-31T16:00:00.000Z', purposes: ['collections', 'risk_review'] },
    });
    expect(store.statusHistory).toEqual([expect.objectContaining({ vendorId: vendor.id, fromStatus: null, toStatus: 'active' })]);
    expect(audit.events[0]).toMatchObject({ action: 'vendor.created', details: { after: { contactCount: 1 } } });
    expect(JSON.stringify(audit.events)).not.toContain('ann@acme.example');
    expect(feed.published).toEqual([{ topic: VENDOR_CHANGED, payload: { vendorId: vendor.id } }]);
  });

  it.each([
    ['a taken name', acme({ unifiedSocialCreditCode: undefined }), 'vendor_exists'],
    ['a taken credit code', acme({ name: 'Other' }), 'vendor_exists'],
  ])('refuses %s', async (_label, input, code) => {
    const { service } = await setup();
    await service.create(ctx, acme());
    expect(await problemCode(service.create(ctx, input))).toBe(code);
  });

  it('refuses an unknown or retired purpose in the contract', async () => {
    const { service } = await setup();
    for (const purpose of ['ghost', 'old_offers'])
      expect(await problemCode(service.create(ctx, acme({ contract: { ...acme().contract, purposes: [purpose] } })))).toBe(
        'validation_failed',
      );
  });

  it("refuses a security assessment dated after the service clock's day (UTC), on creation and on update, before anything is written", async () => {
    const { audit, store, service, clock } = await setup();
    const assessed = (assessedAt: string) => ({ securityAssessment: { assessedAt, result: 'pass' as const } });
    const future = service.create(ctx, acme(assessed('2026-11-29')));
    await expect(future).rejects.toMatchObject({
      status: 400,
      code: 'validation_failed',
      message: 'body.securityAssessment.assessedAt: an assessment cannot be dated in the future',
      extensions: {
        errors: [{ path: 'body.securityAssessment.assessedAt', message: 'an assessment cannot be dated in the future' }],
      },
    });
    expect(store.statusHistory).toEqual([]);
    const vendor = await service.create(ctx, acme(assessed('2026-11-28')));
    expect(await problemCode(service.update(ctx, vendor.id, assessed('2026-11-29')))).toBe('validation_failed');
    expect(audit.events.map((e) => e.action)).toEqual(['vendor.created']);
    clock.advance(30 * 60_000); // midnight UTC: the 29th is today
    await expect(service.update(ctx, vendor.id, assessed('2026-11-29'))).resolves.toMatchObject(assessed('2026-11-29'));
  });

  it('extends a contract but never shortens it', async () => {
    const { service } = await setup();
    const vendor = await service.create(ctx, acme());
    expect(await problemCode(service.update(ctx, vendor.id, { contract: { endsAt: '2026-06-01T00:00:00Z' } }))).toBe(
      'contract_end_not_extended',
    );
    await expect(service.update(ctx, vendor.id, { contract: { endsAt: '2028-01-01T00:00:00Z' } })).resolves.toMatchObject({
      contract: { endsAt: '2028-01-01T00:00:00.000Z' },
    });
  });

  it('moves active ⇄ suspended → terminated, running every hook inside each change, and nothing after termination', async () => {
    const { audit, hooks, disabledClients, service } = await setup();
    const { id } = await service.create(ctx, acme());
    expect(await problemCode(service.reinstate(ctx, id, 'not suspended'))).toBe('vendor_not_suspended');
    await service.suspend(ctx, id, 'late report');
    expect(await problemCode(service.suspend(ctx, id, 'again'))).toBe('vendor_already_suspended');
    await service.reinstate(ctx, id, 'report received');
    await service.terminate(ctx, id, 'contract ended');
    expect(hooks).toEqual(['suspended', 'reinstated', 'terminated']);
    expect(disabledClients).toEqual([id]);
    expect(await problemCode(service.reinstate(ctx, id, 'oops'))).toBe('vendor_terminated');
    expect(await problemCode(service.update(ctx, id, { contacts: [{ name: 'Bo', phone: '+86 10 5555 0000' }] }))).toBe('vendor_terminated');
    expect(audit.actions()).toEqual(['vendor.created', 'vendor.suspended', 'vendor.reinstated', 'vendor.terminated']);
  });

  it('the kill switch suspends an active vendor only', async () => {
    const { service, hooks } = await setup();
    const { id } = await service.create(ctx, acme());
    const tx = new FakeTransactor();
    expect(await tx.transaction((trx) => service.suspendIfActive(trx, ctx, id, 'incident'))).toBe(true);
    expect(await tx.transaction((trx) => service.suspendIfActive(trx, ctx, id, 'incident'))).toBe(false);
    expect(hooks).toEqual(['suspended']);
  });
});
