import crypto from 'node:crypto';
import type { AuditRecorder, ChangeContext } from '../../audit';
import type { Transactor, Trx } from '../../db';
import type { Clock } from '../../platform/clock';
import { ConflictError, ForbiddenError, NotFoundError, ProblemError, ValidationError } from '../../shared/errors';
import { decodeUuidCursor, type Page } from '../../shared/schemas';
import { appNotFound, lockChangeableApp, pageOf, staffSubject } from '../service';
import type { AppStoreType } from '../store-type';
import type { SignalRateLimit } from './rate-limit';
import {
  APP_SIGNALS_SCOPE,
  type AcknowledgeWarning,
  type Monitoring,
  type RecordSignal,
  type SetMonitoring,
  type Signal,
  type SignalQuery,
  type SignalReceipt,
  type Warning,
  type WarningQuery,
} from './schemas';
import type { MonitoringStoreType } from './store-type';
import { checkThresholds, crossedSeverity } from './thresholds';

/** The OAuth clients a profile may name (the authorization server answers). */
export interface MonitoringClientDirectory {
  /** The client, or undefined when there is none. */
  find(clientId: string): Promise<{ kind: string; status: string; scopes: readonly string[] } | undefined>;
}

/** Signals may be a little ahead of our clock (theirs drifts) and at most a day late (a backlog, not history). */
const MAX_AHEAD_MS = 60_000;
const MAX_AGE_MS = 24 * 3_600_000;

/** Who recorded a signal: a machine client, a member of staff, or the system (the demo seed). */
function recorderOf(ctx: ChangeContext): { type: Signal['recordedByType']; id: string } {
  const a = ctx.actor;
  if (a.kind === 'client') return { type: 'client', id: a.clientId };
  if (a.kind === 'staff') return { type: 'staff', id: a.subject };
  if (a.kind === 'system') return { type: 'system', id: `system:${a.name}` };
  throw new ForbiddenError('Only monitoring clients and staff record signals');
}

/** A signal as recorded now by `recorder`: only the fields of its kind. */
function newSignal(appId: string, input: RecordSignal, recorder: ReturnType<typeof recorderOf>, observedAt: Date, now: Date): Signal {
  return {
    id: crypto.randomUUID(),
    appId,
    kind: input.kind,
    observedAt: observedAt.toISOString(),
    availabilityPercent: input.kind === 'availability' ? input.availabilityPercent : null,
    alertType: input.kind === 'security_alert' ? input.alertType : null,
    summary: input.kind === 'security_alert' ? (input.summary ?? null) : null,
    reference: input.reference ?? null,
    recordedBy: recorder.id,
    recordedByType: recorder.type,
    recordedAt: now.toISOString(),
  };
}

/** When a signal was observed: a little ahead of our clock at most (theirs drifts), and not over a day old. */
function recentObservation(observedAt: string, now: Date): Date {
  const at = new Date(observedAt);
  if (at.getTime() > now.getTime() + MAX_AHEAD_MS) throw ValidationError.field('body.observedAt', 'must not be in the future');
  if (at.getTime() < now.getTime() - MAX_AGE_MS) throw ValidationError.field('body.observedAt', 'must be within the last 24 hours');
  return at;
}

const notASource = (appName: string) =>
  new ProblemError(403, 'signal_source_not_allowed', 'Forbidden', `The app ${appName} does not name this client as a monitoring source`);

const notConfigured = (appName: string) =>
  new ConflictError('monitoring_not_configured', `The app ${appName} has no monitoring profile yet; its owners set one first`);

/** The Notice, item 9: monitoring signals per app, warning thresholds, and warnings that people acknowledge. */
export class MonitoringService {
  constructor(
    private readonly db: Transactor,
    private readonly apps: Pick<AppStoreType, 'find'>,
    private readonly store: MonitoringStoreType,
    private readonly audit: AuditRecorder,
    private readonly clients: MonitoringClientDirectory,
    private readonly limit: Pick<SignalRateLimit, 'consume'>,
    private readonly clock: Clock,
  ) {}

  async setProfile(ctx: ChangeContext, appId: string, input: SetMonitoring): Promise<Monitoring> {
    const by = staffSubject(ctx);
    checkThresholds(input.thresholds);
    const clients = [...new Set(input.clients)];
    for (const [i, id] of clients.entries()) await this.requireSignalClient(id, `body.clients.${i}`);
    return this.db.transaction(async (trx) => {
      await lockChangeableApp(this.apps, trx, appId);
      const before = (await this.store.profile(appId, trx, true)) ?? null;
      const after: Monitoring = { appId, clients, thresholds: input.thresholds, setBy: by, setAt: this.clock.now().toISOString() };
      await this.store.saveProfile(trx, after);
      await this.audit.record(trx, ctx, {
        action: 'app.monitoring_set',
        objectType: 'app',
        objectId: appId,
        details: {
          before: before ? { clients: before.clients, thresholds: before.thresholds } : null,
          after: { clients: after.clients, thresholds: after.thresholds },
        },
      });
      return after;
    });
  }

  async profile(appId: string): Promise<Monitoring> {
    const app = await this.apps.find(appId);
    if (!app) throw appNotFound(appId);
    const profile = await this.store.profile(appId);
    if (!profile) throw new NotFoundError(`The app ${app.name} has no monitoring profile yet`);
    return profile;
  }

