import type { Db, Trx } from '../../db';
import { isoInstant } from '../../platform/row-mapper';
import { newestFirstAfter } from '../store';
import type { Monitoring, Signal, SignalKind, SignalThreshold, Warning, WarningSeverity } from './schemas';
import type { MonitoringStoreType, SignalFilter, WarningFilter, WindowTally } from './store-type';

export type { WindowTally } from './store-type';

interface ProfileRow {
  app_id: string;
  clients: string[];
  set_by: string;
  set_at: string;
}

interface ThresholdRow {
  app_id: string;
  kind: SignalKind;
  window_minutes: number;
  warn_level: string | number;
  major_level: string | number | null;
}

interface SignalRow {
  id: string;
  app_id: string;
  kind: SignalKind;
  observed_at: string;
  availability_percent: string | number | null;
  alert_type: string | null;
  summary: string | null;
  reference: string | null;
  recorded_by_type: Signal['recordedByType'];
  recorded_by: string;
  recorded_at: string;
}

interface WarningRow {
  id: string;
  app_id: string;
  kind: SignalKind;
  severity: WarningSeverity;
  observed: string | number;
  level: string | number;
  window_minutes: number;
  window_start: string;
  window_end: string;
  signal_count: number;
  signal_id: string;
  raised_at: string;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  acknowledgement_note: string | null;
}

const num = (v: string | number): number => Number(v);

function thresholdFromRow(r: ThresholdRow): SignalThreshold {
  const major =
    r.major_level === null
      ? {}
      : r.kind === 'availability'
        ? { majorBelowPercent: num(r.major_level) }
        : { majorAtCount: num(r.major_level) };
  return r.kind === 'availability'
    ? { kind: 'availability', windowMinutes: r.window_minutes, warnBelowPercent: num(r.warn_level), ...major }
    : { kind: 'security_alert', windowMinutes: r.window_minutes, warnAtCount: num(r.warn_level), ...major };
}

const thresholdLevels = (t: SignalThreshold): { warn: number; major: number | null } =>
  t.kind === 'availability'
    ? { warn: t.warnBelowPercent, major: t.majorBelowPercent ?? null }
    : { warn: t.warnAtCount, major: t.majorAtCount ?? null };

const signalFromRow = (r: SignalRow): Signal => ({
  id: r.id,
  appId: r.app_id,
  kind: r.kind,
  observedAt: isoInstant(r.observed_at),
  availabilityPercent: r.availability_percent === null ? null : num(r.availability_percent),
  alertType: r.alert_type,
  summary: r.summary,
  reference: r.reference,
  recordedBy: r.recorded_by,
  recordedByType: r.recorded_by_type,
  recordedAt: isoInstant(r.recorded_at),
});

const warningFromRow = (r: WarningRow): Warning => ({
  id: r.id,
  appId: r.app_id,
  kind: r.kind,
  severity: r.severity,
  observed: num(r.observed),
  level: num(r.level),
  windowMinutes: r.window_minutes,
  windowStart: isoInstant(r.window_start),
  windowEnd: isoInstant(r.window_end),
  signalCount: r.signal_count,
  signalId: r.signal_id,
  raisedAt: isoInstant(r.raised_at),
  acknowledgedAt: r.acknowledged_at === null ? null : isoInstant(r.acknowledged_at),
  acknowledgedBy: r.acknowledged_by,
  acknowledgementNote: r.acknowledgement_note,
});

/** Each app's monitoring profile, its signals and the warnings they raised. */
export class MonitoringStore implements MonitoringStoreType {
  constructor(private readonly db: Db) {}

  async profile(appId: string, trx: Db | Trx = this.db, forUpdate = false): Promise<Monitoring | undefined> {
    const q = trx<ProfileRow>('app_monitoring').where({ app_id: appId }).first();
    if (forUpdate) q.forUpdate();
    const row = await q;
    if (!row) return undefined;
    const thresholds = (await trx<ThresholdRow>('app_signal_thresholds').where({ app_id: appId }).orderBy('kind')).map(thresholdFromRow);
    return { appId, clients: [...row.clients], thresholds, setBy: row.set_by, setAt: isoInstant(row.set_at) };
  }

