import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { AssetKey, FieldName } from '../../services/data-assets';
import { CreateDataAsset } from '../../services/data-assets/schemas';
import { ownershipMapCsv, type OwnershipMapEntry } from '../../services/ownership';
import { neutraliseFormula } from '../../services/shared/csv';

const entry = (over: Partial<OwnershipMapEntry>): OwnershipMapEntry => ({
  assetId: '0b4f6a3e-2b8e-4c55-9a0e-6f2d7b1c9e01',
  key: 'retail.customer_profile',
  name: 'Customer profile',
  status: 'active',
  classification: 4,
  owningDepartment: 'RETAIL',
  owningDepartmentName: 'Retail banking',
  dataOwners: ['alice', 'ruth'],
  fieldCounts: { none: 1, personal: 2, sensitive: 2, total: 5 },
  openTransferTo: null,
  ...over,
});

describe('asset keys and field names', () => {
  it.each(['retail.customer_profile', 'corporate.loan_book', 'a.b', 'retail.cards.transactions_2026'])('accepts the key %s', (key) => {
    expect(AssetKey.safeParse(key).success).toBe(true);
  });
  it.each([
    'retail',
    'Retail.profile',
    'retail.',
    '.retail',
    'retail..profile',
    'retail.customer-profile',
    'retail.1st',
    'retail profile',
    '',
  ])('refuses the key %j', (key) => {
    expect(AssetKey.safeParse(key).success).toBe(false);
  });
  it.each(['name', 'id_number', 'account_balance', 'line2'])('accepts the field name %s', (name) => {
    expect(FieldName.safeParse(name).success).toBe(true);
  });
  it.each(['Name', 'id-number', '_id', 'id__number', 'id_', '2fa', 'phone number', ''])('refuses the field name %j', (name) => {
    expect(FieldName.safeParse(name).success).toBe(false);
  });

  it('refuses duplicate field names in one request, naming the second occurrence', () => {
    const result = CreateDataAsset.safeParse({
      key: 'retail.x',
      name: 'X',
      owningDepartment: 'RETAIL',
      classification: 1,
      fields: [
        { name: 'a', piCategory: 'none' },
        { name: 'b', piCategory: 'none' },
        { name: 'a', piCategory: 'personal' },
      ],
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['fields.2.name']);
  });
});

describe('the ownership map as CSV', () => {
  it('quotes commas, quotes and line breaks (RFC 4180) and ends every record with CRLF', () => {
    const csv = ownershipMapCsv([entry({ name: 'Retail, "Premium"\nclients', owningDepartmentName: 'Line\r\nbreak' })]);
    const [header, ...rest] = csv.split('\r\n');
    expect(header.split(',')).toHaveLength(12);
    expect(rest.join('\r\n')).toBe(
      'retail.customer_profile,"Retail, ""Premium""\nclients",active,4,RETAIL,"Line\r\nbreak",alice; ruth,1,2,2,5,\r\n',
    );
  });

  it('neutralises cells a spreadsheet would run as formulas', () => {
    expect(neutraliseFormula('=1+1')).toBe("'=1+1");
    expect(neutraliseFormula('+86 phone')).toBe("'+86 phone");
    expect(neutraliseFormula('-x')).toBe("'-x");
    expect(neutraliseFormula('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(neutraliseFormula('\tcmd')).toBe("'\tcmd");
    expect(neutraliseFormula('Customer = profile')).toBe('Customer = profile');
  });

  it('round-trips any asset name through a CSV parser', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme', maxLength: 30 }), { minLength: 1, maxLength: 5 }), (names) => {
        const csv = ownershipMapCsv(names.map((name, i) => entry({ key: `retail.a${i}`, name })));
        const rows = parse(csv, { columns: true }) as Array<Record<string, string>>;
        expect(rows.map((r) => r.asset_name)).toEqual(names.map(neutraliseFormula));
        expect(rows.map((r) => r.asset_key)).toEqual(names.map((_, i) => `retail.a${i}`));
      }),
    );
  });
});
