import { ValidationError } from '../../shared/errors';
import type { SignalThreshold, WarningSeverity } from './schemas';
import type { WindowTally } from './store';

/** The severity a window's tally reaches under a threshold, if any. */
export function crossedSeverity(threshold: SignalThreshold, tally: WindowTally): { severity: WarningSeverity; level: number } | null {
  if (tally.value === null || tally.signals === 0) return null;
  const value = tally.value;
  if (threshold.kind === 'availability') {
    if (threshold.majorBelowPercent !== undefined && value < threshold.majorBelowPercent)
      return { severity: 'major', level: threshold.majorBelowPercent };
    return value < threshold.warnBelowPercent ? { severity: 'minor', level: threshold.warnBelowPercent } : null;
  }
  if (threshold.majorAtCount !== undefined && value >= threshold.majorAtCount) return { severity: 'major', level: threshold.majorAtCount };
  return value >= threshold.warnAtCount ? { severity: 'minor', level: threshold.warnAtCount } : null;
}

/** One threshold per kind, and a major level beyond the warning level; 400 naming the field otherwise. */
export function checkThresholds(thresholds: readonly SignalThreshold[]): void {
  const seen = new Set<string>();
  thresholds.forEach((t, i) => {
    if (seen.has(t.kind))
      throw ValidationError.field(`body.thresholds.${i}.kind`, `only one threshold per kind (${t.kind} is given twice)`);
    seen.add(t.kind);
    if (t.kind === 'availability' && t.majorBelowPercent !== undefined && t.majorBelowPercent > t.warnBelowPercent)
      throw ValidationError.field(`body.thresholds.${i}.majorBelowPercent`, 'must not be above warnBelowPercent');
    if (t.kind === 'security_alert' && t.majorAtCount !== undefined && t.majorAtCount < t.warnAtCount)
      throw ValidationError.field(`body.thresholds.${i}.majorAtCount`, 'must not be below warnAtCount');
  });
}
