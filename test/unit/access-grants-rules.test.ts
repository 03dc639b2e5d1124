import { FakeAccessGrantStore } from '../../services/access-grants/fake-store';
import { ACCESS_GRANTS_CHANGED, AccessGrantService, type GrantDirectory } from '../../services/access-grants/service';
import type { CreateAccessGrant } from '../../services/access-grants/schemas';
import { FAKE_TRX, FakeTransactor, RecordingAudit, RecordingChangeFeed, problemCode, staff } from '../fakes/ports';

const VENDOR = '00000000-0000-4000-8000-000000000001';
const ASSET = '00000000-0000-4000-8000-0000000000a1';
const DAY = 86_400_000;
const inDays = (days: number) => new Date(Date.now() + days * DAY).toISOString();
const today = () => new Date().toISOString().slice(0, 10);

/** Who holds which approval permission in RETAIL. */
const PERMISSIONS: Record<string, string[]> = {
  olivia: ['approve_as_owner'],
  owen: ['approve_as_owner'],
  priya: ['approve_as_privacy_officer'],
  both: ['approve_as_owner', 'approve_as_privacy_officer'],
};

function setup() {
  const store = new FakeAccessGrantStore();
  const audit = new RecordingAudit();
  const feed = new RecordingChangeFeed();
  const fields = [
    { name: 'balance', piCategory: 'personal', status: 'active' },
    { name: 'id_number', piCategory: 'sensitive', status: 'active' },
    { name: 'old_score', piCategory: 'personal', status: 'retired' },
  ];
  const world = {
    vendor: {
      id: VENDOR,
      status: 'active' as 'active' | 'suspended' | 'terminated',
      contractStartsAt: inDays(-30),
      contractEndsAt: inDays(365),
      purposes: ['risk_review'],
    },
    asset: { id: ASSET, key: 'retail.customer', owningDepartment: 'RETAIL', status: 'active', fields },
    purpose: { key: 'risk_review', legalBasis: 'contract', status: 'active' },
  };
  const directory: GrantDirectory = {
    vendor: async (id) => (id === VENDOR ? world.vendor : undefined),
    asset: async (ref) => (ref === ASSET || ref === world.asset.key ? world.asset : undefined),
    purpose: async (key) => (key === world.purpose.key ? world.purpose : undefined),
  };
  store.assets.set(ASSET, { key: world.asset.key, status: 'active', fields });
  store.purposes.set('risk_review', { status: 'active', legalBasis: 'contract' });
  store.assessments.set(VENDOR, { assessedAt: today(), result: 'pass' });
  store.notices.set('risk_review', [{ id: 'n1', appId: null, version: 1, sensitivePiCategories: [{ category: 'id number' }] as never }]);
  const authz = {
    can: async (subject: string, _dept: string, _obj: string, action: string) => PERMISSIONS[subject]?.includes(action) ?? false,
  };
  const service = new AccessGrantService(new FakeTransactor(), store, audit, feed, authz, directory);
  return { store, audit, feed, world, service };
}

const request = (over: Partial<CreateAccessGrant> = {}): CreateAccessGrant => ({
  vendor: VENDOR,
  asset: ASSET,
  fields: ['balance'],
  actions: ['read'],
  purpose: 'risk_review',
  validUntil: inDays(30),
  justification: 'Quarterly credit risk review',
  ...over,
});

