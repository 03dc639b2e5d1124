import {
  IllegalTransitionError,
  APP_STATES,
  SeparationOfDutiesError,
  assertSeparateChecker,
  assertTransition,
  nextState,
  type AppState,
} from '../../services/apps/lifecycle';
import { checkRelease, penetrationTestCutoff, type ReleaseFacts, type SecurityTestFact } from '../../services/apps/release-gate';
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
  const test = (
    kind: SecurityTestFact['kind'],
    performedAt: string,
    result: SecurityTestFact['result'] = 'pass',
    recordedAt = `${performedAt}T12:00:00.000Z`,
  ): SecurityTestFact => ({ id: `${kind}-${performedAt}-${result}`, kind, performedAt, result, recordedAt });
  const pen = (performedAt: string, result: SecurityTestFact['result'] = 'pass', recordedAt?: string) =>
    test('penetration', performedAt, result, recordedAt);
  const others = [test('compatibility', '2026-10-02'), test('privacy_review', '2026-10-03')];
  const facts = (over: Partial<ReleaseFacts> & { pen?: SecurityTestFact[] }): ReleaseFacts => {
    const { pen: penetration = [pen('2026-10-01')], ...rest } = over;
    return { filingNumber: 'FN-1', securityTests: [...penetration, ...others], blockingFindings: [], consentPurposes: [], today, ...rest };
  };
  const unmet = (f: ReleaseFacts) => checkRelease(f).unmet.map((u) => u.requirement);
  const finding = (id: string, severity: string, testKind: string | null) => ({
    id,
    title: `Finding ${id}`,
    severity,
    testKind,
    dueAt: '2026-12-31T00:00:00.000Z',
  });

  it('passes with a filing number, recent passed tests of every kind and notices for consent purposes, naming the evidence', () => {
    const result = checkRelease(facts({ consentPurposes: [{ key: 'marketing', hasPublishedNotice: true }] }));
    expect(result).toEqual({
      unmet: [],
      evidence: {
        filingNumber: 'FN-1',
        penetrationTest: { id: 'penetration-2026-10-01-pass', performedAt: '2026-10-01' },
        compatibilityTest: { id: 'compatibility-2026-10-02-pass', performedAt: '2026-10-02' },
        privacyReview: { id: 'privacy_review-2026-10-03-pass', performedAt: '2026-10-03' },
        consentPurposesWithNotice: ['marketing'],
      },
    });
  });

  it.each([
    ['no filing number', { filingNumber: null }, ['filing_number_missing']],
    ['no penetration test', { pen: [] }, ['penetration_test_missing']],
    ['a failed penetration test', { pen: [pen('2026-11-01', 'fail')] }, ['penetration_test_not_passed']],
    ['a conditional penetration test', { pen: [pen('2026-11-01', 'conditional')] }, ['penetration_test_not_passed']],
    ['a later failed retest after a pass', { pen: [pen('2026-10-01'), pen('2026-11-01', 'fail')] }, ['penetration_test_not_passed']],
    [
      'a same-day fail recorded after the pass',
      { pen: [pen('2026-11-01', 'pass', '2026-11-01T09:00:00.000Z'), pen('2026-11-01', 'fail', '2026-11-01T10:00:00.000Z')] },
      ['penetration_test_not_passed'],
    ],
    ['a pass one day past 12 months', { pen: [pen('2025-11-26')] }, ['penetration_test_expired']],
    [
      'a consent purpose without a notice',
      {
        consentPurposes: [
          { key: 'a', hasPublishedNotice: true },
          { key: 'b', hasPublishedNotice: false },
        ],
      },
      ['consent_notice_missing'],
    ],
    ['an open high finding', { blockingFindings: [finding('v1', 'high', null)] }, ['blocking_finding_open']],
    [
      'nothing at all',
      { filingNumber: null, securityTests: [], consentPurposes: [{ key: 'b', hasPublishedNotice: false }] },
      [
        'filing_number_missing',
        'penetration_test_missing',
        'compatibility_test_missing',
        'privacy_review_missing',
        'consent_notice_missing',
      ],
    ],
  ] as Array<[string, Partial<ReleaseFacts> & { pen?: SecurityTestFact[] }, string[]]>)('refuses %s', (_label, over, expected) => {
    expect(unmet(facts(over))).toEqual(expected);
    expect(checkRelease(facts(over)).evidence).toBeUndefined();
  });

  it('names every unmet test kind and every open blocking finding, each with what it is about', () => {
    const securityTests = [pen('2026-11-01'), test('compatibility', '2026-11-02', 'fail'), test('privacy_review', '2025-01-01')];
    const result = checkRelease({
      ...facts({}),
      securityTests,
      blockingFindings: [finding('v1', 'low', 'privacy_review'), finding('v2', 'critical', 'penetration')],
    });
    expect(result.unmet).toEqual([
      expect.objectContaining({ requirement: 'compatibility_test_not_passed', testKind: 'compatibility' }),
      expect.objectContaining({ requirement: 'privacy_review_expired', testKind: 'privacy_review' }),
      expect.objectContaining({ requirement: 'blocking_finding_open', findingId: 'v1', detail: expect.stringContaining('privacy review') }),
      expect.objectContaining({ requirement: 'blocking_finding_open', findingId: 'v2', detail: expect.stringContaining('critical') }),
    ]);
    expect(result.evidence).toBeUndefined();
  });

  it('judges each kind by its own most recent test: another kind’s pass does not stand in', () => {
    const securityTests = [
      pen('2026-11-01'),
      test('compatibility', '2026-11-01', 'pass'),
      test('compatibility', '2026-11-05', 'conditional'),
      test('privacy_review', '2026-11-01'),
    ];
    expect(unmet({ ...facts({}), securityTests })).toEqual(['compatibility_test_not_passed']);
  });

  it('accepts a pass exactly 12 months old, and a fail followed by a pass', () => {
    expect(unmet(facts({ pen: [pen('2025-11-27')] }))).toEqual([]);
    expect(unmet(facts({ pen: [pen('2026-09-01', 'fail'), pen('2026-10-01')] }))).toEqual([]);
  });

  it('counts 12 months back by the calendar, leap days included', () => {
    expect(penetrationTestCutoff('2026-11-27')).toBe('2025-11-27');
    expect(penetrationTestCutoff('2028-02-29')).toBe('2027-03-01');
    expect(penetrationTestCutoff('2026-03-31')).toBe('2025-03-31');
  });
});

