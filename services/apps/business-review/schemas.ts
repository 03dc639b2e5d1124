import { CalendarDate, FreeText, Label, PageQuery, Timestamp, Uuid, page } from '../../shared/schemas';
import { z } from '../../shared/zod';

/**
 * Where an app may serve: the whole country (`CN`) or a province-level division by its ISO 3166-2:CN
 * code. A licence for `CN` covers every division.
 */
export const NATIONWIDE = 'CN';
const DIVISIONS = 'AH BJ CQ FJ GD GS GX GZ HA HB HE HI HK HL HN JL JS JX LN MO NM NX QH SC SD SH SN SX TJ TW XJ XZ YN ZJ'.split(' ');
export const REGION_CODES: readonly string[] = [NATIONWIDE, ...DIVISIONS.map((d) => `CN-${d}`)];
const REGION_SET: ReadonlySet<string> = new Set(REGION_CODES);

export const RegionCode = z
  .string()
  .refine((v) => REGION_SET.has(v), 'must be CN (nationwide) or an ISO 3166-2:CN province-level code such as CN-BJ')
  .openapi({ example: 'CN-BJ', description: '`CN` (nationwide) or an ISO 3166-2:CN province-level code' });

export const BusinessLineCode = z
  .string()
  .regex(/^[a-z][a-z0-9_]{1,49}$/, 'must be 2-50 lower-case letters, digits or _, starting with a letter')
  .openapi({ example: 'wealth_management' });

/** A list given once per entry: a repeated entry is a mistake to report, not to fold away. */
const distinct = <T extends z.ZodType>(item: T, key: (v: z.infer<T>) => string, what: string) =>
  z.array(item).superRefine((items, ctx) => {
    const seen = new Set<string>();
    items.forEach((v, i) => {
      const k = key(v).toLowerCase();
      if (seen.has(k)) ctx.addIssue({ code: 'custom', path: [i], message: `${what} ${key(v)} is listed twice` });
      seen.add(k);
    });
  });

// ---------- The institution's licensed scope ----------

export const SetLicensedScope = z
  .strictObject({
    licenceReference: Label(100).openapi({ description: 'The financial licence the scope is read from (e.g. its institution code)' }),
    businessLines: distinct(z.strictObject({ code: BusinessLineCode, name: Label(200) }), (l) => l.code, 'business line')
      .min(1)
      .max(100),
    regions: distinct(RegionCode, (r) => r, 'region')
      .min(1)
      .max(REGION_CODES.length),
  })
  .openapi('SetAppLicensedScope', { description: 'The institution’s licensed business lines and regions, replacing what was there' });
export type SetLicensedScope = z.infer<typeof SetLicensedScope>;

export const LicensedScope = z
  .object({
    licenceReference: z.string().nullable(),
    businessLines: z.array(z.object({ code: z.string(), name: z.string() })),
    regions: z.array(z.string()),
    setBy: z.string().nullable(),
    setAt: Timestamp.nullable(),
  })
  .openapi('AppLicensedScope', { description: 'Empty lists and nulls until the compliance function sets the scope' });
export type LicensedScope = z.infer<typeof LicensedScope>;

// ---------- An app's business profile ----------

const Review = z.strictObject({ on: CalendarDate, result: z.enum(['passed', 'failed']) });

export const PartnerInput = z.strictObject({
  name: Label(200).openapi({ description: 'The cooperating institution (third party)' }),
  cooperation: FreeText(500).openapi({ description: 'What business is done together, e.g. co-lending, insurance agency' }),
  agreementReference: Label(100),
  agreementFrom: CalendarDate,
  agreementUntil: CalendarDate.openapi({ description: 'Not before agreementFrom' }),
  review: Review.nullable().openapi({ description: 'The institution’s latest review of the partner (null: never reviewed)' }),
});

export const ProductSaleInput = z.strictObject({
  product: Label(200),
  traceable: z.boolean().openapi({ description: 'Whether the sale is traceable as regulation requires (recorded sales process, 双录)' }),
  traceabilityMethod: FreeText(500)
    .optional()
    .openapi({ description: 'How the sale is made traceable (required when traceable), e.g. in-app audio and video recording' }),
  disclosureUrl: z
    .url({ protocol: /^https$/ })
    .max(2000)
    .openapi({ description: 'Where the product’s disclosures are published (https)' }),
});

