import { outsideLicence } from '../../services/apps/business-review/licensed-scope';
import { SetBusinessProfile, SetLicensedScope } from '../../services/apps/business-review/schemas';
import type { LicensedScopeRecord } from '../../services/apps/business-review/store-type';

// The Notice, item 8: what the licence covers and what a declaration may say.

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

// The release gate's reading of reviews and findings over time is tested on fakes in apps-business-review-rules.test.ts.
