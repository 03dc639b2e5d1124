import { AppName, DepartmentCode, PageQuery, Timestamp, Uuid, page, Label, FreeText } from '../shared/schemas';
import { AssetRef } from '../data-assets/schemas';
import { z } from '../shared/zod';

export const IncidentSeverity = z.enum(['low', 'medium', 'high', 'critical']).openapi('IncidentSeverity');
export type IncidentSeverity = z.infer<typeof IncidentSeverity>;

export const IncidentStatus = z.enum(['open', 'contained', 'notified', 'remediating', 'closed']).openapi('IncidentStatus');
export type IncidentStatus = z.infer<typeof IncidentStatus>;

export const IncidentSource = z
  .enum(['vendor_report', 'internal_monitoring', 'customer_complaint', 'regulator', 'security_test', 'audit', 'other'])
  .openapi('IncidentSource');

const Text = FreeText;
const unique = (items: readonly string[]) => new Set(items).size === items.length;

const Vendors = z.array(Uuid).max(50).refine(unique, 'list each vendor once');
const Apps = z.array(AppName).max(50).refine(unique, 'list each app once');
const Assets = z.array(AssetRef).max(100).refine(unique, 'list each asset once');

export const CreateIncident = z
  .strictObject({
    title: Label(200),
    detectedAt: Timestamp,
    source: IncidentSource,
    severity: IncidentSeverity,
    vendors: Vendors.default([]).openapi({ description: 'Implicated vendors: containment and the blast radius act on them' }),
    apps: Apps.default([]),
    assets: Assets.default([]),
    description: Text(10_000),
  })
  .openapi('CreateIncident');
export type CreateIncident = z.infer<typeof CreateIncident>;

export const UpdateIncident = z
  .strictObject({
    title: Label(200).optional(),
    severity: IncidentSeverity.optional().openapi({ description: 'Changing it recomputes the regulator notification deadline' }),
    description: Text(10_000).optional(),
    vendors: Vendors.optional(),
    apps: Apps.optional(),
    assets: Assets.optional(),
  })
  .refine((v) => Object.keys(v).length > 0, { message: 'give at least one field to change' })
  .openapi('UpdateIncident');
export type UpdateIncident = z.infer<typeof UpdateIncident>;

export const TransitionIncident = z.strictObject({ to: IncidentStatus, note: Text(2000).optional() }).openapi('TransitionIncident', {
  description: 'contained → notified → remediating → closed; open → contained happens through containment',
});
export type TransitionIncident = z.infer<typeof TransitionIncident>;

export const ApplyContainment = z
  .strictObject({
    suspendVendors: z
      .boolean()
      .default(false)
      .openapi({ description: 'Suspend every implicated vendor (decisions deny with vendor_suspended)' }),
    revokeGrants: z.boolean().default(false).openapi({ description: 'Revoke every live grant of the implicated vendors' }),
    disableClients: z
      .boolean()
      .default(false)
      .openapi({ description: 'Disable the implicated vendors’ OAuth clients (their tokens become inactive)' }),
    note: Text(2000).optional().openapi({ description: 'Other measures taken (required when no switch is set)' }),
  })
  .refine((v) => v.suspendVendors || v.revokeGrants || v.disableClients || v.note !== undefined, {
    message: 'set at least one of suspendVendors, revokeGrants, disableClients, or describe the measure in note',
  })
  .openapi('ApplyContainment');
export type ApplyContainment = z.infer<typeof ApplyContainment>;

export const ContainmentResult = z
  .object({
    suspendedVendors: z.array(Uuid),
    vendorsAlreadyInactive: z.array(Uuid).openapi({ description: 'Implicated vendors that were already suspended or terminated' }),
    revokedGrants: z.array(Uuid),
    disabledClients: z.array(z.string()),
  })
  .openapi('ContainmentResult');
export type ContainmentResult = z.infer<typeof ContainmentResult>;

export const ContainmentRecord = z
  .object({
    id: Uuid,
    startedAt: Timestamp,
    at: Timestamp.openapi({ description: 'When the containment committed' }),
    by: z.string(),
    suspendVendors: z.boolean(),
    revokeGrants: z.boolean(),
    disableClients: z.boolean(),
    note: z.string().nullable(),
    result: ContainmentResult,
    release: z.object({ at: Timestamp, by: z.string(), reason: z.string() }).nullable().openapi({
      description: 'Set once the incident’s handler released the vendors this containment suspended (they may then be reinstated)',
    }),
  })
  .openapi('ContainmentRecord');
export type ContainmentRecord = z.infer<typeof ContainmentRecord>;

export const ReleaseContainment = z
  .strictObject({
    reason: Text(2000).openapi({ description: 'Why the implicated vendors no longer need to be held (recorded and audited)' }),
  })
  .openapi('ReleaseContainment');
export type ReleaseContainment = z.infer<typeof ReleaseContainment>;

export const NotificationAudience = z.enum(['regulator', 'subjects', 'department']).openapi('NotificationAudience');
export type NotificationAudience = z.infer<typeof NotificationAudience>;

export const NotificationChannel = z
  .enum(['regulatory_system', 'letter', 'email', 'sms', 'app_message', 'phone', 'website', 'in_person', 'internal_system'])
  .openapi('NotificationChannel');

