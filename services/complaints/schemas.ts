import { AppName, PageQuery, Timestamp, Uuid, page, Label, FreeText, CalendarDate, PHONE_PATTERN } from '../shared/schemas';
import { z } from '../shared/zod';
import { MAX_EXTENSION_DAYS } from './deadlines';

export const ComplaintCategory = z
  .enum(['excessive_collection', 'unauthorized_sharing', 'consent_not_honoured', 'leak', 'rights_request_refused', 'other'])
  .openapi('ComplaintCategory');
export type ComplaintCategory = z.infer<typeof ComplaintCategory>;

export const ComplaintStatus = z
  .enum(['received', 'acknowledged', 'investigating', 'resolved', 'rejected', 'closed'])
  .openapi('ComplaintStatus');
export type ComplaintStatus = z.infer<typeof ComplaintStatus>;

// Not named ComplaintChannel in the document: that name is the notices' complaint channel (phone, url…).
export const ComplaintChannel = z.enum(['public', 'app_backend']).openapi('ComplaintIntakeChannel', {
  description: '`public`: the unauthenticated endpoint; `app_backend`: an app back end on the customer’s behalf',
});
export type ComplaintChannel = z.infer<typeof ComplaintChannel>;

/** Tracking references: PC- and 12 Crockford base32 characters (60 random bits), unguessable. */
export const ComplaintReference = z
  .string()
  .regex(/^PC-[0-9A-HJKMNP-TV-Z]{12}$/, 'must be a tracking reference such as PC-7K3M9Q2XW4HD')
  .openapi({ example: 'PC-7K3M9Q2XW4HD' });

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,189}\.[^\s@]{2,}$/;

export const SubmitComplaint = z
  .strictObject({
    category: ComplaintCategory,
    // 2,000 characters of Chinese are about 6 KB of UTF-8: they fit the public body limit.
    description: FreeText(2000),
    contact: z
      .string()
      .trim()
      .max(254)
      .refine((v) => EMAIL.test(v) || PHONE_PATTERN.test(v), 'must be an email address or a phone number')
      .optional()
      .openapi({
        description: 'How to reach the customer (email or phone). Kept, never shown on public endpoints; only privacy officers see it.',
      }),
    app: AppName.optional().openapi({ description: 'The app the complaint is about' }),
    subject: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .optional()
      .openapi({ description: 'The customer’s id at the bank; kept only as a keyed pseudonym' }),
  })
  .openapi('SubmitComplaint');
export type SubmitComplaint = z.infer<typeof SubmitComplaint>;

export const ComplaintReceipt = z
  .object({
    reference: ComplaintReference,
    status: ComplaintStatus,
    receivedAt: Timestamp,
    dueDate: CalendarDate.openapi({ description: 'The last day for a decision (China Standard Time)' }),
  })
  .openapi('ComplaintReceipt', { description: 'Keep the reference: it is the only way to follow the complaint' });
export type ComplaintReceipt = z.infer<typeof ComplaintReceipt>;

export const PublicComplaintStatus = z
  .object({
    reference: ComplaintReference,
    category: ComplaintCategory,
    status: ComplaintStatus,
    receivedAt: Timestamp,
    dueDate: CalendarDate,
    extended: z.boolean(),
    updatedAt: Timestamp,
  })
  .openapi('PublicComplaintStatus', { description: 'What the customer sees: status and dates, no personal data' });
export type PublicComplaintStatus = z.infer<typeof PublicComplaintStatus>;

export const LinkKind = z.enum(['incident', 'app', 'asset', 'vendor']).openapi('ComplaintLinkKind');
export type LinkKind = z.infer<typeof LinkKind>;

export const ComplaintLink = z
  .object({ kind: LinkKind, target: z.string(), linkedBy: z.string(), linkedAt: Timestamp })
  .openapi('ComplaintLink');
export type ComplaintLink = z.infer<typeof ComplaintLink>;

export const ComplaintExtension = z
  .object({
    days: z.number().int(),
    justification: z.string(),
    approvedBy: z.string().nullable(),
    totalDays: z.number().int(),
    dueDate: CalendarDate,
    extendedBy: z.string(),
    extendedAt: Timestamp,
  })
  .openapi('ComplaintExtension');
export type ComplaintExtension = z.infer<typeof ComplaintExtension>;

