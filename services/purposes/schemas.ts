import { PageQuery, Timestamp, Uuid, page, FreeText } from '../shared/schemas';
import { z } from '../shared/zod';

/** Lower-case snake_case words, optionally dotted into namespaces, e.g. credit_card_marketing or retail.kyc. */
export const PurposeKey = z
  .string()
  .max(100)
  .regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/, 'must be lower-case snake_case words, optionally separated by dots')
  .openapi({ example: 'credit_card_marketing' });

/** The legal bases of PIPL Art. 13 (1)-(7). */
export const LegalBasis = z
  .enum(['consent', 'contract', 'legal_obligation', 'hr', 'public_health', 'news', 'public_info', 'other_law'])
  .openapi('LegalBasis', { description: 'PIPL Art. 13 legal basis' });
export type LegalBasis = z.infer<typeof LegalBasis>;

export const PurposeStatus = z.enum(['active', 'retired']).openapi('PurposeStatus');
export type PurposeStatus = z.infer<typeof PurposeStatus>;

const Description = FreeText(2000);
// Up to 100 years; PIPL Art. 19 asks for the shortest period needed, so a purpose always names one.
const RetentionDays = z
  .number()
  .int()
  .min(1)
  .max(36500)
  .openapi({ description: 'How long data kept for this purpose is retained, in days' });

export const Purpose = z
  .object({
    id: Uuid,
    key: PurposeKey,
    description: z.string(),
    legalBasis: LegalBasis,
    retentionDays: z.number().int(),
    status: PurposeStatus,
    retiredAt: Timestamp.nullable(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .openapi('Purpose');
export type Purpose = z.infer<typeof Purpose>;

export const CreatePurpose = z
  .strictObject({
    key: PurposeKey,
    description: Description,
    legalBasis: LegalBasis,
    retentionDays: RetentionDays,
  })
  .openapi('CreatePurpose');
export type CreatePurpose = z.infer<typeof CreatePurpose>;

export const UpdatePurpose = z
  .strictObject({
    description: Description.optional(),
    retentionDays: RetentionDays.optional(),
  })
  .refine((v) => Object.keys(v).length > 0, { message: 'give at least one field to change' })
  .openapi('UpdatePurpose', {
    description:
      'The legal basis cannot change: notices and consents were given under it. Retire the purpose and create a new one instead.',
  });
export type UpdatePurpose = z.infer<typeof UpdatePurpose>;

export const PurposeParams = z.strictObject({ key: PurposeKey });

export const PurposeQuery = z.strictObject({
  ...PageQuery,
  legalBasis: LegalBasis.optional(),
  status: PurposeStatus.optional(),
});

export const PurposePage = page(Purpose, 'PurposePage');
