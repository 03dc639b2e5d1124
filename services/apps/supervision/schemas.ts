import { CalendarDate, DepartmentCode, FreeText, Label, PageQuery, Timestamp, Uuid, page } from '../../shared/schemas';
import { z } from '../../shared/zod';

/** A staff member as the identity provider names them (their token's subject). */
const Person = Label(200).openapi({ description: 'A staff member’s subject, as in their token', example: 'frank' });

export const InspectionKind = z.enum(['on_site', 'off_site']).openapi('AppInspectionKind');
export const Inspector = z.enum(['regulator', 'internal_audit']).openapi('AppInspector');

/** open: not closed, not yet due; overdue: not closed, past due; closed: closed with evidence. */
export const RectificationStatus = z.enum(['open', 'overdue', 'closed']).openapi('AppRectificationStatus');
export type RectificationStatus = z.infer<typeof RectificationStatus>;

export const CreateRectificationItem = z
  .strictObject({
    action: FreeText(2000).openapi({ description: 'What must change' }),
    owner: Person.openapi({ description: 'Who answers for it (a staff subject); never the one who closes it' }),
    ownerDepartment: DepartmentCode,
    dueAt: Timestamp.openapi({ description: 'When it must be done (in the future)' }),
  })
  .openapi('CreateAppRectificationItem');
export type CreateRectificationItem = z.infer<typeof CreateRectificationItem>;

export const CreateInspectionFinding = z
  .strictObject({
    inspection: InspectionKind,
    inspector: Inspector,
    inspectionReference: Label(200).openapi({ description: 'The inspection’s reference, e.g. the regulator’s letter number' }),
    inspectedOn: CalendarDate.openapi({ description: 'The day of the inspection (not in the future)' }),
    title: Label(300),
    description: FreeText(4000),
    rectifications: z.array(CreateRectificationItem).min(1).max(20).openapi({ description: '1-20 rectification items' }),
  })
  .openapi('CreateAppInspectionFinding');
export type CreateInspectionFinding = z.infer<typeof CreateInspectionFinding>;

export const CloseRectificationItem = z
  .strictObject({ evidence: FreeText(4000).openapi({ description: 'What shows it is done: a retest report, a release, a ticket' }) })
  .openapi('CloseAppRectificationItem');
export type CloseRectificationItem = z.infer<typeof CloseRectificationItem>;

export const RectificationItem = z
  .object({
    id: Uuid,
    findingId: Uuid,
    appId: Uuid,
    action: z.string(),
    owner: z.string(),
    ownerDepartment: z.string(),
    dueAt: Timestamp,
    status: RectificationStatus,
    closedLate: z.boolean().nullable().openapi({ description: 'Closed after its due date (null while open)' }),
    createdBy: z.string(),
    createdAt: Timestamp,
    closedAt: Timestamp.nullable(),
    closedBy: z.string().nullable(),
    evidence: z.string().nullable(),
  })
  .openapi('AppRectificationItem');
export type RectificationItem = z.infer<typeof RectificationItem>;

export const InspectionFinding = z
  .object({
    id: Uuid,
    appId: Uuid,
    inspection: InspectionKind,
    inspector: Inspector,
    inspectionReference: z.string(),
    inspectedOn: CalendarDate,
    title: z.string(),
    description: z.string(),
    recordedBy: z.string(),
    recordedAt: Timestamp,
    rectifications: z.array(RectificationItem),
  })
  .openapi('AppInspectionFinding');
export type InspectionFinding = z.infer<typeof InspectionFinding>;

export const FindingParams = z.strictObject({ id: Uuid, findingId: Uuid });
export const RectificationItemParams = z.strictObject({ id: Uuid, itemId: Uuid });
export const FindingQuery = z.strictObject({ ...PageQuery, inspector: Inspector.optional() });
export type FindingQuery = z.infer<typeof FindingQuery>;
export const FindingPage = page(InspectionFinding, 'AppInspectionFindingPage');

/** What an accountability decision is about: a major event of the app, or an overdue rectification. */
export const AccountabilitySubjectKind = z
  .enum(['warning', 'vulnerability', 'inspection_finding', 'rectification_item'])
  .openapi('AppAccountabilitySubjectKind', {
    description:
      '`warning`: a major warning; `vulnerability`: regulator-reported, or overdue (unfixed past due or fixed late); `inspection_finding`: any; `rectification_item`: overdue (open past due or closed late)',
  });
export type AccountabilitySubjectKind = z.infer<typeof AccountabilitySubjectKind>;

export const AccountabilityMeasure = z
  .enum(['no_measure', 'criticism', 'performance_deduction', 'disciplinary_warning', 'demotion', 'dismissal', 'other'])
  .openapi('AppAccountabilityMeasure', {
    description: '`no_measure`: looked into, nobody held accountable (say why); any other measure names who is held accountable',
  });

export const RecordAccountabilityDecision = z
  .strictObject({
    subject: z.strictObject({ kind: AccountabilitySubjectKind, id: Uuid }),
    accountable: z
      .strictObject({ person: Person, department: DepartmentCode })
      .nullable()
      .openapi({ description: 'Who is held accountable; null only with measure no_measure. Never the one deciding' }),
    measure: AccountabilityMeasure,
    description: FreeText(2000).openapi({ description: 'The measure in words, and why' }),
    decidedOn: CalendarDate.openapi({ description: 'The day it was decided (not in the future)' }),
  })
  .openapi('RecordAppAccountabilityDecision');
export type RecordAccountabilityDecision = z.infer<typeof RecordAccountabilityDecision>;

export const AccountabilityDecision = z
  .object({
    id: Uuid,
    appId: Uuid,
    subject: z.object({ kind: AccountabilitySubjectKind, id: Uuid }),
    accountable: z.object({ person: z.string(), department: z.string() }).nullable(),
    measure: AccountabilityMeasure,
    description: z.string(),
    decidedOn: CalendarDate,
    decidedBy: z.string(),
    recordedAt: Timestamp,
  })
  .openapi('AppAccountabilityDecision');
export type AccountabilityDecision = z.infer<typeof AccountabilityDecision>;

export const DecisionQuery = z.strictObject({ ...PageQuery });
export type DecisionQuery = z.infer<typeof DecisionQuery>;
export const DecisionPage = page(AccountabilityDecision, 'AppAccountabilityDecisionPage');

/** A major event or overdue rectification of an app, and whether an accountability decision covers it. */
export const AccountabilityEvent = z
  .object({
    kind: AccountabilitySubjectKind,
    id: Uuid,
    occurredAt: Timestamp.openapi({ description: 'When it happened (a rectification or a non-regulator vulnerability: its due date)' }),
    label: z.string(),
    decided: z.boolean(),
  })
  .openapi('AppAccountabilityEvent');
export type AccountabilityEvent = z.infer<typeof AccountabilityEvent>;
export const AccountabilityEventList = z.object({ items: z.array(AccountabilityEvent) }).openapi('AppAccountabilityEventList');
