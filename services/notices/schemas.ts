import { LegalBasis, PurposeKey } from '../purposes/schemas';
import { PageQuery, Timestamp, Uuid, FreeText, PhoneNumber } from '../shared/schemas';
import { z } from '../shared/zod';

// Text PostgreSQL cannot store (NUL, unpaired surrogates) never reaches these schemas: the router refuses it in any body (shared/validation.ts).
const WebUrl = z.url({ protocol: /^https?$/ }).max(2000);

const uniqueBy =
  <T>(key: (item: T) => string) =>
  (items: readonly T[]): boolean =>
    new Set(items.map(key)).size === items.length;
const onceEach = (what: string) => ({ message: `list each ${what} once` });

export const NoticeController = z
  .strictObject({
    name: FreeText(200).openapi({
      description: 'The personal-information handler (the bank or insurer)',
      example: 'Example Bank Co., Ltd.',
    }),
    contact: FreeText(500).openapi({
      description: 'Who answers questions about this processing',
      example: 'Personal Information Protection Office',
    }),
    email: z.email().max(254).optional(),
    phone: PhoneNumber.optional(),
    address: FreeText(500).optional(),
    url: WebUrl.optional(),
  })
  .openapi('NoticeController', { description: 'Controller identity and contact (PIPL Art. 17 (1))' });

export const SensitivePiCategory = z
  .strictObject({
    category: FreeText(100).openapi({ example: 'bank account numbers' }),
    necessity: FreeText(2000).openapi({ description: 'Why this sensitive information is needed (PIPL Art. 30)' }),
    impact: FreeText(2000).openapi({ description: 'The effect on the person’s rights and interests (PIPL Art. 30)' }),
    fields: z
      .array(
        z
          .string()
          .max(200)
          .regex(
            /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/,
            'must be a field name such as id_number, or asset key and field such as retail.customer_profile.id_number',
          ),
      )
      .max(200)
      .refine(
        uniqueBy<string>((f) => f),
        onceEach('field'),
      )
      .optional()
      .openapi({
        description:
          'The sensitive data fields this category covers, by name or as asset.field. A grant releasing a sensitive field needs every ' +
          'current notice of its purpose to disclose it: here, or by a category that is the field’s name (`id number` for `id_number`).',
        example: ['retail.customer_profile.account_balance'],
      }),
  })
  .openapi('SensitivePiCategory');

/** Categories of personal information, as people read them (a notice's, a third party's): each once. */
const PiCategories = z
  .array(FreeText(100))
  .max(100)
  .refine(
    uniqueBy<string>((c) => c),
    onceEach('category'),
  );

export const ThirdParty = z
  .strictObject({
    name: FreeText(200),
    kind: z.enum(['recipient', 'entrusted']).openapi({
      description:
        '`recipient`: another handler receives the data (PIPL Art. 23); `entrusted`: a vendor processes it on the bank’s behalf (Art. 21)',
    }),
    vendorId: Uuid.optional().openapi({ description: 'The vendor record, for entrusted vendors' }),
    contact: FreeText(500).optional(),
    purpose: FreeText(2000).optional(),
    piCategories: PiCategories.optional(),
  })
  .openapi('ThirdParty');
export type ThirdParty = z.infer<typeof ThirdParty>;

const RightHowTo = FreeText(2000);
export const NoticeRights = z
  .strictObject({
    access: RightHowTo.optional(),
    copy: RightHowTo.optional(),
    correct: RightHowTo.optional(),
    delete: RightHowTo.optional(),
    withdraw: RightHowTo.optional(),
  })
  .openapi('NoticeRights', { description: 'How a person accesses, copies, corrects and deletes their information and withdraws consent' });

export const ComplaintChannel = z
  .strictObject({ phone: PhoneNumber.optional(), email: z.email().max(254).optional(), url: WebUrl.optional() })
  .refine((c) => c.phone !== undefined || c.email !== undefined || c.url !== undefined, {
    message: 'give a phone number, an email or a URL',
  })
  .openapi('ComplaintChannel');

export const Language = z
  .string()
  .regex(/^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8}){0,3}$/, 'must be a BCP 47 language tag such as zh-CN or en')
  .openapi({ example: 'zh-CN' });

/** What a notice tells people. Drafts may lack any of it; publication needs all of PIPL Art. 17. */
const contentShape = {
  title: FreeText(200),
  body: FreeText(50_000).openapi({ description: 'The notice as people read it (Markdown)' }),
  controller: NoticeController,
  purposeDescription: FreeText(2000).openapi({ description: 'The purpose as told to people; prefilled from the purpose' }),
  piCategories: PiCategories,
  sensitivePiCategories: z
    .array(SensitivePiCategory)
    .max(50)
    .refine(
      uniqueBy<{ category: string }>((c) => c.category),
      onceEach('sensitive category'),
    ),
  retentionDays: z.number().int().min(1).max(36500),
  thirdParties: z
    .array(ThirdParty)
    .max(100)
    .refine(
      uniqueBy<{ kind: string; name: string }>((p) => `${p.kind}:${p.name}`),
      onceEach('third party'),
    ),
  rights: NoticeRights,
  complaintChannel: ComplaintChannel,
  language: Language,
};

