import { FakeDataAssetStore } from '../../services/data-assets/fake-store';
import { DATA_ASSETS_CHANGED, DataAssetService, type TransferLedger } from '../../services/data-assets/service';
import type { OwnershipTransfer } from '../../services/ownership/schemas';
import { ValidationError } from '../../services/shared/errors';
import { FakeTransactor, RecordingAudit, RecordingChangeFeed, problemCode, staff } from '../fakes/ports';

const ctx = staff('dora');
const FUTURE = '2999-01-01T00:00:00.000Z';

function setup() {
  const store = new FakeDataAssetStore();
  const audit = new RecordingAudit();
  const feed = new RecordingChangeFeed();
  const departments = {
    requireExisting: async (codes: readonly string[], field: string) => {
      const missing = codes.find((c) => c !== 'RETAIL');
      if (missing) throw new ValidationError(`${field}: no department ${missing}`, []);
    },
  };
  const open = new Map<string, OwnershipTransfer>();
  const transfers: TransferLedger = { historyOf: async () => [], openTransferOf: async (_trx, id) => open.get(id) };
  const service = new DataAssetService(new FakeTransactor(), store, audit, departments, feed, transfers);
  return { store, audit, feed, open, service };
}

const profile = {
  key: 'retail.customer_profile',
  name: 'Customer profile',
  owningDepartment: 'RETAIL',
  classification: 3,
  fields: [
    { name: 'name', piCategory: 'personal' as const },
    { name: 'id_number', piCategory: 'sensitive' as const },
  ],
};

describe('data asset rules (in memory)', () => {
  it('registers an asset with its fields, audited one event each, in an owning department that exists', async () => {
    const { audit, service } = setup();
    const asset = await service.create(ctx, profile);
    expect(asset).toMatchObject({ status: 'active', fields: [{ name: 'name' }, { name: 'id_number' }] });
    expect(audit.actions()).toEqual(['data_asset.created', 'data_asset_field.added', 'data_asset_field.added']);
    expect(await problemCode(service.create(ctx, profile))).toBe('data_asset_exists');
    expect(await problemCode(service.create(ctx, { ...profile, key: 'x.y', owningDepartment: 'GHOST' }))).toBe('validation_failed');
  });

  it('keeps retired field names reserved', async () => {
    const { service } = setup();
    const { id } = await service.create(ctx, profile);
    expect(await problemCode(service.addFields(ctx, id, [{ name: 'name', piCategory: 'personal' }]))).toBe('field_exists');
    await service.retireField(ctx, id, 'id_number', 'no longer collected');
    expect(await problemCode(service.addFields(ctx, id, [{ name: 'id_number', piCategory: 'sensitive' }]))).toBe('field_retired');
    expect(await problemCode(service.retireField(ctx, id, 'id_number', 'again'))).toBe('field_retired');
  });

  it('refuses to retire an asset or field that approved grants not yet ended rest on, naming them', async () => {
    const { store, service } = setup();
    const { id } = await service.create(ctx, profile);
    store.grants.push({ id: 'g1', assetId: id, fields: ['id_number'], validUntil: FUTURE });
    store.grants.push({ id: 'g0', assetId: id, fields: ['name'], validUntil: '2000-01-01T00:00:00.000Z' });
    expect(await problemCode(service.retireField(ctx, id, 'id_number', 'x'))).toBe('grants_depend_on_it');
    await expect(service.retireField(ctx, id, 'name', 'x')).resolves.toMatchObject({ id });
    const refused = await service.retire(ctx, id, 'x').catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'grants_depend_on_it', extensions: { grants: ['g1'] } });
  });

  it('refuses to retire an asset with an open ownership transfer; a retired asset never changes', async () => {
    const { open, feed, service } = setup();
    const { id } = await service.create(ctx, profile);
    open.set(id, { id: 't1' } as OwnershipTransfer);
    expect(await problemCode(service.retire(ctx, id, 'x'))).toBe('transfer_open');
    open.clear();
    await service.retire(ctx, id, 'decommissioned');
    expect(await problemCode(service.update(ctx, id, { name: 'Renamed' }))).toBe('asset_retired');
    expect(feed.published.map((p) => p.topic)).toEqual([DATA_ASSETS_CHANGED, DATA_ASSETS_CHANGED]);
  });
});
