import type { Db, Trx } from '../../db';
import type { Monitoring, Signal, SignalKind, Warning, WarningSeverity } from './schemas';

/** What a window of signals adds up to: the mean availability or the number of alerts, and how many signals. */
export interface WindowTally {
  readonly value: number | null;
  readonly signals: number;
}

export interface SignalFilter {
  kind?: SignalKind;
  /** Keyset: the id of the last signal of the previous page. */
  afterId?: string;
}

export interface WarningFilter {
  acknowledged?: boolean;
  severity?: WarningSeverity;
  /** Keyset: the id of the last warning of the previous page. */
  afterId?: string;
}

/**
 * What the monitoring service needs of each app's monitoring profile, its signals and the warnings
 * they raised (store.ts on the database, fake-store.ts in memory).
 */
export interface MonitoringStoreType {
  /** The profile with its thresholds (by kind); with `forUpdate`, locked until the transaction ends. */
  profile(appId: string, trx?: Db | Trx, forUpdate?: boolean): Promise<Monitoring | undefined>;
  /** Inserts or replaces the profile and its thresholds. */
  saveProfile(trx: Trx, profile: Monitoring): Promise<void>;
  insertSignal(trx: Trx, signal: Signal): Promise<void>;
  /** Signals of one kind observed in (from, until]: the mean availability, or the number of alerts. */
  tally(trx: Trx, appId: string, kind: SignalKind, from: string, until: string): Promise<WindowTally>;
  /** Severities of this app's warnings of this kind that still cover it: unacknowledged, or their window ends after `from`. */
  coveringSeverities(trx: Trx, appId: string, kind: SignalKind, from: string): Promise<WarningSeverity[]>;
  insertWarning(trx: Trx, warning: Warning): Promise<void>;
  /** With `forUpdate`, locks the warning until the transaction ends. */
  warning(appId: string, warningId: string, trx?: Db | Trx, forUpdate?: boolean): Promise<Warning | undefined>;
  /** Writes the acknowledgement: when, by whom, with what note. */
  acknowledge(trx: Trx, warning: Warning): Promise<void>;
  /** Signals of an app, most recently recorded first. */
  signalsOf(appId: string, filter: SignalFilter, limit: number): Promise<Signal[]>;
  /** Warnings of an app, most recently raised first. */
  warningsOf(appId: string, filter: WarningFilter, limit: number): Promise<Warning[]>;
}