/** What PIPL Art. 57 says a notification contains. */
export const NotificationContent = z
  .strictObject({
    categories: z.array(Label(100)).min(1).max(50).openapi({ description: 'The categories of personal information involved' }),
    cause: Text(4000),
    possibleHarm: Text(4000).optional(),
    measures: Text(4000).openapi({ description: 'The remedial measures taken' }),
    whatSubjectsCanDo: Text(4000).optional().openapi({ description: 'What individuals can do to reduce the harm' }),
    contact: Text(500).optional().openapi({ description: 'How to reach the bank about it' }),
  })
  .openapi('NotificationContent', {
    description:
      'PIPL Art. 57: categories, cause, possible harm, measures taken, what people can do, contact. All are required for the regulator and the subjects; an internal notice to a department needs categories, cause and measures.',
  });
export type NotificationContent = z.infer<typeof NotificationContent>;

const ART57_FOR_PEOPLE = ['possibleHarm', 'whatSubjectsCanDo', 'contact'] as const;

export const RecordNotification = z
  .strictObject({
    audience: NotificationAudience,
    department: DepartmentCode.optional().openapi({ description: 'The department notified (audience department only)' }),
    sentAt: Timestamp,
    channel: NotificationChannel,
    recipients: z.number().int().min(1).max(1_000_000_000).optional().openapi({ description: 'How many people were notified (subjects)' }),
    content: NotificationContent,
  })
  .superRefine((v, ctx) => {
    if ((v.audience === 'department') !== (v.department !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['department'], message: 'name the department for, and only for, audience department' });
    }
    if (v.audience === 'department') return;
    for (const key of ART57_FOR_PEOPLE) {
      if (v.content[key] === undefined)
        ctx.addIssue({ code: 'custom', path: ['content', key], message: `required for the ${v.audience} (PIPL Art. 57)` });
    }
  })
  .openapi('RecordNotification');
export type RecordNotification = z.infer<typeof RecordNotification>;

export const IncidentNotification = z
  .object({
    id: Uuid,
    audience: NotificationAudience,
    department: z.string().nullable(),
    channel: NotificationChannel,
    sentAt: Timestamp,
    recipients: z.number().int().nullable(),
    content: NotificationContent,
    recordedBy: z.string(),
    recordedAt: Timestamp,
  })
  .openapi('IncidentNotification');
export type IncidentNotification = z.infer<typeof IncidentNotification>;

export const CreateRectification = z
  .strictObject({
    action: Text(2000),
    owner: DepartmentCode.openapi({ description: 'The department that owns the fix' }),
    dueAt: Timestamp,
  })
  .openapi('CreateRectification');
export type CreateRectification = z.infer<typeof CreateRectification>;

export const CompleteRectification = z
  .strictObject({
    evidence: Text(4000).openapi({ description: 'What shows it is done: a change ticket, a test report…' }),
    completedAt: Timestamp.optional(),
  })
  .openapi('CompleteRectification');
export type CompleteRectification = z.infer<typeof CompleteRectification>;

export const Rectification = z
  .object({
    id: Uuid,
    incident: Uuid,
    action: z.string(),
    owner: z.string(),
    dueAt: Timestamp,
    status: z.enum(['open', 'done']),
    overdue: z.boolean(),
    createdBy: z.string(),
    createdAt: Timestamp,
    completedAt: Timestamp.nullable(),
    completedBy: z.string().nullable(),
    evidence: z.string().nullable(),
  })
  .openapi('Rectification');
export type Rectification = z.infer<typeof Rectification>;

export const IncidentHistoryEntry = z
  .object({ from: IncidentStatus.nullable(), to: IncidentStatus, note: z.string().nullable(), actor: z.string(), at: Timestamp })
  .openapi('IncidentHistoryEntry');
export type IncidentHistoryEntry = z.infer<typeof IncidentHistoryEntry>;

export const Incident = z
  .object({
    id: Uuid,
    title: z.string(),
    description: z.string(),
    source: IncidentSource,
    severity: IncidentSeverity,
    status: IncidentStatus,
    detectedAt: Timestamp,
    vendors: z.array(Uuid),
    assets: z.array(Uuid),
    apps: z.array(z.string()),
    regulatorNotification: z
      .object({
        dueAt: Timestamp.openapi({ description: 'Detection plus the configured hours for the severity' }),
        sentAt: Timestamp.nullable(),
        overdue: z.boolean().openapi({ description: 'Not sent and past due' }),
        late: z.boolean().openapi({ description: 'Sent after it was due' }),
      })
      .openapi('RegulatorNotificationStatus'),
    containedAt: Timestamp.nullable(),
    closedAt: Timestamp.nullable(),
    openRectifications: z.number().int(),
    createdBy: z.string(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .openapi('Incident');
export type Incident = z.infer<typeof Incident>;

export const IncidentDetail = Incident.extend({
  containment: z.array(ContainmentRecord),
  notifications: z.array(IncidentNotification),
  rectifications: z.array(Rectification),
  history: z.array(IncidentHistoryEntry),
}).openapi('IncidentDetail');
export type IncidentDetail = z.infer<typeof IncidentDetail>;

export const IncidentQuery = z.strictObject({
  ...PageQuery,
  status: IncidentStatus.optional(),
  severity: IncidentSeverity.optional(),
  vendor: Uuid.optional(),
  notificationOverdue: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional()
    .openapi({ description: 'true: only incidents whose regulator notification is overdue' }),
});
export type IncidentQuery = z.infer<typeof IncidentQuery>;

export const IncidentPage = page(Incident, 'IncidentPage');
export const IncidentParams = z.strictObject({ id: Uuid });
export const RectificationParams = z.strictObject({ id: Uuid, rectificationId: Uuid });
