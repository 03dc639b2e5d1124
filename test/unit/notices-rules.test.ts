import { FakeNoticeStore } from '../../services/notices/fake-store';
import { NOTICES_CHANGED } from '../../services/notices/published';
import { NoticeService } from '../../services/notices/service';
import { FakePurposeStore } from '../../services/purposes/fake-store';
import { PurposeService } from '../../services/purposes/service';
import { FakeTransactor, RecordingAudit, RecordingChangeFeed, problemCode, staff } from '../fakes/ports';

const ctx = staff('pat');
const VENDOR = '00000000-0000-4000-8000-000000000001';
const APP = '00000000-0000-4000-8000-0000000000ab';

/** What a complete notice says beyond what a draft is prefilled with (purpose, retention, third parties, language). */
const told = {
  title: 'How we use your information for card offers',
  body: '# Card offers',
  controller: { name: 'Example Bank Co., Ltd.', contact: 'Privacy Office', email: 'privacy@bank.example' },
  piCategories: ['name', 'mobile phone number'],
  sensitivePiCategories: [],
  rights: { access: 'app', copy: 'app', correct: 'app', delete: 'branch', withdraw: 'app' },
  complaintChannel: { phone: '95555' },
};

async function setup() {
  const tx = new FakeTransactor();
  const audit = new RecordingAudit();
  const feed = new RecordingChangeFeed();
  const purposes = new PurposeService(tx, new FakePurposeStore(), audit, feed);
  await purposes.create(ctx, { key: 'card_offers', description: 'Card offers', legalBasis: 'consent', retentionDays: 365 });
  const store = new FakeNoticeStore();
  const notices = new NoticeService(tx, store, audit, feed, purposes);
  audit.events.length = 0;
  feed.published.length = 0;
  return { audit, feed, store, purposes, notices };
}

describe('notice rules (in memory)', () => {
  it('prefills a first draft from the purpose and the vendors holding grants, and keeps one open draft per scope', async () => {
    const { store, notices } = await setup();
    store.vendors.set('card_offers', [{ vendorId: VENDOR, name: 'Acme', fields: ['mobile'] }]);
    const draft = await notices.createDraft(ctx, { purpose: 'card_offers' });
    expect(draft).toMatchObject({
      status: 'draft',
      purposeDescription: 'Card offers',
      retentionDays: 365,
      language: 'zh-CN',
      thirdParties: [{ name: 'Acme', kind: 'entrusted', vendorId: VENDOR }],
    });
    expect(await problemCode(notices.createDraft(ctx, { purpose: 'card_offers' }))).toBe('notice_draft_exists');
  });

  it('refuses a draft for an unknown or retired purpose, or an app the ledger does not hold', async () => {
    const { store, purposes, notices } = await setup();
    expect(await problemCode(notices.createDraft(ctx, { purpose: 'ghost' }))).toBe('validation_failed');
    expect(await problemCode(notices.createDraft(ctx, { purpose: 'card_offers', app: APP }))).toBe('validation_failed');
    store.apps.set(APP, 'retired');
    expect(await problemCode(notices.createDraft(ctx, { purpose: 'card_offers', app: APP }))).toBe('validation_failed');
    await purposes.retire(ctx, 'card_offers');
    expect(await problemCode(notices.createDraft(ctx, { purpose: 'card_offers' }))).toBe('validation_failed');
  });

  it('publishes version 1, audits it and tells the feed; a published version never changes, editing opens a new draft', async () => {
    const { audit, feed, notices } = await setup();
    const draft = await notices.createDraft(ctx, { purpose: 'card_offers', ...told });
    const v1 = await notices.publish(ctx, draft.id);
    expect(v1).toMatchObject({ status: 'published', version: 1, material: true, publishedBy: 'pat' });
    expect(feed.published).toEqual([{ topic: NOTICES_CHANGED, payload: { purposeKey: 'card_offers' } }]);
    expect(await problemCode(notices.publish(ctx, draft.id))).toBe('notice_published');
    const edit = await notices.update(ctx, v1.id, { title: 'Card offers, plainly' });
    expect(edit).toMatchObject({ created: true, notice: { status: 'draft', basedOnVersion: 1 } });
    expect(audit.actions()).toEqual(['notice.draft_created', 'notice.published', 'notice.draft_created']);
  });

  it('refuses to publish what Art. 17 requires and the draft lacks, naming each field', async () => {
    const { notices } = await setup();
    const draft = await notices.createDraft(ctx, { purpose: 'card_offers', title: 'Only a title' });
    const refused = await notices.publish(ctx, draft.id).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'notice_incomplete' });
    const paths = (refused as { extensions: { errors: Array<{ path: string }> } }).extensions.errors.map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['body', 'controller', 'piCategories', 'rights.withdraw', 'complaintChannel']));
  });

  it('refuses a retention other than the purpose’s, and a vendor with grants that is not listed', async () => {
    const { store, notices } = await setup();
    const draft = await notices.createDraft(ctx, { purpose: 'card_offers', ...told, retentionDays: 30 });
    expect(await problemCode(notices.publish(ctx, draft.id))).toBe('notice_incomplete');
    await notices.update(ctx, draft.id, { retentionDays: 365 });
    store.vendors.set('card_offers', [{ vendorId: VENDOR, name: 'Acme', fields: ['mobile'] }]);
    expect(await problemCode(notices.publish(ctx, draft.id))).toBe('notice_incomplete');
  });

  it('refuses a notice that omits a sensitive field approved grants release', async () => {
    const { store, notices } = await setup();
    store.releases.set('card_offers', [{ assetKey: 'retail.customer', field: 'id_number', grantIds: ['g1'] }]);
    const draft = await notices.createDraft(ctx, { purpose: 'card_offers', ...told });
    expect(await problemCode(notices.publish(ctx, draft.id))).toBe('notice_omits_sensitive_data');
    await notices.update(ctx, draft.id, {
      sensitivePiCategories: [{ category: 'id number', necessity: 'identity checks', impact: 'identity theft if leaked' }],
    });
    await expect(notices.publish(ctx, draft.id)).resolves.toMatchObject({ version: 1 });
  });

  it('refuses to publish a draft that says exactly what the previous version says; numbers versions per purpose', async () => {
    const { store, notices } = await setup();
    const v1 = await notices.publish(ctx, (await notices.createDraft(ctx, { purpose: 'card_offers', ...told })).id);
    const same = await notices.update(ctx, v1.id, { title: told.title });
    expect(await problemCode(notices.publish(ctx, same.notice.id))).toBe('notice_unchanged');
    await notices.update(ctx, same.notice.id, { title: 'Reworded' });
    await expect(notices.publish(ctx, same.notice.id)).resolves.toMatchObject({ version: 2, material: false });
    store.apps.set(APP, 'live');
    const app = await notices.createDraft(ctx, { purpose: 'card_offers', app: APP, ...told });
    await expect(notices.publish(ctx, app.id)).resolves.toMatchObject({ version: 3, app: APP });
  });
});
