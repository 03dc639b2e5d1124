import { disclosesComponent } from '../../services/apps/components/disclosure';

// A notice discloses a PI-collecting component when a third party named as the component or its
// provider lists every category the component collects.

const sdk = { name: 'PushKit', provider: 'Example Push Co., Ltd.', piCategories: ['device identifiers', 'location'] };

describe('disclosesComponent', () => {
  it.each([
    ['the component by name with every category', [{ name: 'PushKit', piCategories: ['device identifiers', 'location'] }], true],
    [
      'the provider, case and separators aside',
      [{ name: 'example push co., ltd.', piCategories: ['Device_Identifiers', 'LOCATION'] }],
      true,
    ],
    ['the name written with spaces', [{ name: 'Push Kit', piCategories: ['device identifiers', 'location'] }], true],
    ['the component with a category missing', [{ name: 'PushKit', piCategories: ['device identifiers'] }], false],
    ['the component without categories', [{ name: 'PushKit' }], false],
    ['another party with every category', [{ name: 'MapsLite', piCategories: ['device identifiers', 'location'] }], false],
    [
      'categories split over two parties',
      [
        { name: 'PushKit', piCategories: ['location'] },
        { name: 'Example Push Co., Ltd.', piCategories: ['device identifiers'] },
      ],
      false,
    ],
    ['nobody', [], false],
  ])('%s', (_label, parties, expected) => {
    expect(disclosesComponent(parties, sdk)).toBe(expected);
  });
});
