import { AssetKey, FieldName } from '../data-assets/schemas';
import { PurposeKey } from '../purposes/schemas';
import { CalendarDate, DepartmentCode, FreeText, PageQuery, Timestamp, Uuid, page } from '../shared/schemas';
import { z } from '../shared/zod';
import { APP_STATES } from './lifecycle';

export const AppKind = z.enum(['app', 'mini_program', 'official_account', 'h5']).openapi('AppKind');
export const AppAudience = z.enum(['customer', 'internal']).openapi('AppAudience');
export const AppLifecycleState = z.enum(APP_STATES).openapi('AppLifecycleState', {
  description: 'proposed → approved → developing → testing → released → operating → consolidating → retired, one step at a time',
});

/** Free text people read: trimmed, 1 to `max` characters, no bidi controls or invisible characters. */
const text = (max: number) => FreeText(max);

/** A business-scenario tag, compared case-insensitively (stored lower-case), e.g. credit_card or 理财. */
export const ScenarioTag = z
  .string()
  .trim()
  .toLowerCase()
  .min(1)
  .max(64)
  // Latin letters, digits and CJK ideographs; no `u` flag, so the pattern means the same in the OpenAPI document.
  .regex(
    /^[A-Za-z0-9\u4e00-\u9fff][A-Za-z0-9\u4e00-\u9fff_.-]*$/,
    'must be letters, digits or Chinese characters, optionally joined by _ . or -',
  )
  .openapi({ example: 'credit_card' });

export const ThirdPartySdk = z
  .object({ name: z.string(), vendor: z.string().nullable(), purpose: z.string().nullable() })
  .openapi('ThirdPartySdk', { description: 'A third-party SDK embedded in the app (who provides it and why it is there)' });
export type ThirdPartySdk = z.infer<typeof ThirdPartySdk>;

const NewThirdPartySdk = z.strictObject({ name: text(200), vendor: text(200).optional(), purpose: text(500).optional() });

/** Satisfaction on a 0-5 scale with at most two decimals (what the survey reports). */
const Satisfaction = z
  .number()
  .min(0)
  .max(5)
  .refine((v) => Math.abs(v * 100 - Math.round(v * 100)) < 1e-9, { message: 'must have at most two decimals' })
  .openapi({ example: 4.2 });

const MonthlyActiveUsers = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).openapi({ example: 120000 });

