import { DepartmentCode, PageQuery, page, Label } from '../shared/schemas';
import { z } from '../shared/zod';

export const RoleName = z
  .string()
  .regex(/^[a-z][a-z0-9_]{1,49}$/, 'must be a role name such as data_owner')
  .openapi({ example: 'data_owner' });
export const StaffSubject = Label(200).openapi({ example: 'alice' });
/** A department code, or "*" for every department. */
export const RoleDomain = z.union([DepartmentCode, z.literal('*')]).openapi({ example: 'RETAIL' });

export const RoleAssignment = z
  .object({
    id: z.number().int(),
    subject: StaffSubject,
    role: RoleName,
    department: RoleDomain,
  })
  .openapi('RoleAssignment');
export type RoleAssignment = z.infer<typeof RoleAssignment>;

export const CreateRoleAssignment = z
  .strictObject({ subject: StaffSubject, role: RoleName, department: RoleDomain })
  .openapi('CreateRoleAssignment');
export type CreateRoleAssignment = z.infer<typeof CreateRoleAssignment>;

export const RoleAssignmentQuery = z.strictObject({
  ...PageQuery,
  subject: StaffSubject.optional(),
  role: RoleName.optional(),
  department: RoleDomain.optional(),
});

export const RoleAssignmentParams = z.strictObject({
  id: z.coerce
    .number()
    .int()
    .positive()
    .max(2 ** 53 - 1),
});
export const RoleAssignmentPage = page(RoleAssignment, 'RoleAssignmentPage');
