import { DepartmentCode, PageQuery, Timestamp, Uuid, page, Label } from '../shared/schemas';
import { z } from '../shared/zod';

export const DepartmentKind = z.enum(['business', 'technology', 'compliance', 'privacy']).openapi('DepartmentKind');

export const Department = z
  .object({
    id: Uuid,
    code: DepartmentCode,
    name: z.string(),
    kind: DepartmentKind,
    parent: DepartmentCode.nullable(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .openapi('Department');
export type Department = z.infer<typeof Department>;

const Name = Label(200);

export const CreateDepartment = z
  .strictObject({
    code: DepartmentCode,
    name: Name,
    kind: DepartmentKind,
    parent: DepartmentCode.nullable().optional(),
  })
  .openapi('CreateDepartment');
export type CreateDepartment = z.infer<typeof CreateDepartment>;

export const UpdateDepartment = z
  .strictObject({
    name: Name.optional(),
    kind: DepartmentKind.optional(),
    parent: DepartmentCode.nullable().optional(),
  })
  .refine((v) => Object.keys(v).length > 0, { message: 'give at least one field to change' })
  .openapi('UpdateDepartment');
export type UpdateDepartment = z.infer<typeof UpdateDepartment>;

export const DepartmentParams = z.strictObject({ code: DepartmentCode });

export const DepartmentQuery = z.strictObject({
  ...PageQuery,
  kind: DepartmentKind.optional(),
  parent: DepartmentCode.optional(),
});

export const DepartmentPage = page(Department, 'DepartmentPage');
