import { normalizeScenario, overlapsOf } from '../../services/apps/plans';

// Business scenarios are compared normalized: the same scenario written differently is one scenario.

const app = (
  id: string,
  name: string,
  businessScenarios: string[],
  lifecycleState: 'proposed' | 'operating' | 'retired' = 'operating',
) => ({
  id,
  name,
  owningDepartment: 'RETAIL',
  lifecycleState,
  businessScenarios,
});

describe('normalizeScenario', () => {
  it.each([
    ['credit_card', 'credit_card'],
    ['Credit-Card', 'credit_card'],
    ['credit.card', 'credit_card'],
    ['credit__card', 'credit_card'],
    [' credit card ', 'credit_card'],
    ['ＣＲＥＤＩＴ_card', 'credit_card'],
    ['理财', '理财'],
    ['_wealth_', 'wealth'],
  ])('%s → %s', (tag, normalized) => {
    expect(normalizeScenario(tag)).toBe(normalized);
  });

  it('keeps different scenarios apart', () => {
    expect(normalizeScenario('creditcard')).not.toBe(normalizeScenario('credit_card'));
    expect(normalizeScenario('loans')).not.toBe(normalizeScenario('loan'));
  });
});

describe('overlapsOf', () => {
  const ledger = [
    app('b', 'Beta', ['Credit-Card', 'rewards']),
    app('a', 'alpha', ['wealth']),
    app('r', 'Retired', ['credit_card'], 'retired'),
    app('s', 'Self', ['credit_card'], 'proposed'),
  ];

  it('lists the apps not retired that share a normalized scenario, by name, with the shared scenarios', () => {
    expect(overlapsOf(['credit.card', 'Wealth', 'fx'], ledger, 's')).toEqual([
      { appId: 'a', name: 'alpha', owningDepartment: 'RETAIL', lifecycleState: 'operating', sharedScenarios: ['wealth'] },
      { appId: 'b', name: 'Beta', owningDepartment: 'RETAIL', lifecycleState: 'operating', sharedScenarios: ['credit_card'] },
    ]);
  });

  it('finds nothing for no scenarios or no shared one', () => {
    expect(overlapsOf([], ledger)).toEqual([]);
    expect(overlapsOf(['fx'], ledger)).toEqual([]);
  });
});