export const SetBusinessProfile = z
  .strictObject({
    businessLines: distinct(BusinessLineCode, (c) => c, 'business line')
      .min(1)
      .max(50),
    regions: distinct(RegionCode, (r) => r, 'region')
      .min(1)
      .max(REGION_CODES.length),
    partners: distinct(PartnerInput, (p) => p.name, 'partner').max(100),
    productSales: distinct(ProductSaleInput, (p) => p.product, 'product').max(200),
  })
  .openapi('SetAppBusinessProfile', {
    description:
      'What the app does: its business lines and regions served, its third-party cooperative business and the products it sells; replaces what was there',
  });
export type SetBusinessProfile = z.infer<typeof SetBusinessProfile>;

export const Partner = z.object({
  id: Uuid,
  name: z.string(),
  cooperation: z.string(),
  agreementReference: z.string(),
  agreementFrom: CalendarDate,
  agreementUntil: CalendarDate,
  review: z.object({ on: CalendarDate, result: z.enum(['passed', 'failed']) }).nullable(),
  current: z.boolean().openapi({ description: 'The agreement covers today and a passed review is within 12 months' }),
});
export type Partner = z.infer<typeof Partner>;

export const ProductSale = z.object({
  id: Uuid,
  product: z.string(),
  traceable: z.boolean(),
  traceabilityMethod: z.string().nullable(),
  disclosureUrl: z.string(),
});
export type ProductSale = z.infer<typeof ProductSale>;

export const OutsideLicence = z
  .object({ businessLines: z.array(z.string()), regions: z.array(z.string()) })
  .openapi('AppOutsideLicence', { description: 'What the app declares that the licensed scope does not cover' });
export type OutsideLicence = z.infer<typeof OutsideLicence>;

export const BusinessProfile = z
  .object({
    appId: Uuid,
    businessLines: z.array(z.string()),
    regions: z.array(z.string()),
    partners: z.array(Partner),
    productSales: z.array(ProductSale),
    outsideLicence: OutsideLicence,
    withinLicence: z.boolean().openapi({ description: 'Every business line and region is licensed (false while no scope is set)' }),
    declaredBy: z.string(),
    declaredAt: Timestamp,
  })
  .openapi('AppBusinessProfile');
export type BusinessProfile = z.infer<typeof BusinessProfile>;

// ---------- Compliance reviews ----------

export const RecordComplianceReview = z
  .strictObject({
    reviewedOn: CalendarDate.openapi({ description: 'Not in the future' }),
    outcome: z.enum(['passed', 'failed']),
    summary: FreeText(4000),
    findings: z
      .array(z.strictObject({ title: Label(300), dueOn: CalendarDate.openapi({ description: 'Not before reviewedOn' }) }))
      .max(100)
      .openapi({ description: 'What must be put right, each by its due date; a failed review names at least one' }),
  })
  .openapi('RecordAppComplianceReview');
export type RecordComplianceReview = z.infer<typeof RecordComplianceReview>;

export const ComplianceFinding = z
  .object({
    id: Uuid,
    reviewId: Uuid,
    title: z.string(),
    dueOn: CalendarDate,
    closedAt: Timestamp.nullable(),
    closedBy: z.string().nullable(),
    evidence: z.string().nullable(),
    overdue: z.boolean().openapi({ description: 'Open past its due date: blocks release' }),
  })
  .openapi('AppComplianceFinding');
export type ComplianceFinding = z.infer<typeof ComplianceFinding>;

export const ComplianceReview = z
  .object({
    id: Uuid,
    appId: Uuid,
    reviewedOn: CalendarDate,
    outcome: z.enum(['passed', 'failed']),
    summary: z.string(),
    examined: z
      .object({ businessLines: z.array(z.string()), regions: z.array(z.string()), declaredAt: Timestamp })
      .openapi({ description: 'The business profile the review looked at' }),
    findings: z.array(ComplianceFinding),
    reviewedBy: z.string(),
    recordedAt: Timestamp,
  })
  .openapi('AppComplianceReview');
export type ComplianceReview = z.infer<typeof ComplianceReview>;

export const ComplianceReviewQuery = z.strictObject({ ...PageQuery });
export type ComplianceReviewQuery = z.infer<typeof ComplianceReviewQuery>;
export const ComplianceReviewPage = page(ComplianceReview, 'AppComplianceReviewPage');

export const FindingParams = z.strictObject({ id: Uuid, findingId: Uuid });
export const CloseComplianceFinding = z
  .strictObject({ evidence: FreeText(2000).openapi({ description: 'What was put right, and where the proof is' }) })
  .openapi('CloseAppComplianceFinding');
export type CloseComplianceFinding = z.infer<typeof CloseComplianceFinding>;
