import { ConsentService } from '../../services/consents/service';
import type { ReceiptSigner } from '../../services/consents/receipt';
import { FakeConsentStore } from '../../services/consents/fake-store';
import type { ClientActor } from '../../services/http/route';
import { FakeNoticeStore } from '../../services/notices/fake-store';
import { NoticeService } from '../../services/notices/service';
import { FakePurposeStore } from '../../services/purposes/fake-store';
import { PurposeService } from '../../services/purposes/service';
import { FakeTransactor, RecordingAudit, RecordingChangeFeed, problemCode, staff } from '../fakes/ports';

const collector: ClientActor = {
  kind: 'client',
  clientId: 'mobile-bank',
  roles: ['consent_collector'],
  scopes: [],
  vendorId: null,
  tokenId: 't',
};
const ctx = { actor: collector, requestId: 'r1' };
const pat = staff('pat');

const told = {
  title: 'Card offers',
  body: '# Card offers',
  controller: { name: 'Example Bank', contact: 'Privacy Office', email: 'privacy@bank.example' },
  piCategories: ['name'],
  sensitivePiCategories: [],
  rights: { access: 'app', copy: 'app', correct: 'app', delete: 'branch', withdraw: 'app' },
  complaintChannel: { phone: '95555' },
};
const idNumber = { category: 'id number', necessity: 'identity checks', impact: 'identity theft if leaked' };

async function setup() {
  const tx = new FakeTransactor();
  const audit = new RecordingAudit();
  const feed = new RecordingChangeFeed();
  const purposes = new PurposeService(tx, new FakePurposeStore(), audit, feed);
  await purposes.create(pat, { key: 'card_offers', description: 'Card offers', legalBasis: 'consent', retentionDays: 365 });
  await purposes.create(pat, { key: 'loan_servicing', description: 'Loans', legalBasis: 'contract', retentionDays: 365 });
  const notices = new NoticeService(tx, new FakeNoticeStore(), audit, feed, purposes);
  const publish = async (purpose: string, changes: Record<string, unknown> = {}) => {
    const draft = await notices.createDraft(pat, { purpose, ...told, ...changes });
    return notices.publish(pat, draft.id);
  };
  const signer = {
    signingKey: () => ({ kid: 'k', alg: 'ES256', privateKey: {} as ReturnType<ReceiptSigner['signingKey']>['privateKey'] }),
  };
  const consents = new ConsentService(
    tx,
    new FakeConsentStore(),
    audit,
    notices.published,
    Buffer.alloc(32, 7),
    signer,
    'https://bank.example',
  );
  audit.events.length = 0;
  return { audit, notices, publish, consents };
}

const give = (over: Record<string, unknown> = {}) => ({
  subject: 'customer-42',
  purpose: 'card_offers',
  noticeVersion: 1,
  channel: 'mobile-bank',
  separate: false,
  ...over,
});

describe('consent rules (in memory)', () => {
  it('records consent to a published version, pseudonymised, and audits it without the customer id', async () => {
    const { audit, publish, consents } = await setup();
    await publish('card_offers');
    const consent = await consents.record(ctx, collector, give());
    expect(consent).toMatchObject({ purpose: 'card_offers', noticeVersion: 1, separate: false });
    expect(consent.subjectRef).not.toContain('customer-42');
    const recorded = audit.events.filter((e) => e.action.startsWith('consent.'));
    expect(recorded).toEqual([expect.objectContaining({ action: 'consent.given', actorId: 'mobile-bank' })]);
    expect(JSON.stringify(recorded)).not.toContain('customer-42');
    await expect(consents.check('customer-42', 'card_offers')).resolves.toMatchObject({ consented: true, state: 'current' });
  });

  it('refuses an unpublished version, an unknown purpose, and a purpose that does not rest on consent', async () => {
    const { publish, consents } = await setup();
    await publish('card_offers');
    await publish('loan_servicing');
    expect(await problemCode(consents.record(ctx, collector, give({ noticeVersion: 9 })))).toBe('validation_failed');
    expect(await problemCode(consents.record(ctx, collector, give({ purpose: 'ghost' })))).toBe('validation_failed');
    expect(await problemCode(consents.record(ctx, collector, give({ purpose: 'loan_servicing', noticeVersion: 2 })))).toBe(
      'consent_not_applicable',
    );
  });

  it('asks for separate consent when the notice lists sensitive information', async () => {
    const { publish, consents } = await setup();
    await publish('card_offers', { sensitivePiCategories: [idNumber] });
    expect(await problemCode(consents.record(ctx, collector, give()))).toBe('separate_consent_required');
    await expect(consents.record(ctx, collector, give({ separate: true }))).resolves.toMatchObject({ separate: true });
  });

  it('makes consent stale when a material version follows, and refuses consent to a superseded version', async () => {
    const { notices, publish, consents } = await setup();
    const v1 = await publish('card_offers');
    const { subjectRef } = await consents.record(ctx, collector, give());
    const draft = await notices.update(pat, v1.id, { piCategories: ['name', 'mobile phone number'] });
    await notices.publish(pat, draft.notice.id);
    await expect(consents.check('customer-42', 'card_offers')).resolves.toMatchObject({
      consented: false,
      state: 'stale',
      latestNoticeVersion: 2,
    });
    expect(await problemCode(consents.record(ctx, collector, give({ subject: 'customer-7' })))).toBe('notice_superseded');
    const answers = await consents.consentOf([subjectRef, 'someone-else'], 'card_offers');
    expect(answers).toEqual([
      { state: 'stale', separate: false },
      { state: 'never_given', separate: false },
    ]);
  });

  it('withdraws from any channel, once; a withdrawal without consent is refused', async () => {
    const { audit, publish, consents } = await setup();
    await publish('card_offers');
    expect(await problemCode(consents.withdraw(ctx, collector, { subject: 'customer-42', purpose: 'card_offers' }))).toBe(
      'no_consent_to_withdraw',
    );
    const given = await consents.record(ctx, collector, give());
    const withdrawn = await consents.withdraw(ctx, collector, { subject: 'customer-42', purpose: 'card_offers', channel: 'branch' });
    expect(withdrawn).toMatchObject({ withdraws: given.id, noticeVersion: 1 });
    await expect(consents.check('customer-42', 'card_offers')).resolves.toMatchObject({ consented: false, state: 'withdrawn' });
    expect(await problemCode(consents.withdraw(ctx, collector, { subject: 'customer-42', purpose: 'card_offers' }))).toBe(
      'no_consent_to_withdraw',
    );
    expect(audit.actions().filter((a) => a.startsWith('consent.'))).toEqual(['consent.given', 'consent.withdrawn']);
  });

  it('audits a staff look-up of a customer’s history, not a collector’s', async () => {
    const { audit, publish, consents } = await setup();
    await publish('card_offers');
    await consents.record(ctx, collector, give());
    audit.events.length = 0;
    await consents.history(ctx, { subject: 'customer-42', limit: 10 }, { collectorId: 'mobile-bank' });
    expect(audit.events).toEqual([]);
    const seen = await consents.history(pat, { subject: 'customer-42', limit: 10 });
    expect(seen.items).toHaveLength(1);
    expect(audit.events).toEqual([
      expect.objectContaining({ action: 'consent.history_read', actorId: 'pat', details: { purpose: null, events: 1 } }),
    ]);
  });
});
