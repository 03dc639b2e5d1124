import { CalendarDate, FreeText, Label, Timestamp, Uuid } from '../../shared/schemas';
import { z } from '../../shared/zod';
import { AppLifecycleState } from '../schemas';

export const PlanKind = z.enum(['consolidation', 'retirement']).openapi('AppExitPlanKind', {
  description: '`consolidation`: the app merges into the apps it names (mergesInto); `retirement`: it closes with no successor',
});
export type PlanKind = z.infer<typeof PlanKind>;

export const PlanStatus = z.enum(['draft', 'approved', 'completed', 'cancelled']).openapi('AppExitPlanStatus', {
  description:
    '`draft` until the lead department approves it; any change to its content withdraws the approval; `completed` when the app is retired',
});
export type PlanStatus = z.infer<typeof PlanStatus>;

export const RiskResult = z.enum(['acceptable', 'acceptable_with_conditions', 'not_acceptable']).openapi('AppExitRiskResult', {
  description: '`acceptable_with_conditions` names its residual risks; `not_acceptable` stops approval and retirement',
});

export const RiskAssessment = z
  .strictObject({
    assessor: Label(200),
    assessedOn: CalendarDate.openapi({ description: 'Not a future date' }),
    result: RiskResult,
    residualRisks: z.array(FreeText(1000)).max(50).openapi({ description: 'What risk remains after the measures, and who accepts it' }),
  })
  .superRefine((v, ctx) => {
    if (v.result === 'acceptable_with_conditions' && v.residualRisks.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['residualRisks'], message: 'an acceptance with conditions names its residual risks' });
    }
  })
  .openapi('AppExitRiskAssessment');
export type RiskAssessment = z.infer<typeof RiskAssessment>;

export const DataHandling = z.enum(['migrated', 'deleted']).openapi('AppDataHandling', {
  description: '`migrated`: the data moves to `destination`; `deleted`: it is erased',
});
export const StepStatus = z.enum(['planned', 'in_progress', 'done']).openapi('AppMigrationStepStatus');
export type StepStatus = z.infer<typeof StepStatus>;

const Destination = Label(300).openapi({ description: 'Where migrated data goes (an app or system); only for migrated data' });

export const NewMigrationStep = z
  .strictObject({
    description: FreeText(1000),
    handling: DataHandling,
    destination: Destination.optional(),
    owner: Label(200).openapi({ description: 'Who carries the step out' }),
    dueOn: CalendarDate,
  })
  .superRefine((v, ctx) => {
    if (v.handling === 'migrated' && v.destination === undefined) {
      ctx.addIssue({ code: 'custom', path: ['destination'], message: 'migrated data needs its destination' });
    }
    if (v.handling === 'deleted' && v.destination !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['destination'], message: 'deleted data has no destination' });
    }
  })
  .openapi('NewAppMigrationStep');
export type NewMigrationStep = z.infer<typeof NewMigrationStep>;

export const UpdateMigrationStep = z
  .strictObject({
    description: FreeText(1000).optional(),
    handling: DataHandling.optional(),
    destination: Destination.nullable().optional(),
    owner: Label(200).optional(),
    dueOn: CalendarDate.optional(),
    status: StepStatus.optional(),
    completedAt: Timestamp.optional().openapi({ description: 'When the step was done (default now); only with status done' }),
  })
  .refine((v) => Object.keys(v).length > 0, { message: 'give at least one field to change' })
  .refine((v) => v.completedAt === undefined || v.status === 'done', {
    path: ['completedAt'],
    message: 'completedAt goes with status done',
  })
  .openapi('UpdateAppMigrationStep', {
    description:
      'Progress (status, completedAt) leaves the plan’s approval alone; a change to what the step is (description, handling, destination, owner, dueOn) withdraws it.',
  });
export type UpdateMigrationStep = z.infer<typeof UpdateMigrationStep>;

export const NotificationChannel = z
  .enum(['in_app', 'push', 'sms', 'email', 'website', 'branch', 'phone', 'letter'])
  .openapi('AppNotificationChannel');

export const UserNotification = z
  .strictObject({
    channels: z
      .array(NotificationChannel)
      .min(1)
      .max(8)
      .refine((c) => new Set(c).size === c.length, 'name each channel once'),
    notifyOn: CalendarDate.openapi({
      description: 'The day users are told (institution’s calendar); retirement waits until it has passed',
    }),
    content: FreeText(4000).openapi({ description: 'What users are told: the date, what happens to their data, where to go instead' }),
  })
  .openapi('AppExitUserNotification');
export type UserNotification = z.infer<typeof UserNotification>;

const MergesInto = z
  .array(Uuid)
  .max(10)
  .refine((ids) => new Set(ids).size === ids.length, 'name each app once')
  .openapi({ description: 'The apps this one merges into (consolidation only)' });
const PrivacyMeasures = z
  .array(FreeText(1000))
  .max(30)
  .openapi({ description: 'How personal information is protected during the integration (access, masking, erasure evidence…)' });

