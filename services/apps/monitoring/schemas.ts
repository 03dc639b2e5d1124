import { FreeText, Label, PageQuery, Timestamp, Uuid, page } from '../../shared/schemas';
import { z } from '../../shared/zod';
import { ClientId } from '../../oauth/schemas';

/** The OAuth scope a monitoring system's client needs to push signals (and the app must name the client). */
export const APP_SIGNALS_SCOPE = 'app_signals';

/** What a signal reports: the app's measured availability, or one security alert. */
export const SignalKind = z.enum(['availability', 'security_alert']).openapi('AppSignalKind', {
  description: '`availability`: a measured availability percentage; `security_alert`: one security alert (e.g. credential stuffing)',
});
export type SignalKind = z.infer<typeof SignalKind>;

export const WarningSeverity = z.enum(['minor', 'major']).openapi('AppWarningSeverity', {
  description: '`major`: the major level was crossed; a major warning needs an accountability decision',
});
export type WarningSeverity = z.infer<typeof WarningSeverity>;

/** A day: the longest window a threshold looks back over. */
const WINDOW = z.number().int().min(1).max(1440).openapi({ description: 'How far back the threshold looks, in minutes (1-1440)' });
const PERCENT = z.number().min(0).max(100);
const ALERT_COUNT = z.number().int().min(1).max(10_000);

const AvailabilityThreshold = z
  .strictObject({
    kind: z.literal('availability'),
    windowMinutes: WINDOW,
    warnBelowPercent: PERCENT.openapi({ description: 'A warning when the mean availability over the window falls below this' }),
    majorBelowPercent: PERCENT.optional().openapi({ description: 'A major warning below this (at most warnBelowPercent)' }),
  })
  .openapi('AppAvailabilityThreshold');

const SecurityAlertThreshold = z
  .strictObject({
    kind: z.literal('security_alert'),
    windowMinutes: WINDOW,
    warnAtCount: ALERT_COUNT.openapi({ description: 'A warning when this many security alerts arrive within the window' }),
    majorAtCount: ALERT_COUNT.optional().openapi({ description: 'A major warning at this many (at least warnAtCount)' }),
  })
  .openapi('AppSecurityAlertThreshold');

export const SignalThreshold = z.discriminatedUnion('kind', [AvailabilityThreshold, SecurityAlertThreshold]);
export type SignalThreshold = z.infer<typeof SignalThreshold>;

export const SetMonitoring = z
  .strictObject({
    clients: z
      .array(ClientId)
      .max(10)
      .openapi({
        description: `Internal OAuth clients (with the scope ${APP_SIGNALS_SCOPE}) allowed to push this app’s signals; none: only staff record them`,
      }),
    thresholds: z.array(SignalThreshold).max(2).openapi({ description: 'At most one per signal kind' }),
  })
  .openapi('SetAppMonitoring', { description: 'The app’s monitoring profile, replacing what was there' });
export type SetMonitoring = z.infer<typeof SetMonitoring>;

export const Monitoring = z
  .object({
    appId: Uuid,
    clients: z.array(z.string()),
    thresholds: z.array(SignalThreshold),
    setBy: z.string(),
    setAt: Timestamp,
  })
  .openapi('AppMonitoring');
export type Monitoring = z.infer<typeof Monitoring>;

const signalFields = {
  observedAt: Timestamp.openapi({
    description: 'When it was observed: not more than a minute ahead of the service’s clock, nor over 24 hours old',
  }),
  reference: Label(200).optional().openapi({ description: 'The monitoring system’s own id for it' }),
};

/** Everything a pushed signal can carry is bounded here: an input any monitoring client (or its attacker) reaches. */
export const RecordSignal = z
  .discriminatedUnion('kind', [
    z.strictObject({
      kind: z.literal('availability'),
      ...signalFields,
      availabilityPercent: PERCENT.openapi({ description: 'Measured availability, 0-100' }),
    }),
    z.strictObject({
      kind: z.literal('security_alert'),
      ...signalFields,
      alertType: z
        .string()
        .regex(/^[a-z][a-z0-9_]{1,63}$/, 'must be 2-64 lower-case letters, digits or _, starting with a letter')
        .openapi({ example: 'credential_stuffing' }),
      summary: FreeText(500).optional().openapi({ description: 'What was seen, without customer data' }),
    }),
  ])
  .openapi('RecordAppSignal');
export type RecordSignal = z.infer<typeof RecordSignal>;

export const Signal = z
  .object({
    id: Uuid,
    appId: Uuid,
    kind: SignalKind,
    observedAt: Timestamp,
    availabilityPercent: z.number().nullable(),
    alertType: z.string().nullable(),
    summary: z.string().nullable(),
    reference: z.string().nullable(),
    recordedBy: z.string().openapi({ description: 'The client id or staff subject that recorded it' }),
    recordedByType: z.enum(['client', 'staff', 'system']),
    recordedAt: Timestamp,
  })
  .openapi('AppSignal');
export type Signal = z.infer<typeof Signal>;

export const Warning = z
  .object({
    id: Uuid,
    appId: Uuid,
    kind: SignalKind,
    severity: WarningSeverity,
    observed: z.number().openapi({ description: 'Mean availability (percent) or number of security alerts in the window' }),
    level: z.number().openapi({ description: 'The threshold level crossed' }),
    windowMinutes: z.number().int(),
    windowStart: Timestamp,
    windowEnd: Timestamp,
    signalCount: z.number().int().openapi({ description: 'Signals counted in the window' }),
    signalId: Uuid.openapi({ description: 'The signal whose arrival crossed the threshold' }),
    raisedAt: Timestamp,
    acknowledgedAt: Timestamp.nullable(),
    acknowledgedBy: z.string().nullable(),
    acknowledgementNote: z.string().nullable(),
  })
  .openapi('AppWarning');
export type Warning = z.infer<typeof Warning>;

export const SignalReceipt = z
  .object({
    signal: Signal,
    warning: Warning.nullable().openapi({ description: 'The warning this signal raised, if it crossed a threshold' }),
  })
  .openapi('AppSignalReceipt');
export type SignalReceipt = z.infer<typeof SignalReceipt>;

export const AcknowledgeWarning = z
  .strictObject({ note: FreeText(2000).openapi({ description: 'What was done or decided on seeing the warning' }) })
  .openapi('AcknowledgeAppWarning');
export type AcknowledgeWarning = z.infer<typeof AcknowledgeWarning>;

export const WarningParams = z.strictObject({ id: Uuid, warningId: Uuid });

export const SignalQuery = z.strictObject({ ...PageQuery, kind: SignalKind.optional() });
export type SignalQuery = z.infer<typeof SignalQuery>;
export const SignalPage = page(Signal, 'AppSignalPage');

export const WarningQuery = z.strictObject({
  ...PageQuery,
  acknowledged: z
    .enum(['true', 'false'])
    .optional()
    .openapi({ description: 'Only acknowledged (true) or unacknowledged (false) warnings' }),
  severity: WarningSeverity.optional(),
});
export type WarningQuery = z.infer<typeof WarningQuery>;
export const WarningPage = page(Warning, 'AppWarningPage');