  async saveProfile(trx: Trx, m: Monitoring): Promise<void> {
    await trx('app_monitoring')
      .insert({ app_id: m.appId, clients: m.clients, set_by: m.setBy, set_at: m.setAt })
      .onConflict('app_id')
      .merge();
    await trx('app_signal_thresholds').where({ app_id: m.appId }).delete();
    if (m.thresholds.length === 0) return;
    await trx('app_signal_thresholds').insert(
      m.thresholds.map((t) => {
        const levels = thresholdLevels(t);
        return { app_id: m.appId, kind: t.kind, window_minutes: t.windowMinutes, warn_level: levels.warn, major_level: levels.major };
      }),
    );
  }

  async insertSignal(trx: Trx, s: Signal): Promise<void> {
    await trx('app_signals').insert({
      id: s.id,
      app_id: s.appId,
      kind: s.kind,
      observed_at: s.observedAt,
      availability_percent: s.availabilityPercent,
      alert_type: s.alertType,
      summary: s.summary,
      reference: s.reference,
      recorded_by_type: s.recordedByType,
      recorded_by: s.recordedBy,
      recorded_at: s.recordedAt,
    });
  }

  /** Signals of one kind observed in (from, until]: the mean availability, or the number of alerts. */
  async tally(trx: Trx, appId: string, kind: SignalKind, from: string, until: string): Promise<WindowTally> {
    const result = (await trx('app_signals')
      .where({ app_id: appId, kind })
      .andWhere('observed_at', '>', from)
      .andWhere('observed_at', '<=', until)
      .first(trx.raw('count(*) as n'), trx.raw('avg(availability_percent) as mean'))) as {
      n: string | number;
      mean: string | number | null;
    };
    const signals = Number(result.n);
    return { signals, value: kind === 'availability' ? (result.mean === null ? null : Number(result.mean)) : signals };
  }

  /** Severities of this app's warnings of this kind that still cover it: unacknowledged, or their window ends after `from`. */
  async coveringSeverities(trx: Trx, appId: string, kind: SignalKind, from: string): Promise<WarningSeverity[]> {
    const rows = await trx<WarningRow>('app_warnings')
      .where({ app_id: appId, kind })
      .andWhere((b) => b.whereNull('acknowledged_at').orWhere('window_end', '>', from))
      .distinct('severity');
    return rows.map((r) => r.severity);
  }

  async insertWarning(trx: Trx, w: Warning): Promise<void> {
    await trx('app_warnings').insert({
      id: w.id,
      app_id: w.appId,
      kind: w.kind,
      severity: w.severity,
      observed: w.observed,
      level: w.level,
      window_minutes: w.windowMinutes,
      window_start: w.windowStart,
      window_end: w.windowEnd,
      signal_count: w.signalCount,
      signal_id: w.signalId,
      raised_at: w.raisedAt,
    });
  }

  async warning(appId: string, warningId: string, trx: Db | Trx = this.db, forUpdate = false): Promise<Warning | undefined> {
    const q = trx<WarningRow>('app_warnings').where({ app_id: appId, id: warningId }).first();
    if (forUpdate) q.forUpdate();
    const row = await q;
    return row ? warningFromRow(row) : undefined;
  }

  async acknowledge(trx: Trx, w: Warning): Promise<void> {
    await trx('app_warnings')
      .where({ id: w.id })
      .update({ acknowledged_at: w.acknowledgedAt, acknowledged_by: w.acknowledgedBy, acknowledgement_note: w.acknowledgementNote });
  }

  /** Signals of an app, most recently recorded first. */
  async signalsOf(appId: string, filter: SignalFilter, limit: number): Promise<Signal[]> {
    const q = this.db<SignalRow>('app_signals').where({ app_id: appId }).limit(limit);
    if (filter.kind) q.andWhere({ kind: filter.kind });
    newestFirstAfter(q, 'app_signals', ['recorded_at', 'id'], filter.afterId);
    return (await q).map(signalFromRow);
  }

  /** Warnings of an app, most recent first. */
  async warningsOf(appId: string, filter: WarningFilter, limit: number): Promise<Warning[]> {
    const q = this.db<WarningRow>('app_warnings').where({ app_id: appId }).limit(limit);
    if (filter.acknowledged !== undefined)
      q.andWhere((b) => (filter.acknowledged ? b.whereNotNull('acknowledged_at') : b.whereNull('acknowledged_at')));
    if (filter.severity) q.andWhere({ severity: filter.severity });
    newestFirstAfter(q, 'app_warnings', ['raised_at', 'id'], filter.afterId);
    return (await q).map(warningFromRow);
  }
}
