import { PurposeKey } from '../../purposes/schemas';
import { FreeText, Timestamp, Uuid } from '../../shared/schemas';
import { z } from '../../shared/zod';

/** How many components one app may declare (the list is answered whole). */
export const MAX_SDKS_PER_APP = 200;

const onceEach = (items: readonly string[]): boolean => new Set(items.map((c) => c.toLowerCase())).size === items.length;

export const DeclareAppSdk = z
  .strictObject({
    release: FreeText(100).openapi({ description: 'The app release the component ships in', example: '5.2.0' }),
    name: FreeText(200).openapi({ description: 'The component as its provider names it', example: 'PushKit' }),
    provider: FreeText(200).openapi({ description: 'Who provides it', example: 'Example Push Co., Ltd.' }),
    version: FreeText(100).openapi({ example: '3.1.4' }),
    piCategories: z
      .array(FreeText(100))
      .max(50)
      .refine(onceEach, { message: 'list each category once' })
      .openapi({
        description: 'The personal-information categories it collects (empty: none)',
        example: ['device identifiers', 'location'],
      }),
    purpose: PurposeKey.optional().openapi({ description: 'The purpose it collects for; required when it collects personal information' }),
    contractCovered: z.boolean().openapi({ description: 'Whether a vendor contract covers the component' }),
    vendorId: Uuid.optional().openapi({ description: 'The registered vendor that provides it, if any' }),
  })
  .refine((s) => s.piCategories.length === 0 || s.purpose !== undefined, {
    message: 'a component collecting personal information names its purpose',
    path: ['purpose'],
  })
  .openapi('DeclareAppSdk', {
    description: 'A third-party component (SDK) an app release ships; declarations are never edited: a new version is a new declaration',
  });
export type DeclareAppSdk = z.infer<typeof DeclareAppSdk>;

export const AppSdk = z
  .object({
    id: Uuid,
    appId: Uuid,
    release: z.string(),
    name: z.string(),
    provider: z.string(),
    version: z.string(),
    piCategories: z.array(z.string()),
    purpose: z.string().nullable(),
    contractCovered: z.boolean(),
    vendorId: Uuid.nullable(),
    declaredBy: z.string(),
    declaredAt: Timestamp,
    approvedBy: z.string().nullable().openapi({ description: 'The privacy officer who approved its collection (null: not approved)' }),
    approvedAt: Timestamp.nullable(),
    needsApproval: z.boolean().openapi({ description: 'It collects personal information and no privacy officer has approved it yet' }),
  })
  .openapi('AppSdk');
export type AppSdk = z.infer<typeof AppSdk>;

export const AppSdkList = z
  .object({
    items: z
      .array(AppSdk)
      .openapi({ description: `Every component the app declared (at most ${MAX_SDKS_PER_APP}), by release, name and version` }),
  })
  .openapi('AppSdkList');
export type AppSdkList = z.infer<typeof AppSdkList>;

export const AppSdkParams = z.strictObject({ id: Uuid, sdkId: Uuid });

export const ApproveAppSdk = z.strictObject({ note: FreeText(2000).optional() }).openapi('ApproveAppSdk');
export type ApproveAppSdk = z.infer<typeof ApproveAppSdk>;
