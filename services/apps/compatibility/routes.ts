import { ANY_DEPARTMENT, GLOBAL, created, defineRoute, staffPermission, type RouteSpec } from '../../http/route';
import { Problem, problemResponses } from '../../shared/schemas';
import { z } from '../../shared/zod';
import { appChangeResponses, appNotFoundResponse, owningDepartmentOfApp } from '../routes';
import { AppParams } from '../schemas';
import type { AppService } from '../service';
import {
  AppCompatibility,
  CompatibilityResult,
  DeclareSupportedEnvironments,
  OperatingEnvironment,
  OperatingEnvironmentList,
  RecordCompatibilityResult,
  SetOperatingEnvironment,
} from './schemas';
import type { CompatibilityService } from './service';

export function compatibilityRoutes(apps: Pick<AppService, 'departmentOf'>, compatibility: CompatibilityService): RouteSpec[] {
  const ofApp = owningDepartmentOfApp(apps);
  return [
    defineRoute({
      method: 'put',
      path: '/v1/apps/{id}/supported-environments',
      operationId: 'declareAppSupportedEnvironments',
      summary: 'Declare the OS/platform versions an app release supports (replacing that release’s list)',
      description:
        'The release declared last is the app’s current release. Audited as app.supported_environments_declared with before and after.',
      tags: ['apps'],
      auth: staffPermission('app', 'update', ofApp),
      params: AppParams,
      body: DeclareSupportedEnvironments,
      responses: { 200: { description: 'The app’s compatibility now', schema: AppCompatibility }, ...appChangeResponses },
      handler: async ({ params, body, change }) => ({
        body: await compatibility.declareSupported(change, params.id, body),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/apps/{id}/compatibility-results',
      operationId: 'recordAppCompatibilityResult',
      summary: 'Record a compatibility test result (pass or fail) of a release in one supported environment',
      description:
        'A release whose most recent result in a supported environment is a fail cannot be released. Audited as app.compatibility_result_recorded.',
      tags: ['apps'],
      auth: staffPermission('app', 'record_security', ofApp),
      params: AppParams,
      body: RecordCompatibilityResult,
      responses: {
        201: { description: 'Recorded', schema: CompatibilityResult },
        ...problemResponses,
        ...appNotFoundResponse,
        409: { description: 'The app is retired, or the release does not declare the environment as supported', schema: Problem },
      },
      handler: ({ params, body, change }) => created(compatibility.recordResult(change, params.id, body)),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/apps/{id}/compatibility',
      operationId: 'getAppCompatibility',
      summary: 'An app’s supported environments, compatibility results and end-of-support warnings',
      tags: ['apps'],
      auth: staffPermission('app', 'read', ofApp),
      params: AppParams,
      responses: { 200: { description: 'The app’s compatibility', schema: AppCompatibility }, ...problemResponses, ...appNotFoundResponse },
      handler: async ({ params }) => ({ body: await compatibility.view(params.id) }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/operating-environments',
      operationId: 'listOperatingEnvironments',
      summary: 'The register of operating environments and their end-of-support dates',
      tags: ['apps'],
      auth: staffPermission('operating_environment', 'read', ANY_DEPARTMENT),
      query: z.strictObject({}),
      responses: { 200: { description: 'Every registered environment', schema: OperatingEnvironmentList }, ...problemResponses },
      handler: async () => ({ body: { items: await compatibility.environments() } }),
    }),
    defineRoute({
      method: 'put',
      path: '/v1/operating-environments',
      operationId: 'setOperatingEnvironment',
      summary: 'Register an operating environment’s end-of-support date, or change it (app managers holding the role everywhere)',
      description: 'Audited as operating_environment.set with before and after (the same date again writes nothing).',
      tags: ['apps'],
      auth: staffPermission('operating_environment', 'update', GLOBAL),
      body: SetOperatingEnvironment,
      responses: { 200: { description: 'The environment now', schema: OperatingEnvironment }, ...problemResponses },
      handler: async ({ body, change }) => ({ body: await compatibility.setEnvironment(change, body) }),
    }),
  ];
}