export const ComplaintHistoryEntry = z
  .object({
    from: ComplaintStatus.nullable(),
    to: ComplaintStatus,
    note: z.string().nullable(),
    reason: z.string().nullable(),
    actor: z.string(),
    at: Timestamp,
  })
  .openapi('ComplaintHistoryEntry');
export type ComplaintHistoryEntry = z.infer<typeof ComplaintHistoryEntry>;

export const Complaint = z
  .object({
    id: Uuid,
    reference: ComplaintReference,
    category: ComplaintCategory,
    description: z.string(),
    app: z.string().nullable(),
    channel: ComplaintChannel,
    clientId: z.string().nullable().openapi({ description: 'The app back end that submitted it, if any' }),
    subjectRef: z.string().nullable().openapi({ description: 'The customer’s keyed pseudonym, if given' }),
    hasContact: z.boolean(),
    status: ComplaintStatus,
    receivedAt: Timestamp,
    dueDays: z.number().int().openapi({ description: 'Days allowed from receipt: 15, up to 60 with extensions' }),
    dueDate: CalendarDate,
    dueAt: Timestamp,
    overdue: z.boolean(),
    decidedAt: Timestamp.nullable(),
    closedAt: Timestamp.nullable(),
    rejectionReason: z.string().nullable(),
    updatedAt: Timestamp,
    links: z.array(ComplaintLink),
  })
  .openapi('Complaint');
export type Complaint = z.infer<typeof Complaint>;

export const ComplaintDetail = Complaint.extend({
  contact: z.string().nullable().optional().openapi({ description: 'Present for privacy officers only' }),
  extensions: z.array(ComplaintExtension),
  history: z.array(ComplaintHistoryEntry),
}).openapi('ComplaintDetail');
export type ComplaintDetail = z.infer<typeof ComplaintDetail>;

const BooleanQuery = z.enum(['true', 'false']).transform((v) => v === 'true');

export const ComplaintQuery = z.strictObject({
  ...PageQuery,
  status: ComplaintStatus.optional(),
  category: ComplaintCategory.optional(),
  overdue: BooleanQuery.optional().openapi({ description: 'true: only undecided complaints past their deadline; false: only the others' }),
  app: AppName.optional(),
  vendor: Uuid.optional().openapi({ description: 'Complaints linked to this vendor' }),
});
export type ComplaintQuery = z.infer<typeof ComplaintQuery>;

export const ComplaintPage = page(Complaint, 'ComplaintPage');

const Note = FreeText(2000);

export const TransitionComplaint = z
  .strictObject({
    to: ComplaintStatus.exclude(['received']),
    note: Note.optional(),
    reason: Note.optional().openapi({ description: 'Required when rejecting: the reason the customer is given (PIPL Art. 50)' }),
  })
  .superRefine((v, ctx) => {
    if (v.to === 'rejected' && v.reason === undefined)
      ctx.addIssue({ code: 'custom', path: ['reason'], message: 'a rejection needs a reason (PIPL Art. 50)' });
    if (v.to !== 'rejected' && v.reason !== undefined)
      ctx.addIssue({ code: 'custom', path: ['reason'], message: 'only a rejection takes a reason; use note' });
  })
  .openapi('TransitionComplaint');
export type TransitionComplaint = z.infer<typeof TransitionComplaint>;

export const ExtendComplaint = z
  .strictObject({
    days: z.number().int().min(1).max(MAX_EXTENSION_DAYS),
    justification: Note,
    approvedBy: Label(200)
      .optional()
      .openapi({ description: 'Who approved it (a senior manager or the superior institution): required once the total passes 30 days' }),
  })
  .openapi('ExtendComplaint');
export type ExtendComplaint = z.infer<typeof ExtendComplaint>;

export const LinkComplaint = z
  .strictObject({
    incident: Uuid.optional(),
    app: AppName.optional(),
    asset: z.string().min(1).max(200).optional().openapi({ description: 'A data asset id or key' }),
    vendor: Uuid.optional(),
  })
  .refine((v) => Object.keys(v).length === 1, { message: 'give exactly one of incident, app, asset, vendor' })
  .openapi('LinkComplaint');
export type LinkComplaint = z.infer<typeof LinkComplaint>;

export const ComplaintParams = z.strictObject({ id: Uuid });
export const ComplaintReferenceParams = z.strictObject({ reference: ComplaintReference });
