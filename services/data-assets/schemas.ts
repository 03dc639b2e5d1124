import { OwnershipTransfer } from '../ownership/schemas';
import { DepartmentCode, PageQuery, Timestamp, Uuid, page, Label, FreeText } from '../shared/schemas';
import { z } from '../shared/zod';

/** Dotted lower-case segments, e.g. retail.customer_profile. */
export const AssetKey = z
  .string()
  .max(100)
  .regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/, 'must be dotted lower-case segments such as retail.customer_profile')
  .openapi({ example: 'retail.customer_profile' });

/** Lower snake case, e.g. id_number. */
export const FieldName = z
  .string()
  .max(63)
  .regex(/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/, 'must be lower snake case such as id_number')
  .openapi({ example: 'id_number' });

/** An asset id, or its dotted key such as retail.customer_profile (what other features name assets by). */
export const AssetRef = z.string().min(1).max(200).openapi({ description: 'A data asset id or key', example: 'retail.customer_profile' });

export const PiCategory = z
  .enum(['none', 'personal', 'sensitive'])
  .openapi('PiCategory', { description: 'Personal-information category (PIPL Art. 4, 28)' });
export type PiCategory = z.infer<typeof PiCategory>;

/** JR/T 0197-2020 data security level, 5 the highest. */
export const Classification = z.number().int().min(1).max(5).openapi({ description: 'JR/T 0197-2020 level (1-5, 5 highest)', example: 3 });
export const LifecycleStatus = z.enum(['active', 'retired']).openapi('LifecycleStatus');

const Name = Label(200);
const Description = FreeText(2000, 0);
const Reason = FreeText(2000);

export const DataAssetField = z
  .object({
    id: Uuid,
    name: FieldName,
    piCategory: PiCategory,
    description: z.string().nullable(),
    status: LifecycleStatus,
    createdAt: Timestamp,
    retiredAt: Timestamp.nullable(),
    retiredReason: z.string().nullable(),
  })
  .openapi('DataAssetField');
export type DataAssetField = z.infer<typeof DataAssetField>;

export const DataAsset = z
  .object({
    id: Uuid,
    key: AssetKey,
    name: z.string(),
    description: z.string().nullable(),
    owningDepartment: DepartmentCode,
    classification: Classification,
    status: LifecycleStatus,
    createdAt: Timestamp,
    updatedAt: Timestamp,
    retiredAt: Timestamp.nullable(),
    retiredReason: z.string().nullable(),
    fields: z.array(DataAssetField),
  })
  .openapi('DataAsset');
export type DataAsset = z.infer<typeof DataAsset>;

export const DataAssetDetail = DataAsset.extend({
  ownershipTransfers: z.array(OwnershipTransfer).openapi({ description: 'Ownership transfer history, newest first' }),
}).openapi('DataAssetDetail');
export type DataAssetDetail = z.infer<typeof DataAssetDetail>;

export const NewField = z
  .strictObject({ name: FieldName, piCategory: PiCategory, description: Description.optional() })
  .openapi('NewDataAssetField');
export type NewField = z.infer<typeof NewField>;

/** A list of new fields whose names are unique within the request. */
const NewFields = z
  .array(NewField)
  .min(1)
  .max(500)
  .superRefine((fields, ctx) => {
    const seen = new Set<string>();
    fields.forEach((f, i) => {
      if (seen.has(f.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate field name ${f.name}` });
      seen.add(f.name);
    });
  });

export const CreateDataAsset = z
  .strictObject({
    key: AssetKey,
    name: Name,
    description: Description.optional(),
    owningDepartment: DepartmentCode,
    classification: Classification,
    fields: NewFields,
  })
  .openapi('CreateDataAsset');
export type CreateDataAsset = z.infer<typeof CreateDataAsset>;

export const UpdateDataAsset = z
  .strictObject({
    name: Name.optional(),
    description: Description.nullable().optional(),
    classification: Classification.optional(),
  })
  .refine((v) => Object.keys(v).length > 0, { message: 'give at least one of name, description, classification' })
  .openapi('UpdateDataAsset', { description: 'The owning department is not here: ownership only moves by an accepted transfer.' });
export type UpdateDataAsset = z.infer<typeof UpdateDataAsset>;

export const AddFields = z.strictObject({ fields: NewFields }).openapi('AddDataAssetFields');
export type AddFields = z.infer<typeof AddFields>;

export const Retirement = z.strictObject({ reason: Reason }).openapi('Retirement');
export type Retirement = z.infer<typeof Retirement>;

export const AssetParams = z.strictObject({ id: Uuid });
export const FieldParams = z.strictObject({ id: Uuid, fieldName: FieldName });

export const DataAssetQuery = z.strictObject({
  ...PageQuery,
  department: DepartmentCode.optional(),
  classification: z.coerce.number().int().min(1).max(5).optional().openapi({ description: 'Classification level (1-5)' }),
  piCategory: PiCategory.optional().openapi({ description: 'Assets with at least one active field in this category' }),
  status: LifecycleStatus.optional(),
});
export type DataAssetQuery = z.infer<typeof DataAssetQuery>;

export const DataAssetPage = page(DataAsset, 'DataAssetPage');
