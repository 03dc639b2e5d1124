import { SignalRateLimit, checkThresholds, crossedSeverity } from '../../services/apps/monitoring';
import type { SignalThreshold } from '../../services/apps/monitoring/schemas';
import { ProblemError } from '../../services/shared/errors';

// The rules behind the app warnings: which severity a window reaches, which thresholds are consistent,
// and the per-app and per-recorder signal counters.

const availability: SignalThreshold = { kind: 'availability', windowMinutes: 60, warnBelowPercent: 99.5, majorBelowPercent: 95 };
const alerts: SignalThreshold = { kind: 'security_alert', windowMinutes: 60, warnAtCount: 3, majorAtCount: 5 };

describe('crossedSeverity', () => {
  const rows: Array<[SignalThreshold, number, number, { severity: string; level: number } | null]> = [
    [availability, 100, 1, null],
    [availability, 99.5, 4, null],
    [availability, 99.49, 4, { severity: 'minor', level: 99.5 }],
    [availability, 95, 4, { severity: 'minor', level: 99.5 }],
    [availability, 94.99, 4, { severity: 'major', level: 95 }],
    [alerts, 2, 2, null],
    [alerts, 3, 3, { severity: 'minor', level: 3 }],
    [alerts, 4, 4, { severity: 'minor', level: 3 }],
    [alerts, 5, 5, { severity: 'major', level: 5 }],
  ];
  it.each(rows.map(([threshold, value, signals, expected]) => ({ kind: threshold.kind, threshold, value, signals, expected })))(
    '$kind at $value over $signals signals → $expected.severity',
    ({ threshold, value, signals, expected }) => {
      expect(crossedSeverity(threshold, { value, signals })).toEqual(expected);
    },
  );

  it('never warns on an empty window, and without a major level never says major', () => {
    expect(crossedSeverity(availability, { value: null, signals: 0 })).toBeNull();
    expect(crossedSeverity({ kind: 'availability', windowMinutes: 5, warnBelowPercent: 99 }, { value: 0, signals: 1 })).toEqual({
      severity: 'minor',
      level: 99,
    });
    expect(crossedSeverity({ kind: 'security_alert', windowMinutes: 5, warnAtCount: 1 }, { value: 1000, signals: 1000 })).toEqual({
      severity: 'minor',
      level: 1,
    });
  });
});

describe('checkThresholds', () => {
  const refusal = (thresholds: SignalThreshold[]) => {
    try {
      checkThresholds(thresholds);
      return undefined;
    } catch (err) {
      return (err as ProblemError).extensions.errors;
    }
  };

  it('accepts one threshold per kind with the major level beyond the warning level (or equal, or none)', () => {
    expect(refusal([availability, alerts])).toBeUndefined();
    expect(
      refusal([
        { ...availability, majorBelowPercent: 99.5 },
        { ...alerts, majorAtCount: 3 },
      ]),
    ).toBeUndefined();
    expect(refusal([])).toBeUndefined();
  });

  it('refuses a kind given twice and a major level on the wrong side, naming the field', () => {
    expect(refusal([alerts, availability, alerts])).toEqual([{ path: 'body.thresholds.2.kind', message: expect.any(String) }]);
    expect(refusal([{ ...availability, majorBelowPercent: 99.6 }])).toEqual([
      { path: 'body.thresholds.0.majorBelowPercent', message: 'must not be above warnBelowPercent' },
    ]);
    expect(refusal([availability, { ...alerts, majorAtCount: 2 }])).toEqual([
      { path: 'body.thresholds.1.majorAtCount', message: 'must not be below warnAtCount' },
    ]);
  });
});

describe('SignalRateLimit', () => {
  const refused = async (limit: SignalRateLimit, app: string, recorder: string) =>
    limit.consume(app, recorder).then(
      () => undefined,
      (err: ProblemError) => ({ status: err.status, code: err.code, retryAfter: err.headers['Retry-After'] }),
    );

  it('refuses past the per-app limit, whoever sends, with a Retry-After', async () => {
    const limit = new SignalRateLimit({ perApp: 2, perRecorder: 100, windowSeconds: 60 });
    expect(await refused(limit, 'app-a', 'client:one')).toBeUndefined();
    expect(await refused(limit, 'app-a', 'client:two')).toBeUndefined();
    expect(await refused(limit, 'app-a', 'client:three')).toEqual({
      status: 429,
      code: 'rate_limited',
      retryAfter: expect.stringMatching(/^[1-9]\d*$/),
    });
    expect(await refused(limit, 'app-b', 'client:one')).toBeUndefined();
  });

  it('refuses past the per-recorder limit, across apps', async () => {
    const limit = new SignalRateLimit({ perApp: 100, perRecorder: 2, windowSeconds: 60 });
    expect(await refused(limit, 'app-a', 'client:one')).toBeUndefined();
    expect(await refused(limit, 'app-b', 'client:one')).toBeUndefined();
    expect(await refused(limit, 'app-c', 'client:one')).toMatchObject({ status: 429 });
    expect(await refused(limit, 'app-c', 'staff:rita')).toBeUndefined();
  });
});