export const App = z
  .object({
    id: Uuid,
    name: z.string(),
    kind: AppKind,
    platform: z.string().nullable(),
    audience: AppAudience,
    leadDepartment: DepartmentCode,
    owningDepartment: DepartmentCode,
    responsiblePerson: z.string(),
    businessOwner: z.string().nullable().openapi({ description: 'Who owns the app for the business; entry approval needs one' }),
    technologyOwner: z.string().nullable().openapi({ description: 'Who owns the app’s technology; entry approval needs one' }),
    filingNumber: z.string().nullable(),
    monthlyActiveUsers: z.number().int(),
    satisfaction: z.number().nullable(),
    businessScenarios: z.array(z.string()),
    thirdPartySdks: z.array(ThirdPartySdk),
    lifecycleState: AppLifecycleState,
    createdBy: z.string(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .openapi('App');
export type App = z.infer<typeof App>;

export const DataDisposal = z
  .strictObject({
    dataDeleted: text(2000).optional().openapi({ description: 'What personal information was deleted, and how' }),
    dataMigrated: text(2000).optional().openapi({ description: 'What was migrated, and to which app or system' }),
    userNotice: text(2000).openapi({ description: 'How users were told the app is retired and what happens to their data' }),
    userNotifiedAt: Timestamp,
  })
  .refine((d) => d.dataDeleted !== undefined || d.dataMigrated !== undefined, {
    message: 'say what was deleted (dataDeleted) or migrated (dataMigrated)',
  })
  .openapi('DataDisposal', { description: 'The data disposal record a retirement needs' });
export type DataDisposal = z.infer<typeof DataDisposal>;

export const ReleaseEvidence = z
  .object({
    filingNumber: z.string(),
    penetrationTest: z.object({ id: Uuid, performedAt: CalendarDate }),
    compatibilityTest: z
      .object({ id: Uuid, performedAt: CalendarDate })
      .optional()
      .openapi({ description: 'Absent on releases before compatibility gated release' }),
    privacyReview: z
      .object({ id: Uuid, performedAt: CalendarDate })
      .optional()
      .openapi({ description: 'Absent on releases before privacy reviews gated release' }),
    consentPurposesWithNotice: z.array(z.string()),
  })
  .openapi('AppReleaseEvidence', { description: 'What the release rested on' });

export const AppTransition = z
  .object({
    id: Uuid,
    from: AppLifecycleState,
    to: AppLifecycleState,
    note: z.string().nullable(),
    disposal: z
      .object({
        dataDeleted: z.string().optional(),
        dataMigrated: z.string().optional(),
        userNotice: z.string(),
        userNotifiedAt: Timestamp,
      })
      .nullable(),
    releaseEvidence: ReleaseEvidence.nullable(),
    transitionedBy: z.string(),
    transitionedAt: Timestamp,
  })
  .openapi('AppTransition');
export type AppTransition = z.infer<typeof AppTransition>;

export const AppDetail = App.extend({ transitions: z.array(AppTransition) }).openapi('AppDetail');
export type AppDetail = z.infer<typeof AppDetail>;

const Scenarios = z.array(ScenarioTag).max(20);
const Sdks = z.array(NewThirdPartySdk).max(50);

/** The details an app may give when it is entered and change later: optional in both. */
const optionalDetails = {
  businessOwner: text(200).optional(),
  technologyOwner: text(200).optional(),
  filingNumber: text(100).nullable().optional(),
  monthlyActiveUsers: MonthlyActiveUsers.optional(),
  satisfaction: Satisfaction.nullable().optional(),
  businessScenarios: Scenarios.optional(),
  thirdPartySdks: Sdks.optional(),
};

export const CreateApp = z
  .strictObject({
    name: text(200),
    kind: AppKind,
    platform: text(100).optional().openapi({ example: 'iOS, Android' }),
    audience: AppAudience,
    leadDepartment: DepartmentCode,
    owningDepartment: DepartmentCode,
    responsiblePerson: text(200),
    ...optionalDetails,
    planItem: Uuid.optional().openapi({
      description: 'The planned app of an approved plan this proposal comes from (required once the lead department requires plans)',
    }),
    overlapJustification: FreeText(2000).optional().openapi({
      description: 'Why the app is needed beside the apps its business scenarios overlap (409 app_overlaps_unresolved lists them)',
    }),
  })
  .openapi('CreateApp');
export type CreateApp = z.infer<typeof CreateApp>;

export const UpdateApp = z
  .strictObject({
    name: text(200).optional(),
    kind: AppKind.optional(),
    platform: text(100).nullable().optional(),
    audience: AppAudience.optional(),
    leadDepartment: DepartmentCode.optional(),
    owningDepartment: DepartmentCode.optional(),
    responsiblePerson: text(200).optional(),
    ...optionalDetails,
  })
  .refine((v) => Object.keys(v).length > 0, { message: 'give at least one field to change' })
  .openapi('UpdateApp', { description: 'The lifecycle state changes only through transitions.' });
export type UpdateApp = z.infer<typeof UpdateApp>;

export const TransitionRequest = z
  .strictObject({
    to: AppLifecycleState,
    note: text(2000).optional(),
    disposal: DataDisposal.optional(),
  })
  .superRefine((v, ctx) => {
    if (v.to === 'retired' && v.disposal === undefined) {
      ctx.addIssue({ code: 'custom', path: ['disposal'], message: 'retiring an app needs a data disposal record' });
    }
    if (v.to !== 'retired' && v.disposal !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['disposal'], message: 'a data disposal record belongs only to retirement' });
    }
  })
  .openapi('AppTransitionRequest');
export type TransitionRequest = z.infer<typeof TransitionRequest>;

export const AppParams = z.strictObject({ id: Uuid });

export const AppQuery = z.strictObject({
  ...PageQuery,
  kind: AppKind.optional(),
  audience: AppAudience.optional(),
  lifecycleState: AppLifecycleState.optional(),
  owningDepartment: DepartmentCode.optional(),
  leadDepartment: DepartmentCode.optional(),
  businessScenario: ScenarioTag.optional(),
});
export type AppQuery = z.infer<typeof AppQuery>;

export const AppPage = page(App, 'AppPage');

export const AppDataUse = z
  .object({
    id: Uuid,
    appId: Uuid,
    asset: z.object({ id: Uuid, key: z.string() }),
    fields: z.array(z.string()),
    purpose: z.string(),
    createdBy: z.string(),
    createdAt: Timestamp,
  })
  .openapi('AppDataUse');
export type AppDataUse = z.infer<typeof AppDataUse>;

export const CreateAppDataUse = z
  .strictObject({
    asset: z.union([Uuid, AssetKey]).openapi({ description: 'The data asset, by id or key' }),
    fields: z.array(FieldName).min(1).max(200),
    purpose: PurposeKey,
  })
  .openapi('CreateAppDataUse');
export type CreateAppDataUse = z.infer<typeof CreateAppDataUse>;

export const SubResourceQuery = z.strictObject({ ...PageQuery });
export type SubResourceQuery = z.infer<typeof SubResourceQuery>;

export const AppDataUsePage = page(AppDataUse, 'AppDataUsePage');
