import { CalendarDate, FreeText, Timestamp, Uuid } from '../../shared/schemas';
import { z } from '../../shared/zod';

export const Platform = z
  .string()
  .max(40)
  .regex(/^[a-z][a-z0-9_.-]*$/, 'must be a lower-case platform name such as ios, android, harmonyos or wechat')
  .openapi({ example: 'android' });
export const PlatformVersion = z
  .string()
  .max(40)
  .regex(/^[0-9A-Za-z][0-9A-Za-z._-]*$/, 'must be a version such as 14, 17.4 or 8.0.50')
  .openapi({ example: '14' });
const Release = FreeText(100).openapi({ description: 'The app release', example: '5.2.0' });

const Environment = z.strictObject({ platform: Platform, version: PlatformVersion });

export const DeclareSupportedEnvironments = z
  .strictObject({
    release: Release,
    environments: z
      .array(Environment)
      .min(1)
      .max(100)
      .refine((e) => new Set(e.map((x) => `${x.platform} ${x.version}`)).size === e.length, { message: 'list each environment once' }),
  })
  .openapi('DeclareSupportedEnvironments', {
    description: 'The OS/platform versions a release supports; declaring a release again replaces its list',
  });
export type DeclareSupportedEnvironments = z.infer<typeof DeclareSupportedEnvironments>;

export const RecordCompatibilityResult = z
  .strictObject({
    release: Release,
    platform: Platform,
    version: PlatformVersion,
    result: z.enum(['pass', 'fail']),
    testedOn: CalendarDate,
    reportReference: FreeText(200).optional(),
  })
  .openapi('RecordCompatibilityResult');
export type RecordCompatibilityResult = z.infer<typeof RecordCompatibilityResult>;

export const CompatibilityResult = z
  .object({
    id: Uuid,
    release: z.string(),
    platform: z.string(),
    version: z.string(),
    result: z.enum(['pass', 'fail']),
    testedOn: CalendarDate,
    reportReference: z.string().nullable(),
    recordedBy: z.string(),
    recordedAt: Timestamp,
  })
  .openapi('CompatibilityResult');
export type CompatibilityResult = z.infer<typeof CompatibilityResult>;

export const SupportedEnvironment = z
  .object({
    release: z.string(),
    platform: z.string(),
    version: z.string(),
    declaredBy: z.string(),
    declaredAt: Timestamp,
    latestResult: z
      .enum(['pass', 'fail'])
      .nullable()
      .openapi({ description: 'The most recent compatibility result in this environment for this release (null: untested)' }),
    endOfSupport: CalendarDate.nullable().openapi({ description: 'From the operating-environment register (null: not registered)' }),
    pastEndOfSupport: z.boolean(),
  })
  .openapi('SupportedEnvironment');
export type SupportedEnvironment = z.infer<typeof SupportedEnvironment>;

export const AppCompatibility = z
  .object({
    appId: Uuid,
    currentRelease: z.string().nullable().openapi({
      description: 'The release whose supported environments were declared last: the one the release gate and the report judge',
    }),
    supported: z.array(SupportedEnvironment).openapi({ description: 'Every release’s supported environments' }),
    results: z.array(CompatibilityResult).openapi({ description: 'Every result, most recent first' }),
    warnings: z.array(z.string()).openapi({ description: 'The current release’s supported environments past their end of support' }),
  })
  .openapi('AppCompatibility');
export type AppCompatibility = z.infer<typeof AppCompatibility>;

export const SetOperatingEnvironment = z
  .strictObject({ platform: Platform, version: PlatformVersion, endOfSupport: CalendarDate })
  .openapi('SetOperatingEnvironment', { description: 'Registers an environment’s end-of-support date, or changes it' });
export type SetOperatingEnvironment = z.infer<typeof SetOperatingEnvironment>;

export const OperatingEnvironment = z
  .object({ platform: z.string(), version: z.string(), endOfSupport: CalendarDate, setBy: z.string(), setAt: Timestamp })
  .openapi('OperatingEnvironment');
export type OperatingEnvironment = z.infer<typeof OperatingEnvironment>;

export const OperatingEnvironmentList = z.object({ items: z.array(OperatingEnvironment) }).openapi('OperatingEnvironmentList');