export const DraftPlan = z
  .strictObject({
    kind: PlanKind,
    mergesInto: MergesInto.optional(),
    reason: FreeText(2000),
    riskAssessment: RiskAssessment.optional(),
    privacyMeasures: PrivacyMeasures.optional(),
    notification: UserNotification.optional(),
    steps: z.array(NewMigrationStep).max(50).optional(),
  })
  .openapi('DraftAppConsolidationPlan', {
    description: 'Parts may be left out of a draft; the plan lists what is still missing (incomplete).',
  });
export type DraftPlan = z.infer<typeof DraftPlan>;

export const RevisePlan = z
  .strictObject({
    kind: PlanKind.optional(),
    mergesInto: MergesInto.optional(),
    reason: FreeText(2000).optional(),
    riskAssessment: RiskAssessment.optional(),
    privacyMeasures: PrivacyMeasures.optional(),
    notification: UserNotification.optional(),
  })
  .refine((v) => Object.keys(v).length > 0, { message: 'give at least one part to change' })
  .openapi('ReviseAppConsolidationPlan', { description: 'Replaces the parts given; withdraws an approval.' });
export type RevisePlan = z.infer<typeof RevisePlan>;

export const ApprovePlan = z.strictObject({ note: FreeText(2000).optional() }).openapi('ApproveAppConsolidationPlan');
export type ApprovePlan = z.infer<typeof ApprovePlan>;

export const RecordNotificationSent = z
  .strictObject({
    sentAt: Timestamp.optional().openapi({
      description: 'When it went out (default now); not before its day or the plan’s approval, not in the future',
    }),
  })
  .openapi('RecordAppExitNotificationSent');
export type RecordNotificationSent = z.infer<typeof RecordNotificationSent>;

export const CancelPlan = z.strictObject({ reason: FreeText(2000) }).openapi('CancelAppConsolidationPlan');
export type CancelPlan = z.infer<typeof CancelPlan>;

export const StepParams = z.strictObject({ id: Uuid, stepId: Uuid });

export const GAP_ITEMS = [
  'plan_missing',
  'plan_not_approved',
  'merge_target_unavailable',
  'risk_assessment_missing',
  'risk_not_acceptable',
  'migration_steps_missing',
  'migration_step_not_done',
  'privacy_measures_missing',
  'notification_missing',
  'notification_not_sent',
  'notification_date_not_passed',
] as const;
export type GapItem = (typeof GAP_ITEMS)[number];

export const PlanGap = z
  .object({
    item: z.enum(GAP_ITEMS),
    detail: z.string(),
    stepId: Uuid.optional().openapi({ description: 'The migration step a migration_step_not_done is about' }),
    appId: Uuid.optional().openapi({ description: 'The app a merge_target_unavailable is about' }),
  })
  .openapi('AppExitPlanGap');
export type PlanGap = z.infer<typeof PlanGap>;

export const MigrationStep = z
  .object({
    id: Uuid,
    position: z.number().int().openapi({ description: '1, 2, … in the order the steps were added' }),
    description: z.string(),
    handling: DataHandling,
    destination: z.string().nullable(),
    owner: z.string(),
    dueOn: CalendarDate,
    status: StepStatus,
    completedAt: Timestamp.nullable(),
    overdue: z.boolean().openapi({ description: 'Not done and its due date has passed' }),
    createdBy: z.string(),
    createdAt: Timestamp,
    updatedBy: z.string(),
    updatedAt: Timestamp,
  })
  .openapi('AppMigrationStep');
export type MigrationStep = z.infer<typeof MigrationStep>;

export const ConsolidationPlan = z
  .object({
    id: Uuid,
    appId: Uuid,
    kind: PlanKind,
    status: PlanStatus,
    reason: z.string(),
    mergesInto: z.array(z.object({ id: Uuid, name: z.string(), lifecycleState: AppLifecycleState })),
    riskAssessment: z
      .object({ assessor: z.string(), assessedOn: CalendarDate, result: RiskResult, residualRisks: z.array(z.string()) })
      .nullable(),
    privacyMeasures: z.array(z.string()),
    notification: z
      .object({
        channels: z.array(NotificationChannel),
        notifyOn: CalendarDate,
        content: z.string(),
        sentAt: Timestamp.nullable(),
        sentBy: z.string().nullable(),
      })
      .nullable(),
    steps: z.array(MigrationStep),
    authors: z.array(z.string()).openapi({ description: 'Everyone who wrote the plan’s content: none of them may approve it' }),
    createdBy: z.string(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    approvedBy: z.string().nullable(),
    approvedAt: Timestamp.nullable(),
    closedBy: z.string().nullable(),
    closedAt: Timestamp.nullable(),
    closeReason: z.string().nullable(),
    readyToRetire: z.boolean().openapi({ description: 'Nothing stops the retirement: incomplete is empty' }),
    incomplete: z.array(PlanGap).openapi({ description: 'Everything that stands between the plan and the app’s retirement' }),
  })
  .openapi('AppConsolidationPlan');
export type ConsolidationPlan = z.infer<typeof ConsolidationPlan>;
