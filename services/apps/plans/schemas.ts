import { CalendarDate, DepartmentCode, FreeText, Label, PageQuery, Timestamp, Uuid, page } from '../../shared/schemas';
import { z } from '../../shared/zod';
import { AppAudience, AppKind, AppLifecycleState, ScenarioTag } from '../schemas';

/** The longest period a construction plan may cover: five years (a bank's plans are annual or three- to five-year). */
export const LONGEST_PLAN_DAYS = 5 * 366;

export const AppPlanStatus = z.enum(['submitted', 'approved', 'rejected']).openapi('AppPlanStatus', {
  description: 'submitted → approved or rejected by an app manager of the lead department (never the submitter)',
});
export type AppPlanStatus = z.infer<typeof AppPlanStatus>;

export const PlanItemStatus = z.enum(['open', 'proposed', 'merged']).openapi('AppPlanItemStatus', {
  description: 'open: not yet proposed; proposed: an app in the ledger came from it; merged: its demand was merged into an existing app',
});
export type PlanItemStatus = z.infer<typeof PlanItemStatus>;

const Scenarios = z.array(ScenarioTag).min(1).max(20);

const NewPlannedApp = z.strictObject({
  name: Label(200).openapi({ description: 'A working title, unique (case-insensitively) within the plan', example: 'Wealth mini-program' }),
  kind: AppKind,
  audience: AppAudience,
  businessScenarios: Scenarios.openapi({
    description: 'The business scenarios the app will serve; a proposal under it declares only these',
  }),
  justification: FreeText(2000).openapi({ description: 'Why this app is needed and cannot be served by an existing one' }),
});

export const SubmitAppPlan = z
  .strictObject({
    department: DepartmentCode.openapi({ description: 'The department or branch whose plan it is' }),
    periodStart: CalendarDate,
    periodEnd: CalendarDate.openapi({ description: 'On or after periodStart; at most five years later' }),
    justification: FreeText(4000).openapi({ description: 'The plan as a whole: the business it serves and why these apps' }),
    plannedApps: z.array(NewPlannedApp).min(1).max(50),
  })
  .superRefine((v, ctx) => {
    if (v.periodEnd < v.periodStart) ctx.addIssue({ code: 'custom', path: ['periodEnd'], message: 'must be on or after periodStart' });
    else if ((Date.parse(v.periodEnd) - Date.parse(v.periodStart)) / 86_400_000 > LONGEST_PLAN_DAYS) {
      ctx.addIssue({ code: 'custom', path: ['periodEnd'], message: 'a plan covers at most five years' });
    }
    const seen = new Set<string>();
    v.plannedApps.forEach((p, i) => {
      const name = p.name.toLowerCase();
      if (seen.has(name)) ctx.addIssue({ code: 'custom', path: ['plannedApps', i, 'name'], message: 'names a planned app twice' });
      seen.add(name);
    });
  })
  .openapi('SubmitAppPlan', { description: 'A department’s or branch’s app construction plan for a period' });
export type SubmitAppPlan = z.infer<typeof SubmitAppPlan>;

export const PlannedApp = z
  .object({
    id: Uuid,
    name: z.string(),
    kind: AppKind,
    audience: AppAudience,
    businessScenarios: z.array(z.string()),
    justification: z.string(),
    status: PlanItemStatus,
    appId: Uuid.nullable().openapi({ description: 'The app proposed under it (status proposed)' }),
    mergedInto: Uuid.nullable().openapi({ description: 'The app its demand was merged into (status merged)' }),
    mergeNote: z.string().nullable(),
    mergedBy: z.string().nullable(),
    mergedAt: Timestamp.nullable(),
  })
  .openapi('AppPlannedApp');
export type PlannedApp = z.infer<typeof PlannedApp>;

export const AppPlan = z
  .object({
    id: Uuid,
    department: DepartmentCode,
    periodStart: CalendarDate,
    periodEnd: CalendarDate,
    justification: z.string(),
    status: AppPlanStatus,
    plannedApps: z.array(PlannedApp),
    submittedBy: z.string(),
    submittedAt: Timestamp,
    decidedBy: z.string().nullable(),
    decidedAt: Timestamp.nullable(),
    decisionNote: z.string().nullable(),
  })
  .openapi('AppPlan');
export type AppPlan = z.infer<typeof AppPlan>;

export const AppPlanPage = page(AppPlan, 'AppPlanPage');

export const AppPlanQuery = z.strictObject({
  ...PageQuery,
  department: DepartmentCode.optional(),
  status: AppPlanStatus.optional(),
});
export type AppPlanQuery = z.infer<typeof AppPlanQuery>;

export const AppPlanParams = z.strictObject({ id: Uuid });
export const PlannedAppParams = z.strictObject({ id: Uuid, itemId: Uuid });

export const ApproveAppPlan = z.strictObject({ note: FreeText(2000).optional() }).openapi('ApproveAppPlan');
export type ApproveAppPlan = z.infer<typeof ApproveAppPlan>;
export const RejectAppPlan = z.strictObject({ reason: FreeText(2000) }).openapi('RejectAppPlan');
export type RejectAppPlan = z.infer<typeof RejectAppPlan>;

