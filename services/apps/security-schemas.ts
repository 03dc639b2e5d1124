import { CalendarDate, FreeText, Label, PageQuery, Timestamp, Uuid, page } from '../shared/schemas';
import { z } from '../shared/zod';

/** Free text people read: trimmed, 1 to `max` characters, no bidi controls or invisible characters. */
const text = (max: number) => FreeText(max);

export const SecurityTestKind = z.enum(['penetration', 'compatibility', 'privacy_review']).openapi('AppSecurityTestKind');
export type SecurityTestKind = z.infer<typeof SecurityTestKind>;
export const SecurityTestResult = z.enum(['pass', 'fail', 'conditional']).openapi('AppSecurityTestResult');
export type SecurityTestResult = z.infer<typeof SecurityTestResult>;

export const SecurityTest = z
  .object({
    id: Uuid,
    appId: Uuid,
    kind: SecurityTestKind,
    performedAt: CalendarDate,
    result: SecurityTestResult,
    performer: z.string(),
    reportReference: z.string(),
    recordedBy: z.string(),
    recordedAt: Timestamp,
  })
  .openapi('AppSecurityTest');
export type SecurityTest = z.infer<typeof SecurityTest>;

export const CreateSecurityTest = z
  .strictObject({
    kind: SecurityTestKind,
    performedAt: CalendarDate.openapi({ description: 'The day the test was performed (not in the future)', example: '2026-10-15' }),
    result: SecurityTestResult,
    performer: text(200).openapi({ description: 'Who performed it: a team or a testing firm' }),
    reportReference: text(200).openapi({ description: 'Where the report is kept, e.g. a document number' }),
  })
  .openapi('CreateAppSecurityTest');
export type CreateSecurityTest = z.infer<typeof CreateSecurityTest>;

export const SecurityTestQuery = z.strictObject({ ...PageQuery, kind: SecurityTestKind.optional(), result: SecurityTestResult.optional() });
export type SecurityTestQuery = z.infer<typeof SecurityTestQuery>;

export const SecurityTestPage = page(SecurityTest, 'AppSecurityTestPage');

export const VulnerabilitySeverity = z.enum(['low', 'medium', 'high', 'critical']).openapi('VulnerabilitySeverity');
export type VulnerabilitySeverity = z.infer<typeof VulnerabilitySeverity>;

/** open: not fixed and not yet due; overdue: not fixed and past its due date; fixed: fixed, with evidence. */
export const VulnerabilityStatus = z.enum(['open', 'overdue', 'fixed']).openapi('VulnerabilityStatus');
export type VulnerabilityStatus = z.infer<typeof VulnerabilityStatus>;

/** Where a vulnerability came from: the bank's own tests, an outside report, or a regulator's notice (通报). */
export const VulnerabilitySource = z.enum(['internal_test', 'external_report', 'regulator_notice']).openapi('VulnerabilitySource', {
  description:
    '`regulator_notice`: reported by the regulator; its deadline is the due date, and passing it unfixed fails the compliance report',
});
export type VulnerabilitySource = z.infer<typeof VulnerabilitySource>;

export const Vulnerability = z
  .object({
    id: Uuid,
    appId: Uuid,
    title: z.string(),
    severity: VulnerabilitySeverity,
    reportedAt: Timestamp,
    dueAt: Timestamp,
    testKind: SecurityTestKind.nullable().openapi({ description: 'The kind of test that found it, when a test did' }),
    securityTestId: Uuid.nullable().openapi({ description: 'The recorded test that found it, when given' }),
    blocksRelease: z
      .boolean()
      .openapi({ description: 'Whether it blocks release while unfixed: always for high, critical and privacy-review findings' }),
    source: VulnerabilitySource,
    regulatorReference: z
      .string()
      .nullable()
      .openapi({ description: 'The regulator’s notice (通报) reference, for regulator-reported vulnerabilities' }),
    status: VulnerabilityStatus,
    fixedAt: Timestamp.nullable(),
    fixEvidence: z.string().nullable(),
    fixedBy: z.string().nullable(),
    recordedBy: z.string(),
    recordedAt: Timestamp,
  })
  .openapi('AppVulnerability');
export type Vulnerability = z.infer<typeof Vulnerability>;

export const CreateVulnerability = z
  .strictObject({
    title: text(300),
    severity: VulnerabilitySeverity,
    reportedAt: Timestamp.openapi({ description: 'When it was reported (not in the future)' }),
    dueAt: Timestamp.optional().openapi({
      description: 'Rectification deadline (not before reportedAt); required unless the regulator set the deadline',
    }),
    source: VulnerabilitySource.optional().openapi({ description: 'internal_test when omitted' }),
    regulatorDeadline: Timestamp.optional().openapi({
      description: 'For regulator_notice (and only then, required): the regulator’s deadline, which becomes dueAt',
    }),
    regulatorReference: Label(200)
      .optional()
      .openapi({ description: 'For regulator_notice (and only then, required): the notice’s reference' }),
    testKind: SecurityTestKind.optional().openapi({
      description: 'The kind of test that found it (taken from securityTestId when that is given)',
    }),
    securityTestId: Uuid.optional().openapi({ description: 'The recorded test of this app that found it' }),
    blocksRelease: z.boolean().optional().openapi({
      description: 'Block release until fixed. High, critical and privacy-review findings always block; false is refused for them',
    }),
  })
  .openapi('CreateAppVulnerability');
export type CreateVulnerability = z.infer<typeof CreateVulnerability>;

export const FixVulnerability = z
  .strictObject({
    evidence: text(2000).openapi({ description: 'What shows the fix: a retest report, a release, a ticket' }),
    fixedAt: Timestamp.optional().openapi({ description: 'When it was fixed; now when omitted' }),
  })
  .openapi('FixAppVulnerability');
export type FixVulnerability = z.infer<typeof FixVulnerability>;

export const VulnerabilityParams = z.strictObject({ id: Uuid, vulnerabilityId: Uuid });

export const VulnerabilityQuery = z.strictObject({
  ...PageQuery,
  severity: VulnerabilitySeverity.optional(),
  status: VulnerabilityStatus.optional(),
  blocksRelease: z
    .enum(['true', 'false'])
    .optional()
    .openapi({ description: 'Only findings that do (true) or do not (false) block release' }),
  source: VulnerabilitySource.optional(),
});
export type VulnerabilityQuery = z.infer<typeof VulnerabilityQuery>;

export const VulnerabilityPage = page(Vulnerability, 'AppVulnerabilityPage');