describe('access grant rules (in memory)', () => {
  describe('requesting', () => {
    it('records a request and audits it with the owning department', async () => {
      const { audit, service } = setup();
      const grant = await service.request(staff('rita'), request());
      expect(grant).toMatchObject({ status: 'requested', sensitive: false, requestedBy: 'rita' });
      expect(audit.events[0]).toMatchObject({ action: 'access_grant.requested', details: { owningDepartment: 'RETAIL' } });
    });

    it('marks a grant with a sensitive field as needing a privacy officer', async () => {
      const { service } = setup();
      const grant = await service.request(staff('rita'), request({ fields: ['balance', 'id_number'] }));
      expect(grant).toMatchObject({ sensitive: true, approvals: { privacyOfficerRequired: true } });
    });

    it.each([
      ['a retired field', { fields: ['old_score'] }, 'validation_failed'],
      ['an unknown field', { fields: ['shoe_size'] }, 'validation_failed'],
      ['a field twice', { fields: ['balance', 'balance'] }, 'validation_failed'],
      ['a purpose outside the contract', { purpose: 'marketing' }, 'validation_failed'],
      ['a window that has ended', { validFrom: inDays(-3), validUntil: inDays(-1) }, 'validation_failed'],
      ['a window that ends before it starts', { validFrom: inDays(5), validUntil: inDays(4) }, 'validation_failed'],
      ['a window past the contract', { validUntil: inDays(400) }, 'validation_failed'],
      ['a window before the contract', { validFrom: inDays(-60) }, 'validation_failed'],
    ])('refuses %s', async (_label, over, code) => {
      const { audit, service } = setup();
      expect(await problemCode(service.request(staff('rita'), request(over)))).toBe(code);
      expect(audit.events).toEqual([]);
    });

    it('refuses a vendor that is not active, and anyone but staff', async () => {
      const { world, service } = setup();
      expect(await problemCode(service.request({ actor: { kind: 'system', name: 'x' }, requestId: null }, request()))).toBe('forbidden');
      world.vendor.status = 'suspended';
      expect(await problemCode(service.request(staff('rita'), request()))).toBe('vendor_not_active');
    });
  });

  describe('approving (separation of duties)', () => {
    it('never lets the requester approve', async () => {
      const { service } = setup();
      const grant = await service.request(staff('olivia'), request());
      expect(await problemCode(service.approve(staff('olivia'), grant.id))).toBe('forbidden');
    });

    it('approves a non-sensitive grant with one data owner: lines added, feed told, audited', async () => {
      const { store, audit, feed, service } = setup();
      const grant = await service.request(staff('rita'), request());
      const approved = await service.approve(staff('olivia'), grant.id, 'ok');
      expect(approved).toMatchObject({ status: 'active', decidedBy: 'olivia', approvals: { owner: { by: 'olivia' } } });
      expect(store.lines).toHaveLength(1);
      expect(feed.published).toEqual([{ topic: ACCESS_GRANTS_CHANGED, payload: { vendorId: VENDOR } }]);
      expect(audit.actions()).toEqual(['access_grant.requested', 'access_grant.approved']);
    });

    it('needs both a data owner and a privacy officer for a sensitive grant, and two different people', async () => {
      const { store, audit, service } = setup();
      const grant = await service.request(staff('rita'), request({ fields: ['id_number'] }));
      const half = await service.approve(staff('both'), grant.id);
      expect(half).toMatchObject({ status: 'requested', approvals: { owner: { by: 'both' }, privacyOfficer: null } });
      expect(store.lines).toHaveLength(0);
      // The same person cannot give the second approval.
      expect(await problemCode(service.approve(staff('both'), grant.id))).toBe('forbidden');
      // Another data owner cannot either: the owner's approval is given.
      expect(await problemCode(service.approve(staff('owen'), grant.id))).toBe('forbidden');
      const done = await service.approve(staff('priya'), grant.id);
      expect(done).toMatchObject({ status: 'active', approvals: { privacyOfficer: { by: 'priya' } } });
      expect(audit.actions()).toEqual(['access_grant.requested', 'access_grant.approval_recorded', 'access_grant.approved']);
    });

    it('refuses someone without an approval permission, and a grant that is no longer pending', async () => {
      const { service } = setup();
      const grant = await service.request(staff('rita'), request());
      expect(await problemCode(service.approve(staff('mallory'), grant.id))).toBe('forbidden');
      await service.approve(staff('olivia'), grant.id);
      expect(await problemCode(service.approve(staff('owen'), grant.id))).toBe('grant_not_pending');
    });
  });

  describe('what an approval checks again', () => {
    it('refuses without a passed security assessment from the last twelve months', async () => {
      const { store, service } = setup();
      const grant = await service.request(staff('rita'), request());
      store.assessments.set(VENDOR, { assessedAt: '2000-01-01', result: 'pass' });
      expect(await problemCode(service.approve(staff('olivia'), grant.id))).toBe('security_assessment_not_current');
      store.assessments.set(VENDOR, { assessedAt: today(), result: 'fail' });
      expect(await problemCode(service.approve(staff('olivia'), grant.id))).toBe('security_assessment_not_current');
    });

    it('refuses a field or purpose retired since the request', async () => {
      const { store, service } = setup();
      const grant = await service.request(staff('rita'), request());
      store.purposes.set('risk_review', { status: 'retired', legalBasis: 'contract' });
      expect(await problemCode(service.approve(staff('olivia'), grant.id))).toBe('purpose_retired');
      store.purposes.set('risk_review', { status: 'active', legalBasis: 'contract' });
      store.assets.set(ASSET, {
        key: 'retail.customer',
        status: 'active',
        fields: [{ name: 'balance', piCategory: 'personal', status: 'retired' }],
      });
      expect(await problemCode(service.approve(staff('olivia'), grant.id))).toBe('fields_retired');
    });

    it('refuses a sensitive field the purpose’s current notice does not disclose', async () => {
      const { store, service } = setup();
      const grant = await service.request(staff('rita'), request({ fields: ['id_number'] }));
      store.notices.set('risk_review', [{ id: 'n2', appId: null, version: 2, sensitivePiCategories: [] }]);
      expect(await problemCode(service.approve(staff('olivia'), grant.id))).toBe('sensitive_data_not_in_notice');
    });

    it('refuses the final approval when the vendor was suspended or the purpose left the contract', async () => {
      const { world, service } = setup();
      const grant = await service.request(staff('rita'), request());
      world.vendor.status = 'suspended';
      expect(await problemCode(service.approve(staff('olivia'), grant.id))).toBe('vendor_not_active');
      world.vendor.status = 'active';
      world.vendor.purposes = [];
      expect(await problemCode(service.approve(staff('olivia'), grant.id))).toBe('purpose_not_in_contract');
    });
  });

  describe('rejecting and revoking', () => {
    it('does not let the requester reject their own request', async () => {
      const { service } = setup();
      const grant = await service.request(staff('rita'), request());
      expect(await problemCode(service.reject(staff('rita'), grant.id, 'changed my mind'))).toBe('forbidden');
      await expect(service.reject(staff('olivia'), grant.id, 'not needed')).resolves.toMatchObject({ status: 'rejected' });
    });

    it('revokes only approved grants, removing their lines', async () => {
      const { store, service } = setup();
      const grant = await service.request(staff('rita'), request());
      expect(await problemCode(service.revoke(staff('olivia'), grant.id, 'x'))).toBe('grant_not_approved');
      await service.approve(staff('olivia'), grant.id);
      const revoked = await service.revoke(staff('olivia'), grant.id, 'incident');
      expect(revoked).toMatchObject({ status: 'revoked', decisionReason: 'incident' });
      expect(store.lines).toEqual([]);
    });

    it('the kill switch revokes approved grants and rejects pending ones of the vendor', async () => {
      const { audit, service } = setup();
      const approved = await service.request(staff('rita'), request());
      await service.approve(staff('olivia'), approved.id);
      const pending = await service.request(staff('rita'), request());
      const system = { actor: { kind: 'system' as const, name: 'incident' }, requestId: null };
      const ids = await service.revokeAllOfVendor(FAKE_TRX, system, VENDOR, 'breach');
      expect(ids.sort()).toEqual([approved.id, pending.id].sort());
      expect(audit.actions().slice(-2).sort()).toEqual(['access_grant.rejected', 'access_grant.revoked']);
      expect(audit.events.at(-1)).toMatchObject({ actorType: 'system', details: { reason: 'breach' } });
    });
  });

  it('shows an approved grant whose window has not begun as approved, not active', async () => {
    const { service } = setup();
    const later = await service.request(staff('rita'), request({ validFrom: inDays(2), validUntil: inDays(10) }));
    expect(await service.approve(staff('olivia'), later.id)).toMatchObject({ status: 'approved' });
  });
});

describe('access grant lists (in memory)', () => {
  it('filters by the derived status: active inside the window, approved before it', async () => {
    const { service } = setup();
    const now = await service.request(staff('rita'), request());
    const later = await service.request(staff('rita'), request({ validFrom: inDays(2), validUntil: inDays(10) }));
    await service.approve(staff('olivia'), now.id);
    await service.approve(staff('olivia'), later.id);
    const all = { all: true as const };
    const ids = async (status: 'active' | 'approved' | 'requested') =>
      (await service.list({ status, limit: 10 }, all)).items.map((g) => g.id);
    expect(await ids('active')).toEqual([now.id]);
    expect(await ids('approved')).toEqual([later.id]);
    expect(await ids('requested')).toEqual([]);
  });
});
