import { DepartmentCode, FreeText, Timestamp, Uuid } from '../../shared/schemas';
import { z } from '../../shared/zod';
import { AppLifecycleState } from '../schemas';

/** Free text people read: trimmed, 1 to `max` characters, no bidi controls or invisible characters. */
const text = (max: number) => FreeText(max);

export const LeadDepartment = z
  .object({
    department: DepartmentCode.nullable().openapi({ description: 'null until an administrator names one' }),
    setBy: z.string().nullable(),
    setAt: Timestamp.nullable(),
  })
  .openapi('AppLeadDepartment', {
    description: 'The institution’s lead department for mobile-app management; its app managers approve app entry and exit',
  });
export type LeadDepartment = z.infer<typeof LeadDepartment>;

export const SetLeadDepartment = z.strictObject({ department: DepartmentCode }).openapi('SetAppLeadDepartment');
export type SetLeadDepartment = z.infer<typeof SetLeadDepartment>;

export const RESPONSIBILITY_AREAS = ['business', 'data', 'security', 'operations'] as const;
export type ResponsibilityArea = (typeof RESPONSIBILITY_AREAS)[number];

const Answerer = z.strictObject({ department: DepartmentCode, person: text(200) });

export const SetResponsibilityMatrix = z
  .strictObject({ business: Answerer, data: Answerer, security: Answerer, operations: Answerer })
  .openapi('SetAppResponsibilityMatrix', {
    description: 'Who answers for the app’s business, data, security and operations: all four, replacing what was there',
  });
export type SetResponsibilityMatrix = z.infer<typeof SetResponsibilityMatrix>;

export const Responsibility = z.object({ department: z.string(), person: z.string(), setBy: z.string(), setAt: Timestamp });
export type Responsibility = z.infer<typeof Responsibility>;

export const AppResponsibilityMatrix = z
  .object({
    appId: Uuid,
    appName: z.string(),
    lifecycleState: AppLifecycleState,
    owningDepartment: z.string(),
    responsiblePerson: z.string(),
    businessOwner: z.string().nullable(),
    technologyOwner: z.string().nullable(),
    business: Responsibility.nullable(),
    data: Responsibility.nullable(),
    security: Responsibility.nullable(),
    operations: Responsibility.nullable(),
  })
  .openapi('AppResponsibilityMatrix', { description: 'An app’s owners and who answers for each area (null: nobody named yet)' });
export type AppResponsibilityMatrix = z.infer<typeof AppResponsibilityMatrix>;

export const ResponsibilityMatrixReport = z
  .object({
    generatedAt: Timestamp,
    leadDepartment: z.string().nullable(),
    apps: z.array(AppResponsibilityMatrix).openapi({ description: 'Every app not retired, by name' }),
  })
  .openapi('AppResponsibilityMatrixReport');
export type ResponsibilityMatrixReport = z.infer<typeof ResponsibilityMatrixReport>;
