import { PurposeKey } from '../purposes/schemas';
import { PageQuery, Timestamp, Uuid, FreeText } from '../shared/schemas';
import { z } from '../shared/zod';

// PostgreSQL cannot store NUL or unpaired surrogates (jsonb): refuse them here (400) rather than fail there (500).
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const storable = (s: string): boolean => !s.includes('\u0000') && !LONE_SURROGATE.test(s);
const STORABLE = 'must be valid Unicode text without NUL characters';
const Text = (max: number) => FreeText(max).refine(storable, STORABLE);

/** The bank's customer identifier as the app back end knows it; the service keeps only its HMAC. */
export const CustomerId = z
  .string()
  .min(1)
  .max(200)
  .refine(
    (id) => storable(id) && ![...id].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f),
    'must be a customer identifier without control characters',
  )
  .openapi({ description: 'The customer’s identifier; never stored or logged, only its keyed hash (HMAC-SHA-256)', example: 'C000123456' });

const SubjectRef = z.string().openapi({ description: 'The customer’s pseudonym: HMAC-SHA-256 under SUBJECT_ID_KEY, hex' });

export const ConsentEvidence = z
  .strictObject({
    collectionMethod: Text(200).optional().openapi({
      description: 'How consent was collected (the receipt’s collectionMethod)',
      example: 'in-app checkbox, unticked by default',
    }),
    presentedAt: Timestamp.optional().openapi({ description: 'When the notice was shown' }),
    interface: Text(200).optional().openapi({
      description: 'The screen or form version that showed the notice',
      example: 'mobile-bank 8.2 / card-offers consent sheet',
    }),
    artifactSha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'must be a lower-case hex SHA-256')
      .optional()
      .openapi({ description: 'Hash of a kept artefact (signed form, recording); never the artefact itself' }),
  })
  .openapi('ConsentEvidence', { description: 'What shows how consent was obtained; never customer data' });
export type ConsentEvidence = z.infer<typeof ConsentEvidence>;

export const RecordConsent = z
  .strictObject({
    subject: CustomerId,
    purpose: PurposeKey,
    noticeVersion: z.number().int().min(1).max(1_000_000).openapi({ description: 'The published notice version the customer was shown' }),
    channel: Text(100).openapi({ description: 'Where consent was given: the app (ledger id or name) or channel', example: 'mobile-bank' }),
    separate: z
      .boolean()
      .default(false)
      .openapi({ description: 'Given separately (PIPL Art. 29); required when the notice lists sensitive PI' }),
    evidence: ConsentEvidence.optional(),
  })
  .openapi('RecordConsent');
export type RecordConsent = z.infer<typeof RecordConsent>;

export const Consent = z
  .object({
    id: Uuid,
    subjectRef: SubjectRef,
    purpose: PurposeKey,
    noticeVersion: z.number().int(),
    app: Uuid.nullable().openapi({ description: 'The app of the notice version, when it is an app-specific notice' }),
    channel: z.string(),
    separate: z.boolean(),
    evidence: ConsentEvidence.nullable(),
    givenAt: Timestamp,
    receiptUrl: z.string(),
  })
  .openapi('Consent');
export type Consent = z.infer<typeof Consent>;

export const WithdrawConsent = z
  .strictObject({
    subject: CustomerId,
    purpose: PurposeKey,
    channel: Text(100).optional().openapi({ description: 'Where the customer withdrew; any channel may take a withdrawal' }),
  })
  .openapi('WithdrawConsent');
export type WithdrawConsent = z.infer<typeof WithdrawConsent>;

export const Withdrawal = z
  .object({
    id: Uuid,
    subjectRef: SubjectRef,
    purpose: PurposeKey,
    withdraws: Uuid.openapi({ description: 'The consent that ended' }),
    noticeVersion: z.number().int(),
    withdrawnAt: Timestamp,
  })
  .openapi('Withdrawal');
export type Withdrawal = z.infer<typeof Withdrawal>;

export const ConsentCheckQuery = z.strictObject({ subject: CustomerId, purpose: PurposeKey });

export const ConsentState = z.enum(['current', 'stale', 'withdrawn', 'none']).openapi('ConsentState');

export const ConsentStatus = z
  .object({
    consented: z
      .boolean()
      .openapi({ description: 'True only when the latest consent was given to the latest material notice version and not withdrawn' }),
    state: ConsentState,
    noticeVersion: z.number().int().nullable().openapi({ description: 'The version consented to (current or stale consent)' }),
    since: Timestamp.nullable().openapi({ description: 'When the current state began: the consent or the withdrawal' }),
    stale: z.boolean().openapi({ description: 'A later material notice version needs a new consent' }),
    latestNoticeVersion: z.number().int().nullable().openapi({ description: 'The version to show when asking (again)' }),
    consentId: Uuid.nullable(),
  })
  .openapi('ConsentStatus');
export type ConsentStatus = z.infer<typeof ConsentStatus>;

export const ConsentHistoryQuery = z.strictObject({ ...PageQuery, subject: CustomerId, purpose: PurposeKey.optional() });

export const ConsentEvent = z
  .object({
    id: Uuid,
    kind: z.enum(['given', 'withdrawn']),
    purpose: PurposeKey,
    noticeVersion: z.number().int().nullable(),
    app: Uuid.nullable(),
    channel: z.string().nullable(),
    separate: z.boolean(),
    evidence: ConsentEvidence.nullable(),
    withdraws: Uuid.nullable(),
    recordedBy: z.string().openapi({ description: 'The client that recorded it' }),
    recordedAt: Timestamp,
  })
  .openapi('ConsentEvent');
export type ConsentEvent = z.infer<typeof ConsentEvent>;

export const ConsentHistory = z
  .object({ subjectRef: SubjectRef, items: z.array(ConsentEvent), nextCursor: z.string().nullable() })
  .openapi('ConsentHistory', { description: 'Consents and withdrawals, newest first' });
export type ConsentHistory = z.infer<typeof ConsentHistory>;

export const ConsentParams = z.strictObject({ id: Uuid });

export const ConsentReceipt = z
  .object({
    id: Uuid,
    status: z.enum(['given', 'withdrawn', 'stale', 'superseded']).openapi({
      description:
        'The consent’s status when the receipt was signed: given (in force), withdrawn, stale (a later material notice version needs fresh consent) or superseded (consent given again to a newer version); also in the receipt as consentStatus',
    }),
    statusAt: Timestamp.openapi({
      description: 'When the consent entered that status (for withdrawn: the withdrawal time); in the receipt as consentStatusTimestamp',
    }),
    receipt: z.string().openapi({
      description:
        'Compact JWS (typ consent-receipt+jwt) signed with a key from /.well-known/jwks.json; its payload carries the Kantara Consent Receipt v1.1 fields, plus consentStatus, consentStatusTimestamp and, once withdrawn, withdrawalTimestamp and withdrawalID',
    }),
  })
  .openapi('ConsentReceipt');
export type ConsentReceipt = z.infer<typeof ConsentReceipt>;
