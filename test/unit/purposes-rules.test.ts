import { FakePurposeStore } from '../../services/purposes/fake-store';
import { PURPOSE_CHANGED, PurposeService } from '../../services/purposes/service';
import { FakeTransactor, RecordingAudit, RecordingChangeFeed, problemCode, staff } from '../fakes/ports';

const ctx = staff('alice');
const marketing = { key: 'card_marketing', description: 'Card offers', legalBasis: 'consent' as const, retentionDays: 365 };

function setup() {
  const store = new FakePurposeStore();
  const audit = new RecordingAudit();
  const feed = new RecordingChangeFeed();
  const tx = new FakeTransactor();
  return { store, audit, feed, tx, service: new PurposeService(tx, store, audit, feed) };
}

describe('purpose rules (in memory)', () => {
  it('creates an active purpose, audits it and tells the feed', async () => {
    const { audit, feed, service } = setup();
    const created = await service.create(ctx, marketing);
    expect(created).toMatchObject({ key: 'card_marketing', status: 'active', retiredAt: null });
    expect(audit.events).toEqual([expect.objectContaining({ action: 'purpose.created', objectId: 'card_marketing' })]);
    expect(feed.published).toEqual([{ topic: PURPOSE_CHANGED, payload: { key: 'card_marketing' } }]);
  });

  it('refuses a taken key', async () => {
    const { audit, service } = setup();
    await service.create(ctx, marketing);
    expect(await problemCode(service.create(ctx, marketing))).toBe('purpose_exists');
    expect(audit.actions()).toEqual(['purpose.created']);
  });

  it('keeps the legal basis: an update changes the description and retention only', async () => {
    const { service } = setup();
    await service.create(ctx, marketing);
    const after = await service.update(ctx, 'card_marketing', { retentionDays: 30 });
    expect(after).toMatchObject({ legalBasis: 'consent', retentionDays: 30, description: 'Card offers' });
  });

  it('refuses to retire while approved grants that have not ended rest on it, naming them', async () => {
    const { store, audit, service } = setup();
    await service.create(ctx, marketing);
    store.grants.push(
      { id: 'g-live', purposeKey: 'card_marketing', status: 'approved', validUntil: '2999-01-01T00:00:00.000Z' },
      { id: 'g-ended', purposeKey: 'card_marketing', status: 'approved', validUntil: '2000-01-01T00:00:00.000Z' },
      { id: 'g-pending', purposeKey: 'card_marketing', status: 'pending', validUntil: '2999-01-01T00:00:00.000Z' },
    );
    const refused = await service.retire(ctx, 'card_marketing').catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'grants_depend_on_it', extensions: { grants: ['g-live'], grantCount: 1 } });
    expect(audit.actions()).toEqual(['purpose.created']);
  });

  it('retires for good: a retired purpose cannot change or retire again', async () => {
    const { audit, service } = setup();
    await service.create(ctx, marketing);
    const retired = await service.retire(ctx, 'card_marketing');
    expect(retired).toMatchObject({ status: 'retired', retiredAt: expect.any(String) });
    expect(await problemCode(service.update(ctx, 'card_marketing', { retentionDays: 1 }))).toBe('purpose_retired');
    expect(await problemCode(service.retire(ctx, 'card_marketing'))).toBe('purpose_retired');
    expect(await problemCode(service.retire(ctx, 'unknown'))).toBe('not_found');
    expect(audit.actions()).toEqual(['purpose.created', 'purpose.retired']);
  });

  it('requireActive names an unknown or retired purpose with the field', async () => {
    const { service, tx } = setup();
    await service.create(ctx, marketing);
    await service.create(ctx, { ...marketing, key: 'old_offers' });
    await service.retire(ctx, 'old_offers');
    await tx.transaction(async (trx) => {
      await expect(service.requireActive(trx, ['card_marketing'], 'body.purpose')).resolves.toBeUndefined();
      await expect(service.requireActive(trx, ['ghost'], 'body.purpose')).rejects.toThrow('body.purpose: unknown purpose ghost');
      await expect(service.requireActive(trx, ['old_offers'], 'body.purpose')).rejects.toThrow(
        'body.purpose: purpose old_offers is retired',
      );
    });
  });
});