export const MergePlannedApp = z
  .strictObject({
    into: Uuid.openapi({ description: 'The app in the ledger (not retired) that takes on this planned app’s demand' }),
    note: FreeText(2000).openapi({ description: 'What the existing app takes on, and when' }),
  })
  .openapi('MergePlannedApp');
export type MergePlannedApp = z.infer<typeof MergePlannedApp>;

export const PlanningPolicy = z
  .object({
    plansRequiredFrom: CalendarDate.nullable().openapi({
      description: 'From this date (UTC) every new app proposal must come from a planned app of an approved plan; null: not yet required',
    }),
    setBy: z.string().nullable(),
    setAt: Timestamp.nullable(),
    caps: z.array(
      z.object({
        department: DepartmentCode,
        maxApps: z.number().int(),
        appsNotRetired: z.number().int(),
        setBy: z.string(),
        setAt: Timestamp,
      }),
    ),
  })
  .openapi('AppPlanningPolicy', { description: 'How the lead department controls the number of apps: the plan requirement and caps' });
export type PlanningPolicy = z.infer<typeof PlanningPolicy>;

export const SetPlanningPolicy = z
  .strictObject({ plansRequiredFrom: CalendarDate.nullable() })
  .openapi('SetAppPlanningPolicy', { description: 'The date from which proposals need an approved plan (null lifts the requirement)' });
export type SetPlanningPolicy = z.infer<typeof SetPlanningPolicy>;

export const AppCap = z
  .object({ department: DepartmentCode, maxApps: z.number().int().nullable(), setBy: z.string(), setAt: Timestamp })
  .openapi('AppCap');
export type AppCap = z.infer<typeof AppCap>;

export const SetAppCap = z
  .strictObject({
    maxApps: z
      .number()
      .int()
      .min(0)
      .max(10_000)
      .nullable()
      .openapi({ description: 'Apps not retired the department may own; null removes the cap' }),
  })
  .openapi('SetAppCap');
export type SetAppCap = z.infer<typeof SetAppCap>;
export const AppCapParams = z.strictObject({ code: DepartmentCode });

/** Another app whose declared business scenarios meet a proposal's, and the scenarios they share (normalized). */
export const AppOverlap = z
  .object({
    appId: Uuid,
    name: z.string(),
    owningDepartment: z.string(),
    lifecycleState: AppLifecycleState,
    sharedScenarios: z.array(z.string()),
  })
  .openapi('AppOverlap');
export type AppOverlap = z.infer<typeof AppOverlap>;

export const AppEntryReview = z
  .object({
    appId: Uuid,
    lifecycleState: AppLifecycleState,
    planRequired: z.boolean().openapi({ description: 'Proposed while plans were required: entry approval checks its plan and overlaps' }),
    plannedApp: z
      .object({ planId: Uuid, itemId: Uuid, name: z.string(), department: z.string(), periodStart: CalendarDate, periodEnd: CalendarDate })
      .nullable(),
    overlapsJustified: z.array(AppOverlap).openapi({ description: 'The overlapping apps the justification answers for' }),
    justification: z.string().nullable(),
    justifiedBy: z.string().nullable(),
    justifiedAt: Timestamp.nullable(),
    currentOverlaps: z.array(AppOverlap),
    unresolvedOverlaps: z
      .array(AppOverlap)
      .openapi({ description: 'Current overlaps no justification answers for: entry approval waits for them' }),
  })
  .openapi('AppEntryReview', { description: 'What the app’s entry rests on, for the lead department’s approver' });
export type AppEntryReview = z.infer<typeof AppEntryReview>;

export const JustifyOverlaps = z
  .strictObject({
    justification: FreeText(2000).openapi({
      description: 'Why the app is needed beside the apps it overlaps (or why the overlap is not a duplicate)',
    }),
  })
  .openapi('JustifyAppOverlaps');
export type JustifyOverlaps = z.infer<typeof JustifyOverlaps>;

export const DepartmentPlanLine = z
  .object({
    department: z.string(),
    appsNotRetired: z.number().int(),
    appsOutsidePlan: z.number().int().openapi({ description: 'Apps not retired that did not come from a planned app of an approved plan' }),
    plannedApps: z.number().int().openapi({ description: 'Planned apps in approved plans whose period covers today' }),
    proposed: z.number().int(),
    merged: z.number().int(),
    open: z.number().int(),
    maxApps: z.number().int().nullable(),
    overCap: z.boolean(),
  })
  .openapi('AppPlanReportLine');
export type DepartmentPlanLine = z.infer<typeof DepartmentPlanLine>;

export const AppPlanReport = z
  .object({
    generatedAt: Timestamp,
    plansRequiredFrom: CalendarDate.nullable(),
    departments: z.array(DepartmentPlanLine).openapi({ description: 'Every department with apps, an approved plan or a cap, by code' }),
  })
  .openapi('AppPlanReport');
export type AppPlanReport = z.infer<typeof AppPlanReport>;