  /**
   * Records one signal and, when it makes its window cross the app's threshold, raises a warning, in
   * one transaction with their audit events. A client must be named in the app's profile.
   */
  async recordSignal(ctx: ChangeContext, appId: string, input: RecordSignal): Promise<SignalReceipt> {
    const recorder = recorderOf(ctx);
    const now = this.clock.now();
    const observedAt = recentObservation(input.observedAt, now);
    await this.limit.consume(appId, `${recorder.type}:${recorder.id}`);
    return this.db.transaction(async (trx) => {
      const app = await lockChangeableApp(this.apps, trx, appId);
      const profile = await this.store.profile(appId, trx);
      if (!profile) throw notConfigured(app.name);
      if (recorder.type === 'client' && !profile.clients.includes(recorder.id)) throw notASource(app.name);
      const signal = newSignal(appId, input, recorder, observedAt, now);
      await this.store.insertSignal(trx, signal);
      await this.audit.record(trx, ctx, {
        action: 'app.signal_recorded',
        objectType: 'app_signal',
        objectId: signal.id,
        details: {
          appId,
          kind: signal.kind,
          observedAt: signal.observedAt,
          availabilityPercent: signal.availabilityPercent,
          alertType: signal.alertType,
          reference: signal.reference,
        },
      });
      const warning = await this.raiseIfCrossed(trx, ctx, profile, signal);
      return { signal, warning };
    });
  }

  async acknowledge(ctx: ChangeContext, appId: string, warningId: string, input: AcknowledgeWarning): Promise<Warning> {
    const by = staffSubject(ctx);
    return this.db.transaction(async (trx) => {
      await lockChangeableApp(this.apps, trx, appId);
      const before = await this.store.warning(appId, warningId, trx, true);
      if (!before) throw new NotFoundError(`No warning ${warningId} on app ${appId}`);
      if (before.acknowledgedAt !== null) {
        throw new ConflictError(
          'warning_already_acknowledged',
          `The warning was acknowledged by ${before.acknowledgedBy} at ${before.acknowledgedAt}`,
        );
      }
      const after: Warning = {
        ...before,
        acknowledgedAt: this.clock.now().toISOString(),
        acknowledgedBy: by,
        acknowledgementNote: input.note,
      };
      await this.store.acknowledge(trx, after);
      await this.audit.record(trx, ctx, {
        action: 'app.warning_acknowledged',
        objectType: 'app_warning',
        objectId: warningId,
        details: { appId, severity: after.severity, raisedAt: after.raisedAt, note: input.note },
      });
      return after;
    });
  }

  async listSignals(appId: string, query: SignalQuery): Promise<Page<Signal>> {
    await this.requireApp(appId);
    return pageOf(
      await this.store.signalsOf(appId, { kind: query.kind, afterId: decodeUuidCursor(query.cursor) }, query.limit + 1),
      query.limit,
    );
  }

  async listWarnings(appId: string, query: WarningQuery): Promise<Page<Warning>> {
    await this.requireApp(appId);
    const acknowledged = query.acknowledged === undefined ? undefined : query.acknowledged === 'true';
    const rows = await this.store.warningsOf(
      appId,
      { acknowledged, severity: query.severity, afterId: decodeUuidCursor(query.cursor) },
      query.limit + 1,
    );
    return pageOf(rows, query.limit);
  }

  /**
   * The window ending at the signal crosses the threshold: a warning, unless one of the same or a higher
   * severity still covers it (unacknowledged, or raised within the window): one warning per window while a condition lasts.
   */
  private async raiseIfCrossed(trx: Trx, ctx: ChangeContext, profile: Monitoring, signal: Signal): Promise<Warning | null> {
    const threshold = profile.thresholds.find((t) => t.kind === signal.kind);
    if (!threshold) return null;
    const windowEnd = signal.observedAt;
    const windowStart = new Date(Date.parse(windowEnd) - threshold.windowMinutes * 60_000).toISOString();
    const tally = await this.store.tally(trx, signal.appId, signal.kind, windowStart, windowEnd);
    const crossed = crossedSeverity(threshold, tally);
    if (!crossed) return null;
    const covering = await this.store.coveringSeverities(trx, signal.appId, signal.kind, windowStart);
    if (covering.includes('major') || covering.includes(crossed.severity)) return null;
    const warning: Warning = {
      id: crypto.randomUUID(),
      appId: signal.appId,
      kind: signal.kind,
      severity: crossed.severity,
      observed: tally.value as number,
      level: crossed.level,
      windowMinutes: threshold.windowMinutes,
      windowStart,
      windowEnd,
      signalCount: tally.signals,
      signalId: signal.id,
      raisedAt: signal.recordedAt,
      acknowledgedAt: null,
      acknowledgedBy: null,
      acknowledgementNote: null,
    };
    await this.store.insertWarning(trx, warning);
    await this.audit.record(trx, ctx, {
      action: 'app.warning_raised',
      objectType: 'app_warning',
      objectId: warning.id,
      details: {
        appId: warning.appId,
        kind: warning.kind,
        severity: warning.severity,
        observed: warning.observed,
        level: warning.level,
        windowStart: warning.windowStart,
        windowEnd: warning.windowEnd,
        signalCount: warning.signalCount,
        signalId: warning.signalId,
      },
    });
    return warning;
  }

  private async requireSignalClient(clientId: string, path: string): Promise<void> {
    const client = await this.clients.find(clientId);
    if (!client) throw ValidationError.field(path, `no client ${clientId}`);
    if (client.kind !== 'internal')
      throw ValidationError.field(path, 'must be an internal client (vendor clients do not push monitoring signals)');
    if (client.status !== 'active') throw ValidationError.field(path, `the client ${clientId} is ${client.status}`);
    if (!client.scopes.includes(APP_SIGNALS_SCOPE))
      throw ValidationError.field(path, `the client ${clientId} lacks the scope ${APP_SIGNALS_SCOPE}`);
  }

  private async requireApp(appId: string): Promise<void> {
    if (!(await this.apps.find(appId))) throw appNotFound(appId);
  }
}
