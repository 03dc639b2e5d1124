import { FakeDataAssetStore } from '../../services/data-assets/fake-store';
import { FakeOwnershipTransferStore } from '../../services/ownership/fake-store';
import { OwnershipTransferService } from '../../services/ownership/service';
import { ValidationError } from '../../services/shared/errors';
import { FakeTransactor, RecordingAudit, RecordingChangeFeed, problemCode, staff } from '../fakes/ports';

const ASSET = '00000000-0000-4000-8000-0000000000a1';

function setup() {
  const assets = new FakeDataAssetStore();
  const now = new Date().toISOString();
  assets.assets.set(ASSET, {
    id: ASSET,
    key: 'retail.customer',
    name: 'Customers',
    description: null,
    owningDepartment: 'RETAIL',
    classification: 3,
    status: 'active',
    createdAt: now,
    updatedAt: now,
    retiredAt: null,
    retiredReason: null,
  });
  const departments = {
    requireExisting: async (codes: readonly string[], field: string) => {
      const missing = codes.find((c) => !['RETAIL', 'CARDS'].includes(c));
      if (missing) throw new ValidationError(`${field}: no department ${missing}`, []);
    },
  };
  const audit = new RecordingAudit();
  const service = new OwnershipTransferService(
    new FakeTransactor(),
    new FakeOwnershipTransferStore(),
    assets,
    departments,
    audit,
    new RecordingChangeFeed(),
  );
  return { assets, audit, service };
}

const toCards = { toDepartment: 'CARDS', reason: 'Cards runs the customer file now' };

describe('ownership transfer rules (in memory)', () => {
  it('moves the owner only when another person accepts; both steps audited', async () => {
    const { assets, audit, service } = setup();
    const proposed = await service.propose(staff('rita'), ASSET, toCards);
    expect(proposed).toMatchObject({ status: 'proposed', fromDepartment: 'RETAIL', toDepartment: 'CARDS', proposedBy: 'rita' });
    expect(await problemCode(service.accept(staff('rita'), ASSET, proposed.id))).toBe('forbidden');
    expect(assets.assets.get(ASSET)?.owningDepartment).toBe('RETAIL');
    await expect(service.accept(staff('carl'), ASSET, proposed.id)).resolves.toMatchObject({ status: 'accepted', decidedBy: 'carl' });
    expect(assets.assets.get(ASSET)?.owningDepartment).toBe('CARDS');
    expect(audit.actions()).toEqual(['ownership_transfer.proposed', 'ownership_transfer.accepted', 'data_asset.owner_changed']);
  });

  it('keeps one transfer open at a time, to another existing department, of a live and known asset', async () => {
    const { assets, service } = setup();
    expect(await problemCode(service.propose(staff('rita'), ASSET, { ...toCards, toDepartment: 'RETAIL' }))).toBe('validation_failed');
    expect(await problemCode(service.propose(staff('rita'), ASSET, { ...toCards, toDepartment: 'GHOST' }))).toBe('validation_failed');
    await service.propose(staff('rita'), ASSET, toCards);
    expect(await problemCode(service.propose(staff('rita'), ASSET, toCards))).toBe('transfer_open');
    const asset = assets.assets.get(ASSET);
    if (asset) asset.status = 'retired';
    expect(await problemCode(service.propose(staff('rita'), ASSET, toCards))).toBe('asset_retired');
    expect(await problemCode(service.propose(staff('rita'), '00000000-0000-4000-8000-0000000000ff', toCards))).toBe('not_found');
  });

  it('decides a transfer once: rejected or cancelled transfers stay closed, and the proposer cannot reject', async () => {
    const { service } = setup();
    const first = await service.propose(staff('rita'), ASSET, toCards);
    expect(await problemCode(service.reject(staff('rita'), ASSET, first.id, 'no'))).toBe('forbidden');
    await service.reject(staff('carl'), ASSET, first.id, 'not ours');
    expect(await problemCode(service.accept(staff('carl'), ASSET, first.id))).toBe('transfer_not_open');
    const second = await service.propose(staff('rita'), ASSET, toCards);
    await service.cancel(staff('rita'), ASSET, second.id);
    expect(await problemCode(service.cancel(staff('rita'), ASSET, second.id))).toBe('transfer_not_open');
  });

  it('refuses to accept when the asset changed owner since the proposal', async () => {
    const { assets, service } = setup();
    const proposed = await service.propose(staff('rita'), ASSET, toCards);
    const asset = assets.assets.get(ASSET);
    if (asset) asset.owningDepartment = 'CARDS';
    expect(await problemCode(service.accept(staff('carl'), ASSET, proposed.id))).toBe('owner_changed');
  });
});