describe('separation of duties in the lifecycle', () => {
  const app = { createdBy: 'amy' };
  const history = [
    { to: 'approved' as const, transitionedBy: 'ben' },
    { to: 'developing' as const, transitionedBy: 'amy' },
    { to: 'testing' as const, transitionedBy: 'cat' },
    { to: 'released' as const, transitionedBy: 'ben' },
    { to: 'operating' as const, transitionedBy: 'amy' },
    { to: 'consolidating' as const, transitionedBy: 'dan' },
  ];
  const refusal = (subject: string, to: AppState) => {
    try {
      assertSeparateChecker(subject, to, app, history);
      return undefined;
    } catch (err) {
      return err as SeparationOfDutiesError;
    }
  };

  it.each([
    ['amy', 'approved', 'proposed'],
    ['amy', 'released', 'proposed'],
    ['cat', 'released', 'testing'],
    ['dan', 'retired', 'consolidating'],
  ] as Array<[string, AppState, AppState]>)(
    'refuses %s moving the app to %s (made the %s step) with 403 separation_of_duties',
    (subject, to, makerStep) => {
      const err = refusal(subject, to);
      expect(err).toBeInstanceOf(SeparationOfDutiesError);
      expect(err?.status).toBe(403);
      expect(err?.code).toBe('separation_of_duties');
      expect(err?.extensions).toEqual({ step: to, makerStep });
    },
  );

  it.each([
    ['ben', 'approved'],
    ['ben', 'released'],
    ['amy', 'retired'],
    ['amy', 'developing'],
    ['amy', 'testing'],
    ['amy', 'operating'],
    ['amy', 'consolidating'],
  ] as Array<[string, AppState]>)('lets %s move the app to %s', (subject, to) => {
    expect(refusal(subject, to)).toBeUndefined();
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
