import { IllegalTransitionError, APP_STATES, assertTransition, nextState, type AppState } from '../../services/apps/lifecycle';
import { checkRelease, penetrationTestCutoff, type PenetrationTestFact, type ReleaseFacts } from '../../services/apps/release-gate';
import { vulnerabilityStatus } from '../../services/apps/security-service';
import { ConfigError, loadConfig } from '../../services/config';

describe('app lifecycle', () => {
  const pairs = APP_STATES.flatMap((from) => APP_STATES.map((to) => [from, to] as [AppState, AppState]));

  it.each(pairs)('%s → %s is allowed only as the single next step', (from, to) => {
    const legal = APP_STATES.indexOf(to) === APP_STATES.indexOf(from) + 1;
    if (legal) {
      expect(() => assertTransition(from, to)).not.toThrow();
    } else {
      const err = (() => {
        try {
          assertTransition(from, to);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(err).toBeInstanceOf(IllegalTransitionError);
      expect((err as IllegalTransitionError).status).toBe(409);
      expect((err as IllegalTransitionError).extensions.allowed).toEqual(from === 'retired' ? [] : [nextState(from)]);
    }
  });

  it('ends at retired', () => {
    expect(nextState('consolidating')).toBe('retired');
    expect(nextState('retired')).toBeUndefined();
  });
});

describe('release gate', () => {
  const today = '2026-11-27';
  const pen = (performedAt: string, result: PenetrationTestFact['result'] = 'pass', recordedAt = `${performedAt}T12:00:00.000Z`): PenetrationTestFact => ({
    id: `pt-${performedAt}-${result}`,
    performedAt,
    result,
    recordedAt,
  });
  const facts = (over: Partial<ReleaseFacts>): ReleaseFacts => ({ filingNumber: 'FN-1', penetrationTests: [pen('2026-10-01')], consentPurposes: [], today, ...over });
  const unmet = (f: ReleaseFacts) => checkRelease(f).unmet.map((u) => u.requirement);

  it('passes with a filing number, a recent passed penetration test and notices for consent purposes, naming the evidence', () => {
    const result = checkRelease(facts({ consentPurposes: [{ key: 'marketing', hasPublishedNotice: true }] }));
    expect(result).toEqual({
      unmet: [],
      evidence: { filingNumber: 'FN-1', penetrationTest: { id: 'pt-2026-10-01-pass', performedAt: '2026-10-01' }, consentPurposesWithNotice: ['marketing'] },
    });
  });

  it.each([
    ['no filing number', { filingNumber: null }, ['filing_number_missing']],
    ['no penetration test', { penetrationTests: [] }, ['penetration_test_missing']],
    ['a failed penetration test', { penetrationTests: [pen('2026-11-01', 'fail')] }, ['penetration_test_not_passed']],
    ['a conditional penetration test', { penetrationTests: [pen('2026-11-01', 'conditional')] }, ['penetration_test_not_passed']],
    ['a later failed retest after a pass', { penetrationTests: [pen('2026-10-01'), pen('2026-11-01', 'fail')] }, ['penetration_test_not_passed']],
    ['a same-day fail recorded after the pass', { penetrationTests: [pen('2026-11-01', 'pass', '2026-11-01T09:00:00.000Z'), pen('2026-11-01', 'fail', '2026-11-01T10:00:00.000Z')] }, ['penetration_test_not_passed']],
    ['a pass one day past 12 months', { penetrationTests: [pen('2025-11-26')] }, ['penetration_test_expired']],
    ['a consent purpose without a notice', { consentPurposes: [{ key: 'a', hasPublishedNotice: true }, { key: 'b', hasPublishedNotice: false }] }, ['consent_notice_missing']],
    ['nothing at all', { filingNumber: null, penetrationTests: [], consentPurposes: [{ key: 'b', hasPublishedNotice: false }] }, ['filing_number_missing', 'penetration_test_missing', 'consent_notice_missing']],
  ] as Array<[string, Partial<ReleaseFacts>, string[]]>)('refuses %s', (_label, over, expected) => {
    expect(unmet(facts(over))).toEqual(expected);
    expect(checkRelease(facts(over)).evidence).toBeUndefined();
  });

  it('accepts a pass exactly 12 months old, and a fail followed by a pass', () => {
    expect(unmet(facts({ penetrationTests: [pen('2025-11-27')] }))).toEqual([]);
    expect(unmet(facts({ penetrationTests: [pen('2026-09-01', 'fail'), pen('2026-10-01')] }))).toEqual([]);
  });

  it('counts 12 months back by the calendar, leap days included', () => {
    expect(penetrationTestCutoff('2026-11-27')).toBe('2025-11-27');
    expect(penetrationTestCutoff('2028-02-29')).toBe('2027-03-01');
    expect(penetrationTestCutoff('2026-03-31')).toBe('2025-03-31');
  });
});

describe('vulnerability status', () => {
  const now = new Date('2026-11-27T12:00:00.000Z');
  it.each([
    [{ fixedAt: null, dueAt: '2026-11-28T00:00:00.000Z' }, 'open'],
    [{ fixedAt: null, dueAt: '2026-11-27T12:00:00.000Z' }, 'open'],
    [{ fixedAt: null, dueAt: '2026-11-27T11:59:59.999Z' }, 'overdue'],
    [{ fixedAt: '2026-11-30T00:00:00.000Z', dueAt: '2026-11-01T00:00:00.000Z' }, 'fixed'],
  ])('%o is %s', (v, status) => {
    expect(vulnerabilityStatus(v, now)).toBe(status);
  });
});

describe('consolidation thresholds from configuration', () => {
  it('default to 1,000 monthly active users and satisfaction 3', () => {
    expect(loadConfig({}).appConsolidation).toEqual({ lowActivityMau: 1000, poorSatisfactionBelow: 3 });
  });

  it('read APP_LOW_ACTIVITY_MAU and APP_POOR_SATISFACTION_BELOW', () => {
    expect(loadConfig({ APP_LOW_ACTIVITY_MAU: '250', APP_POOR_SATISFACTION_BELOW: '3.75' }).appConsolidation).toEqual({
      lowActivityMau: 250,
      poorSatisfactionBelow: 3.75,
    });
  });

  it.each([
    ['APP_LOW_ACTIVITY_MAU', '-1'],
    ['APP_LOW_ACTIVITY_MAU', 'many'],
    ['APP_POOR_SATISFACTION_BELOW', '5.5'],
    ['APP_POOR_SATISFACTION_BELOW', 'low'],
  ])('refuses %s=%s naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });
});
