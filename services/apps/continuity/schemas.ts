import { CalendarDate, FreeText, Label, PageQuery, Timestamp, Uuid, page } from '../../shared/schemas';
import { z } from '../../shared/zod';

/** How much an outage of the app would hurt: critical and important apps must drill every 12 months. */
export const ImportanceTier = z.enum(['critical', 'important', 'general']).openapi('AppImportanceTier', {
  description: '`critical` and `important` apps need a passed continuity drill within the last 12 months',
});
export type ImportanceTier = z.infer<typeof ImportanceTier>;
export const DRILLED_TIERS: readonly ImportanceTier[] = ['critical', 'important'];

export const DrillResult = z.enum(['passed', 'failed']).openapi('AppDrillResult');

/** A year of minutes: the longest recovery objective the ledger accepts. */
const MINUTES = z.number().int().max(525_600);

export const SetContinuity = z
  .strictObject({
    tier: ImportanceTier,
    rtoMinutes: MINUTES.min(1).openapi({ description: 'Recovery time objective in minutes (1-525600)' }),
    rpoMinutes: MINUTES.min(0).openapi({ description: 'Recovery point objective in minutes (0-525600)' }),
    planReference: Label(300).openapi({ description: 'Where the continuity (emergency) plan is kept, e.g. its document number' }),
    lastDrill: z
      .strictObject({ on: CalendarDate, result: DrillResult })
      .nullable()
      .openapi({ description: 'The most recent continuity drill (null: never drilled); not a future date' }),
  })
  .openapi('SetAppContinuity', { description: 'The app’s continuity profile, replacing what was there' });
export type SetContinuity = z.infer<typeof SetContinuity>;

export const Continuity = z
  .object({
    appId: Uuid,
    tier: ImportanceTier,
    rtoMinutes: z.number().int(),
    rpoMinutes: z.number().int(),
    planReference: z.string(),
    lastDrill: z.object({ on: CalendarDate, result: DrillResult }).nullable(),
    drillCurrent: z.boolean().openapi({ description: 'A passed drill within the last 12 months (what critical and important apps need)' }),
    setBy: z.string(),
    setAt: Timestamp,
  })
  .openapi('AppContinuity');
export type Continuity = z.infer<typeof Continuity>;

export const CreateOutage = z
  .strictObject({
    startedAt: Timestamp,
    endedAt: Timestamp.openapi({ description: 'After startedAt and not in the future' }),
    impact: FreeText(2000).openapi({ description: 'What was unavailable, to whom' }),
    cause: FreeText(2000),
  })
  .openapi('CreateAppOutage');
export type CreateOutage = z.infer<typeof CreateOutage>;

export const Outage = z
  .object({
    id: Uuid,
    appId: Uuid,
    startedAt: Timestamp,
    endedAt: Timestamp,
    impact: z.string(),
    cause: z.string(),
    durationMinutes: z.number().openapi({ description: 'endedAt - startedAt, in minutes (fractions kept)' }),
    rtoMinutes: z.number().int().openapi({ description: 'The RTO in force when the outage was recorded' }),
    exceedsRto: z.boolean().openapi({ description: 'The outage lasted longer than the RTO: a breach the compliance report lists' }),
    recordedBy: z.string(),
    recordedAt: Timestamp,
  })
  .openapi('AppOutage');
export type Outage = z.infer<typeof Outage>;

export const OutageQuery = z.strictObject({
  ...PageQuery,
  exceedsRto: z.enum(['true', 'false']).optional().openapi({ description: 'Only breaches (true) or only outages within the RTO (false)' }),
});
export type OutageQuery = z.infer<typeof OutageQuery>;
export const OutagePage = page(Outage, 'AppOutagePage');
