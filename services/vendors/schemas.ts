import { PurposeKey } from '../purposes/schemas';
import { PageQuery, Timestamp, Uuid, page, Label, FreeText, CalendarDate, PhoneNumber } from '../shared/schemas';
import { z } from '../shared/zod';
import { UNIFIED_SOCIAL_CREDIT_CODE_PATTERN, isValidUnifiedSocialCreditCode } from './unified-social-credit-code';

export const VendorStatus = z.enum(['active', 'suspended', 'terminated']).openapi('VendorStatus');
export type VendorStatus = z.infer<typeof VendorStatus>;

export const UnifiedSocialCreditCode = z
  .string()
  .regex(UNIFIED_SOCIAL_CREDIT_CODE_PATTERN, 'must be 18 digits or upper-case letters (no I, O, S, V, Z)')
  .refine(isValidUnifiedSocialCreditCode, 'the check character (18th) does not match GB 32100-2015')
  .openapi({ description: 'Unified social credit code (统一社会信用代码, GB 32100-2015)', example: '91350100M000100Y43' });

const Text = Label;

export const VendorContact = z
  .strictObject({
    name: Text(200),
    email: z.email().max(254).optional(),
    phone: PhoneNumber.optional(),
    role: Text(100).optional(),
  })
  .refine((c) => c.email !== undefined || c.phone !== undefined, { message: 'give an email or a phone number' })
  .openapi('VendorContact');
export type VendorContact = z.infer<typeof VendorContact>;

const Contacts = z.array(VendorContact).min(1).max(20);

/** A calendar date, YYYY-MM-DD; not in the future, which the service checks on its clock (VendorService). */
const AssessmentDate = CalendarDate.openapi({ example: '2026-10-15' });

export const SecurityAssessment = z
  .strictObject({
    assessedAt: AssessmentDate,
    result: z.enum(['pass', 'conditional', 'fail']),
    reference: Text(200).optional(),
  })
  .openapi('SecurityAssessment');
export type SecurityAssessment = z.infer<typeof SecurityAssessment>;

// A contract date from this era: keeps both engines and JavaScript dates on the same calendar.
const ContractTimestamp = Timestamp.refine((v) => {
  const ms = Date.parse(v);
  return ms >= Date.UTC(1970, 0, 1) && ms < Date.UTC(10000, 0, 1);
}, 'must be between 1970 and 9999');

const ContractPurposes = z
  .array(PurposeKey)
  .min(1)
  .max(50)
  .refine((keys) => new Set(keys).size === keys.length, 'list each purpose once');

export const Contract = z
  .object({
    reference: z.string(),
    startsAt: Timestamp,
    endsAt: Timestamp,
    purposes: z.array(PurposeKey).openapi({ description: 'The purposes the contract allows, by key' }),
  })
  .openapi('VendorContract');

export const Vendor = z
  .object({
    id: Uuid,
    name: z.string(),
    unifiedSocialCreditCode: z.string().nullable(),
    contacts: z.array(VendorContact),
    contract: Contract,
    securityAssessment: SecurityAssessment.nullable(),
    status: VendorStatus,
    statusReason: z.string().nullable(),
    statusChangedAt: Timestamp,
    statusChangedBy: z.string(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .openapi('Vendor');
export type Vendor = z.infer<typeof Vendor>;

export const CreateVendor = z
  .strictObject({
    name: Text(200),
    unifiedSocialCreditCode: UnifiedSocialCreditCode.optional(),
    contacts: Contacts,
    contract: z.strictObject({
      reference: Text(200),
      startsAt: ContractTimestamp,
      endsAt: ContractTimestamp,
      purposes: ContractPurposes,
    }),
    securityAssessment: SecurityAssessment.optional(),
  })
  .refine((v) => Date.parse(v.contract.endsAt) > Date.parse(v.contract.startsAt), {
    message: 'the contract must end after it starts',
    path: ['contract', 'endsAt'],
  })
  .openapi('CreateVendor');
export type CreateVendor = z.infer<typeof CreateVendor>;

export const UpdateVendor = z
  .strictObject({
    contacts: Contacts.optional(),
    contract: z
      .strictObject({
        reference: Text(200).optional().openapi({ description: 'The amended or renewed contract’s reference' }),
        endsAt: ContractTimestamp.optional().openapi({ description: 'A later end: contracts are extended here, never shortened' }),
        purposes: ContractPurposes.optional().openapi({ description: 'The full new list; added purposes must be active' }),
      })
      .refine((v) => Object.keys(v).length > 0, { message: 'give at least one contract field to change' })
      .optional(),
    securityAssessment: SecurityAssessment.optional(),
  })
  .refine((v) => Object.keys(v).length > 0, { message: 'give at least one field to change' })
  .openapi('UpdateVendor');
export type UpdateVendor = z.infer<typeof UpdateVendor>;

export const StatusChange = z.strictObject({ reason: FreeText(1000) }).openapi('VendorStatusChange');
export type StatusChange = z.infer<typeof StatusChange>;

export const VendorStatusHistoryEntry = z
  .object({
    id: z.number().int(),
    fromStatus: VendorStatus.nullable(),
    toStatus: VendorStatus,
    reason: z.string().nullable(),
    actor: z.string(),
    at: Timestamp,
  })
  .openapi('VendorStatusHistoryEntry');
export type VendorStatusHistoryEntry = z.infer<typeof VendorStatusHistoryEntry>;

export const VendorParams = z.strictObject({ id: Uuid });

export const VendorQuery = z.strictObject({
  ...PageQuery,
  status: VendorStatus.optional(),
  purpose: PurposeKey.optional().openapi({ description: 'Only vendors whose contract allows this purpose' }),
});

export const VendorStatusHistoryQuery = z.strictObject({ ...PageQuery });

export const VendorPage = page(Vendor, 'VendorPage');
export const VendorStatusHistoryPage = page(VendorStatusHistoryEntry, 'VendorStatusHistoryPage');

/** What the decision engine keeps in memory per vendor. */
export interface VendorSnapshot {
  readonly id: string;
  readonly status: VendorStatus;
  readonly contractStartsAt: string;
  readonly contractEndsAt: string;
  readonly purposes: readonly string[];
}
