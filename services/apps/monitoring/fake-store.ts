import { newestFirst } from '../fake-paging';
import type { Monitoring, Signal, SignalKind, Warning, WarningSeverity } from './schemas';
import type { MonitoringStoreType, SignalFilter, WarningFilter, WindowTally } from './store-type';

/** Monitoring profiles, signals and warnings in memory, for fast tests of the monitoring rules. */
export class FakeMonitoringStore implements MonitoringStoreType {
  readonly profiles = new Map<string, Monitoring>();
  readonly signals: Signal[] = [];
  readonly warnings: Warning[] = [];

  async profile(appId: string): Promise<Monitoring | undefined> {
    const profile = this.profiles.get(appId);
    return profile && structuredClone({ ...profile, thresholds: [...profile.thresholds].sort((a, b) => a.kind.localeCompare(b.kind)) });
  }

  async saveProfile(_trx: unknown, profile: Monitoring): Promise<void> {
    this.profiles.set(profile.appId, structuredClone(profile));
  }

  async insertSignal(_trx: unknown, signal: Signal): Promise<void> {
    this.signals.push(structuredClone(signal));
  }

  async tally(_trx: unknown, appId: string, kind: SignalKind, from: string, until: string): Promise<WindowTally> {
    const inWindow = this.signals.filter((s) => s.appId === appId && s.kind === kind && s.observedAt > from && s.observedAt <= until);
    const percents = inWindow.map((s) => s.availabilityPercent ?? 0);
    const mean = percents.length === 0 ? null : percents.reduce((a, b) => a + b, 0) / percents.length;
    return { signals: inWindow.length, value: kind === 'availability' ? mean : inWindow.length };
  }

  async coveringSeverities(_trx: unknown, appId: string, kind: SignalKind, from: string): Promise<WarningSeverity[]> {
    const covering = this.warnings.filter((w) => w.appId === appId && w.kind === kind && (w.acknowledgedAt === null || w.windowEnd > from));
    return [...new Set(covering.map((w) => w.severity))];
  }

  async insertWarning(_trx: unknown, warning: Warning): Promise<void> {
    this.warnings.push(structuredClone(warning));
  }

  async warning(appId: string, warningId: string): Promise<Warning | undefined> {
    const warning = this.warnings.find((w) => w.appId === appId && w.id === warningId);
    return warning && structuredClone(warning);
  }

  async acknowledge(_trx: unknown, warning: Warning): Promise<void> {
    const stored = this.warnings.find((w) => w.id === warning.id);
    if (stored)
      Object.assign(stored, {
        acknowledgedAt: warning.acknowledgedAt,
        acknowledgedBy: warning.acknowledgedBy,
        acknowledgementNote: warning.acknowledgementNote,
      });
  }

  async signalsOf(appId: string, filter: SignalFilter, limit: number): Promise<Signal[]> {
    const mine = this.signals.filter((s) => s.appId === appId && (!filter.kind || s.kind === filter.kind));
    return newestFirst(mine, (s) => `${s.recordedAt}_${s.id}`, filter.afterId)
      .slice(0, limit)
      .map((s) => structuredClone(s));
  }

  async warningsOf(appId: string, filter: WarningFilter, limit: number): Promise<Warning[]> {
    const mine = this.warnings.filter(
      (w) =>
        w.appId === appId &&
        (filter.acknowledged === undefined || (w.acknowledgedAt !== null) === filter.acknowledged) &&
        (!filter.severity || w.severity === filter.severity),
    );
    return newestFirst(mine, (w) => `${w.raisedAt}_${w.id}`, filter.afterId)
      .slice(0, limit)
      .map((w) => structuredClone(w));
  }
}
