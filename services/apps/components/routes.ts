import { created, defineRoute, staffPermission, type RouteSpec } from '../../http/route';
import { Problem, problemResponses } from '../../shared/schemas';
import { appNotFoundResponse, owningDepartmentOfApp } from '../routes';
import { AppParams } from '../schemas';
import type { AppService } from '../service';
import { AppSdk, AppSdkList, AppSdkParams, ApproveAppSdk, DeclareAppSdk } from './schemas';
import type { AppSdkService } from './service';

export function appSdkRoutes(apps: Pick<AppService, 'departmentOf'>, sdks: AppSdkService): RouteSpec[] {
  const ofApp = owningDepartmentOfApp(apps);
  return [
    defineRoute({
      method: 'post',
      path: '/v1/apps/{id}/sdks',
      operationId: 'declareAppSdk',
      summary: 'Declare a third-party component (SDK) an app release ships',
      description:
        'App managers of the owning department. One collecting personal information names its purpose and needs a privacy officer’s approval ' +
        'and a published notice of the purpose listing it (as a third party with those categories) before the app is released. Audited as app.sdk_declared.',
      tags: ['apps'],
      auth: staffPermission('app', 'update', ofApp),
      params: AppParams,
      body: DeclareAppSdk,
      responses: {
        201: { description: 'Declared', schema: AppSdk },
        ...problemResponses,
        ...appNotFoundResponse,
        409: {
          description: 'The app is retired, the component is already declared for that release, or the app declares too many',
          schema: Problem,
        },
      },
      handler: ({ params, body, change }) => created(sdks.declare(change, params.id, body)),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/apps/{id}/sdks',
      operationId: 'listAppSdks',
      summary: 'Every third-party component an app declared, with its approval',
      tags: ['apps'],
      auth: staffPermission('app_sdk', 'read', ofApp),
      params: AppParams,
      responses: { 200: { description: 'The app’s components', schema: AppSdkList }, ...problemResponses, ...appNotFoundResponse },
      handler: async ({ params }) => ({ body: await sdks.list(params.id) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/apps/{id}/sdks/{sdkId}/approve',
      operationId: 'approveAppSdk',
      summary: 'Approve a component’s collection of personal information (privacy officers; never the one who declared it)',
      description: 'Audited as app.sdk_approved.',
      tags: ['apps'],
      auth: staffPermission('app_sdk', 'approve', ofApp),
      params: AppSdkParams,
      body: ApproveAppSdk,
      responses: {
        200: { description: 'Approved', schema: AppSdk },
        ...problemResponses,
        404: { description: 'Unknown app or component', schema: Problem },
        409: {
          description: 'The app is retired, the component collects no personal information, or it is already approved',
          schema: Problem,
        },
      },
      handler: async ({ params, body, change }) => ({
        body: await sdks.approve(change, params.id, params.sdkId, body),
      }),
    }),
  ];
}