const NoticeContentObject = z.strictObject(contentShape);
export type NoticeContent = z.infer<typeof NoticeContentObject>;
/** Stored content: a draft holds whatever has been written so far. */
export type DraftContent = Partial<NoticeContent>;

export const CONTENT_FIELDS = Object.keys(contentShape) as Array<keyof NoticeContent>;

export const CreateNotice = z
  .strictObject({
    purpose: PurposeKey,
    app: Uuid.optional().openapi({
      description: 'An app from the app ledger, for an app-specific notice; absent for the purpose’s general notice',
    }),
    ...NoticeContentObject.partial().shape,
  })
  .openapi('CreateNotice', {
    description:
      'A draft. What is not given is prefilled: from the latest published version of the same scope when there is one, ' +
      'otherwise the purpose’s description and retention and the vendors holding active grants for the purpose.',
  });
export type CreateNotice = z.infer<typeof CreateNotice>;

export const UpdateNotice = NoticeContentObject.partial()
  .refine((v) => Object.keys(v).length > 0, { message: 'give at least one field to change' })
  .openapi('UpdateNotice', {
    description: 'Changes a draft; on a published version it opens a new draft with the changes (published versions never change).',
  });
export type UpdateNotice = z.infer<typeof UpdateNotice>;

export const NoticeChange = z
  .object({
    field: z.enum(CONTENT_FIELDS as [keyof NoticeContent, ...Array<keyof NoticeContent>]),
    material: z
      .boolean()
      .openapi({ description: 'Purpose, categories, third parties and retention are material: earlier consents become stale' }),
    before: z.unknown(),
    after: z.unknown(),
    added: z.array(z.string()).optional(),
    removed: z.array(z.string()).optional(),
  })
  .openapi('NoticeChange');
export type NoticeChange = z.infer<typeof NoticeChange>;

export const NoticeDiff = z
  .object({
    againstVersion: z
      .number()
      .int()
      .nullable()
      .openapi({ description: 'The previous published version of the same scope; null for the first' }),
    material: z.boolean(),
    changes: z.array(NoticeChange),
  })
  .openapi('NoticeDiff');
export type NoticeDiff = z.infer<typeof NoticeDiff>;

const nullableContent = Object.fromEntries(Object.entries(contentShape).map(([k, schema]) => [k, (schema as z.ZodType).nullable()])) as {
  [K in keyof typeof contentShape]: z.ZodNullable<(typeof contentShape)[K]>;
};

export const NoticeStatus = z.enum(['draft', 'published']).openapi('NoticeStatus');
export type NoticeStatus = z.infer<typeof NoticeStatus>;

export const Notice = z
  .object({
    id: Uuid,
    purpose: PurposeKey,
    app: Uuid.nullable(),
    status: NoticeStatus,
    version: z.number().int().nullable(),
    material: z.boolean().nullable(),
    basedOnVersion: z.number().int().nullable(),
    ...nullableContent,
    diff: NoticeDiff.openapi({
      description: 'Published: against the previous version at publication. Draft: what publishing it now would change.',
    }),
    createdBy: z.string(),
    createdAt: Timestamp,
    updatedBy: z.string(),
    updatedAt: Timestamp,
    publishedBy: z.string().nullable(),
    publishedAt: Timestamp.nullable(),
  })
  .openapi('Notice');
export type Notice = z.infer<typeof Notice>;

export const NoticePage = z.object({ items: z.array(Notice), nextCursor: z.string().nullable() }).openapi('NoticePage');

export const NoticeParams = z.strictObject({ id: Uuid });

export const NoticeQuery = z.strictObject({
  ...PageQuery,
  purpose: PurposeKey.optional(),
  app: Uuid.optional(),
  status: NoticeStatus.optional(),
});

export const PublicNoticeParams = z.strictObject({ purposeKey: PurposeKey });
export const PublicNoticeQuery = z.strictObject({
  version: z.coerce.number().int().min(1).max(1_000_000).optional().openapi({ description: 'A published version; the latest when absent' }),
  app: Uuid.optional().openapi({
    description: 'The app showing the notice: its own notice when it has one, else the purpose’s general notice',
  }),
});

export const PublicNotice = z
  .object({
    purpose: PurposeKey,
    legalBasis: LegalBasis,
    app: Uuid.nullable(),
    version: z.number().int(),
    material: z.boolean(),
    publishedAt: Timestamp,
    ...NoticeContentObject.shape,
    changes: NoticeDiff,
  })
  .openapi('PublicNotice', { description: 'A published notice version as shown to people; it never changes' });
export type PublicNotice = z.infer<typeof PublicNotice>;
