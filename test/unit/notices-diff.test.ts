import { MATERIAL_FIELDS, diffNotices, missingForPublication } from '../../services/notices';
import type { NoticeContent } from '../../services/notices';

const v1: NoticeContent = {
  title: 'Card offers',
  body: '# Card offers\nWe tell you about cards that suit you.',
  controller: { name: 'Example Bank', contact: 'Personal Information Protection Office', email: 'privacy@bank.example' },
  purposeDescription: 'Offering credit cards to existing customers',
  piCategories: ['name', 'mobile phone number'],
  sensitivePiCategories: [],
  retentionDays: 365,
  thirdParties: [
    { name: 'Call Centre Ltd', kind: 'entrusted', purpose: 'Calling customers', piCategories: ['name', 'mobile phone number'] },
  ],
  rights: {
    access: 'App › Privacy',
    copy: 'App › Privacy › Export',
    correct: 'App › Profile',
    delete: 'App › Privacy › Delete',
    withdraw: 'App › Privacy › Consents',
  },
  complaintChannel: { phone: '95555' },
  language: 'zh-CN',
};

const previous = { version: 1, content: v1 };

describe('diffNotices', () => {
  it('calls the first version of a scope material, with nothing to compare', () => {
    expect(diffNotices(null, v1)).toEqual({ againstVersion: null, material: true, changes: [] });
  });

  it('lists no changes for the same content', () => {
    expect(diffNotices(previous, structuredClone(v1))).toEqual({ againstVersion: 1, material: false, changes: [] });
  });

  it.each([
    ['title', { title: 'Card offers for you' }],
    ['body', { body: 'Reworded.' }],
    ['controller', { controller: { ...v1.controller, phone: '+86 755 1234 5678' } }],
    ['rights', { rights: { ...v1.rights, delete: 'Call 95555' } }],
    ['complaintChannel', { complaintChannel: { url: 'https://bank.example/complaints' } }],
    ['language', { language: 'en' }],
  ] as const)('treats a change of %s as not material', (field, change) => {
    const diff = diffNotices(previous, { ...v1, ...change });
    expect(diff.material).toBe(false);
    expect(diff.changes).toEqual([expect.objectContaining({ field, material: false })]);
  });

  it.each([
    ['purposeDescription', { purposeDescription: 'Offering credit cards and loans' }],
    ['piCategories', { piCategories: ['name', 'mobile phone number', 'income'] }],
    [
      'sensitivePiCategories',
      { sensitivePiCategories: [{ category: 'bank account numbers', necessity: 'To repay', impact: 'Loss if leaked' }] },
    ],
    ['retentionDays', { retentionDays: 730 }],
    ['thirdParties', { thirdParties: [...v1.thirdParties, { name: 'Insurer Co', kind: 'recipient' as const }] }],
    ['thirdParties', { thirdParties: [{ ...v1.thirdParties[0], piCategories: ['name'] }] }],
  ] as const)('treats a change of %s as material', (field, change) => {
    const diff = diffNotices(previous, { ...v1, ...(change as Partial<NoticeContent>) });
    expect(diff).toMatchObject({ againstVersion: 1, material: true });
    expect(diff.changes).toEqual([expect.objectContaining({ field, material: true })]);
  });

  it('ignores order, spacing and the wording of a third party’s contact', () => {
    const reordered: NoticeContent = {
      ...v1,
      piCategories: ['mobile  phone number', 'name'],
      thirdParties: [{ ...v1.thirdParties[0], contact: 'ops@callcentre.example' }],
    };
    const diff = diffNotices(previous, reordered);
    expect(diff.material).toBe(false);
    expect(diff.changes.map((c) => [c.field, c.material])).toEqual([
      ['piCategories', false],
      ['thirdParties', false],
    ]);
  });

  it('names what a list gained and lost', () => {
    const diff = diffNotices(previous, {
      ...v1,
      piCategories: ['name', 'income'],
      thirdParties: [{ name: 'Insurer Co', kind: 'recipient' }],
    });
    expect(diff.changes.find((c) => c.field === 'piCategories')).toMatchObject({ added: ['income'], removed: ['mobile phone number'] });
    expect(diff.changes.find((c) => c.field === 'thirdParties')).toMatchObject({
      added: ['recipient: Insurer Co'],
      removed: ['entrusted: Call Centre Ltd'],
    });
  });

  it('treats a material field appearing or disappearing as material', () => {
    const { thirdParties: _dropped, ...withoutThirdParties } = v1;
    expect(diffNotices({ version: 1, content: withoutThirdParties }, v1).material).toBe(true);
    expect(diffNotices(previous, withoutThirdParties).material).toBe(true);
  });

  it('covers exactly the fields PRODUCT.md names: purpose, categories, third parties, retention', () => {
    expect([...MATERIAL_FIELDS].sort()).toEqual([
      'piCategories',
      'purposeDescription',
      'retentionDays',
      'sensitivePiCategories',
      'thirdParties',
    ]);
  });
});

describe('missingForPublication', () => {
  it('accepts a complete notice', () => {
    expect(missingForPublication(v1)).toEqual([]);
  });

  it('names every Art. 17 item and the complaint channel an empty draft lacks', () => {
    const paths = missingForPublication({}).map((i) => i.path);
    expect(paths).toEqual([
      'title',
      'body',
      'controller',
      'purposeDescription',
      'piCategories',
      'retentionDays',
      'thirdParties',
      'rights.access',
      'rights.copy',
      'rights.correct',
      'rights.delete',
      'rights.withdraw',
      'complaintChannel',
      'language',
    ]);
  });

  it('accepts an empty third-party list but not an absent one, and sensitive categories alone', () => {
    expect(missingForPublication({ ...v1, thirdParties: [] })).toEqual([]);
    const sensitiveOnly = {
      ...v1,
      piCategories: [],
      sensitivePiCategories: [{ category: 'bank account numbers', necessity: 'n', impact: 'i' }],
    };
    expect(missingForPublication(sensitiveOnly)).toEqual([]);
    expect(missingForPublication({ ...v1, piCategories: [] }).map((i) => i.path)).toEqual(['piCategories']);
  });
});
