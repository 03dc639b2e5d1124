import type { AuditLog } from '../../services/audit';
import type { Db, Trx } from '../../services/db';
import type { AppStore } from '../../services/apps/store';
import { outsideLicence } from '../../services/apps/business-review/licensed-scope';
import { SetBusinessProfile, SetLicensedScope } from '../../services/apps/business-review/schemas';
import { BusinessReviewService } from '../../services/apps/business-review/service';
import type {
  BusinessProfileRecord,
  BusinessReviewStore,
  LicensedScopeRecord,
  ReviewRecord,
} from '../../services/apps/business-review/store';
import { ManualClock } from '../../services/platform/clock';

// The Notice, item 8: what the licence covers, what a declaration may say, and the release gate's
// reading of reviews and findings as time passes (a clock the test moves).

const scope: Pick<LicensedScopeRecord, 'businessLines' | 'regions'> = {
  businessLines: [{ code: 'personal_deposits', name: 'Deposits' }],
  regions: ['CN-BJ', 'CN-TJ'],
};

describe('the licensed scope covers a declaration', () => {
  it.each([
    ['inside', ['personal_deposits'], ['CN-BJ'], scope, { businessLines: [], regions: [] }],
    ['a line outside', ['personal_deposits', 'credit_cards'], ['CN-TJ'], scope, { businessLines: ['credit_cards'], regions: [] }],
    ['a region outside', ['personal_deposits'], ['CN-BJ', 'CN-GD'], scope, { businessLines: [], regions: ['CN-GD'] }],
    ['nationwide asked of a provincial licence', ['personal_deposits'], ['CN'], scope, { businessLines: [], regions: ['CN'] }],
    [
      'any division under a nationwide licence',
      ['personal_deposits'],
      ['CN-GD', 'CN'],
      { ...scope, regions: ['CN'] },
      { businessLines: [], regions: [] },
    ],
    [
      'nothing without a licence (fail closed)',
      ['personal_deposits'],
      ['CN-BJ'],
      undefined,
      { businessLines: ['personal_deposits'], regions: ['CN-BJ'] },
    ],
  ])('%s', (_label, businessLines, regions, licence, expected) => {
    expect(outsideLicence({ businessLines, regions }, licence)).toEqual(expected);
  });
});

describe('declarations', () => {
  const profile = { businessLines: ['personal_deposits'], regions: ['CN-BJ'], partners: [], productSales: [] };

  it('takes ISO 3166-2:CN province-level codes and CN, nothing else', () => {
    for (const region of ['CN', 'CN-BJ', 'CN-HK', 'CN-MO', 'CN-TW', 'CN-XZ']) {
      expect(SetBusinessProfile.safeParse({ ...profile, regions: [region] }).success).toBe(true);
    }
    for (const region of ['CN-XX', 'cn-bj', 'CN-11', 'US-CA', 'CN-BJ ', '']) {
      expect(SetBusinessProfile.safeParse({ ...profile, regions: [region] }).success).toBe(false);
    }
  });

  it('refuses a region, line, partner or product given twice (partner and product names case aside)', () => {
    const partner = (name: string) => ({
      name,
      cooperation: 'Co-lending',
      agreementReference: 'A-1',
      agreementFrom: '2026-01-01',
      agreementUntil: '2026-12-31',
      review: null,
    });
    const sale = (product: string) => ({ product, traceable: false, disclosureUrl: 'https://bank.example/d' });
    expect(SetBusinessProfile.safeParse({ ...profile, regions: ['CN-BJ', 'CN-BJ'] }).success).toBe(false);
    expect(SetBusinessProfile.safeParse({ ...profile, businessLines: ['cards', 'cards'] }).success).toBe(false);
    expect(SetBusinessProfile.safeParse({ ...profile, partners: [partner('Acme'), partner('ACME')] }).success).toBe(false);
    expect(SetBusinessProfile.safeParse({ ...profile, productSales: [sale('Gold'), sale('gold')] }).success).toBe(false);
    expect(SetBusinessProfile.safeParse({ ...profile, partners: [partner('Acme'), partner('Beta')] }).success).toBe(true);
    expect(
      SetLicensedScope.safeParse({ licenceReference: 'L', businessLines: [{ code: 'cards', name: 'Cards' }], regions: ['CN', 'CN'] })
        .success,
    ).toBe(false);
  });
});

describe('the release gate’s reading of the business review', () => {
  const declared: BusinessProfileRecord = {
    appId: 'app',
    businessLines: ['personal_deposits'],
    regions: ['CN-BJ'],
    partners: [],
    productSales: [],
    declaredBy: 'rita',
    declaredAt: '2026-01-01T00:00:00.000Z',
  };
  const passedOn = (reviewedOn: string): ReviewRecord => ({
    id: 'r1',
    appId: 'app',
    reviewedOn,
    outcome: 'passed',
    summary: 'ok',
    examined: { businessLines: declared.businessLines, regions: declared.regions, declaredAt: declared.declaredAt },
    reviewedBy: 'cora',
    recordedAt: `${reviewedOn}T10:00:00.000Z`,
  });
  const gate = (
    clock: ManualClock,
    review: ReviewRecord | undefined,
    overdue: Array<{ id: string; title: string; dueOn: string }> = [],
  ) => {
    const store = {
      profile: async () => declared,
      licensedScope: async () => ({ ...scope, licenceReference: 'L', setBy: 'cora', setAt: '2026-01-01T00:00:00.000Z' }),
      reviewsOf: async () => (review ? [review] : []),
      overdueFindings: async (_trx: Trx, _app: string, today: string) => overdue.filter((f) => f.dueOn < today),
    } as unknown as BusinessReviewStore;
    const service = new BusinessReviewService({} as Db, {} as AppStore, store, {} as AuditLog, clock);
    return service.releaseRequirements({} as Trx, 'app').then((unmet) => unmet.map((u) => u.requirement));
  };

  it('accepts a passed review for 12 months, then names it expired', async () => {
    const clock = new ManualClock('2026-03-01T08:00:00Z');
    expect(await gate(clock, passedOn('2026-02-27'))).toEqual([]);
    clock.set('2027-02-27T08:00:00Z');
    expect(await gate(clock, passedOn('2026-02-27'))).toEqual([]);
    clock.set('2027-02-28T08:00:00Z');
    expect(await gate(clock, passedOn('2026-02-27'))).toEqual(['compliance_review_expired']);
  });

  it('names a finding once its due date has passed, not on the day it is due', async () => {
    const clock = new ManualClock('2026-04-10T23:00:00Z');
    const finding = [{ id: 'f1', title: 'Disclose fees', dueOn: '2026-04-10' }];
    expect(await gate(clock, passedOn('2026-03-01'), finding)).toEqual([]);
    clock.advance(3_600_000);
    expect(await gate(clock, passedOn('2026-03-01'), finding)).toEqual(['compliance_finding_overdue']);
  });

  it('names a review that did not examine a region declared since', async () => {
    const clock = new ManualClock('2026-03-01T08:00:00Z');
    expect(await gate(clock, { ...passedOn('2026-02-27'), examined: { ...passedOn('2026-02-27').examined, regions: ['CN-TJ'] } })).toEqual([
      'compliance_review_outdated',
    ]);
    expect(await gate(clock, { ...passedOn('2026-02-27'), examined: { ...passedOn('2026-02-27').examined, regions: ['CN'] } })).toEqual([]);
  });

  it('names a missing review', async () => {
    expect(await gate(new ManualClock(), undefined)).toEqual(['compliance_review_missing']);
  });
});
