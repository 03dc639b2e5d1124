import {
  assessmentCutoff,
  assertAssessmentCurrent,
  assertNoticesDisclose,
  assertSubjectsLive,
  type GrantSubjects,
} from '../../services/access-grants/grantability';
import { disclosesField, undisclosed } from '../../services/notices/disclosure';
import { ProblemError } from '../../services/shared/errors';

const codeOf = (fn: () => void): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (err) {
    if (err instanceof ProblemError) return err.code;
    throw err;
  }
};

describe('notice disclosure of a sensitive field', () => {
  const category = (c: string, fields?: string[]) => ({ category: c, ...(fields ? { fields } : {}) });
  it.each([
    ['the field name as words', [category('id number')], true],
    ['the field name, other case and separators', [category(' ID-Number ')], true],
    ['the asset and field', [category('retail.customer_profile.id_number')], true],
    ['a fields entry by name', [category('resident identity card', ['id_number'])], true],
    ['a fields entry by asset and field', [category('resident identity card', ['retail.customer_profile.id_number'])], true],
    ['no category', [], false],
    ['a category about something else', [category('bank account numbers')], false],
    ['a near name', [category('id numbers')], false],
    ['the same field of another asset', [category('x', ['retail.other.id_number'])], false],
    ['a fields entry naming another field', [category('identity', ['passport_number'])], false],
  ])('%s → %s', (_label, categories, expected) => {
    expect(disclosesField(categories, 'retail.customer_profile', 'id_number')).toBe(expected);
  });

  it('answers which releases a notice leaves undisclosed', () => {
    const releases = [
      { assetKey: 'a.b', field: 'balance', grantIds: ['g1'] },
      { assetKey: 'a.b', field: 'id_number', grantIds: ['g2'] },
    ];
    expect(undisclosed([category('balance')], releases)).toEqual([releases[1]]);
  });
});

describe('security assessment currency', () => {
  const now = new Date('2026-12-05T08:00:00Z');
  it('is current for 12 calendar months after the assessment date', () => {
    expect(assessmentCutoff(now)).toBe('2025-12-05');
    expect(assessmentCutoff(new Date('2028-02-29T00:00:00Z'))).toBe('2027-03-01');
  });
  it.each([
    ['passed on the cutoff day', { assessedAt: '2025-12-05', result: 'pass' }, undefined],
    ['passed today', { assessedAt: '2026-12-05', result: 'pass' }, undefined],
    ['passed the day before the cutoff', { assessedAt: '2025-12-04', result: 'pass' }, 'security_assessment_not_current'],
    ['failed recently', { assessedAt: '2026-12-01', result: 'fail' }, 'security_assessment_not_current'],
    ['conditional recently', { assessedAt: '2026-12-01', result: 'conditional' }, 'security_assessment_not_current'],
    ['none', null, 'security_assessment_not_current'],
  ])('%s', (_label, assessment, code) => {
    expect(codeOf(() => assertAssessmentCurrent(assessment, now))).toBe(code);
  });
});

describe('grant subjects', () => {
  const subjects = (o: Partial<GrantSubjects> = {}): GrantSubjects => ({
    asset: { key: 'retail.profile', status: 'active' },
    fields: [
      { name: 'name', piCategory: 'personal', status: 'active' },
      { name: 'balance', piCategory: 'sensitive', status: 'active' },
    ],
    purpose: { status: 'active', legalBasis: 'consent' },
    ...o,
  });
  const grant = { id: 'g1', fields: ['name', 'balance'], purposeKey: 'offers' };

  it.each([
    ['all live', subjects(), undefined],
    ['a retired asset', subjects({ asset: { key: 'retail.profile', status: 'retired' } }), 'asset_retired'],
    ['a missing asset', subjects({ asset: undefined }), 'asset_retired'],
    ['a retired purpose', subjects({ purpose: { status: 'retired', legalBasis: 'consent' } }), 'purpose_retired'],
    [
      'a retired field',
      subjects({
        fields: [
          { name: 'name', piCategory: 'personal', status: 'active' },
          { name: 'balance', piCategory: 'sensitive', status: 'retired' },
        ],
      }),
      'fields_retired',
    ],
    ['an unknown field', subjects({ fields: [{ name: 'name', piCategory: 'personal', status: 'active' }] }), 'fields_retired'],
  ])('live check: %s', (_label, s, code) => {
    expect(codeOf(() => assertSubjectsLive(grant, s))).toBe(code);
  });

  const notice = (
    sensitivePiCategories: Array<{ category: string; necessity: string; impact: string; fields?: string[] }>,
    appId: string | null = null,
  ) => ({
    id: 'n1',
    appId,
    version: 1,
    sensitivePiCategories,
  });
  const balance = { category: 'balance', necessity: 'n', impact: 'i' };
  it.each([
    ['consent purpose, no notice', subjects(), [], 'sensitive_data_not_in_notice'],
    ['contract purpose, no notice', subjects({ purpose: { status: 'active', legalBasis: 'contract' } }), [], undefined],
    ['a notice that discloses it', subjects(), [notice([balance])], undefined],
    ['a notice without sensitive categories', subjects(), [notice([])], 'sensitive_data_not_in_notice'],
    [
      'the general notice discloses it, an app notice does not',
      subjects(),
      [notice([balance]), notice([], 'app-1')],
      'sensitive_data_not_in_notice',
    ],
    [
      'contract purpose, a notice that omits it',
      subjects({ purpose: { status: 'active', legalBasis: 'contract' } }),
      [notice([])],
      'sensitive_data_not_in_notice',
    ],
  ])('notice check: %s', (_label, s, notices, code) => {
    expect(codeOf(() => assertNoticesDisclose(grant, s, notices))).toBe(code);
  });

  it('needs no notice for a grant without sensitive fields', () => {
    expect(codeOf(() => assertNoticesDisclose({ ...grant, fields: ['name'] }, subjects(), [notice([])]))).toBeUndefined();
  });
});
