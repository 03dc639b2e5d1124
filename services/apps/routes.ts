import { bodyDepartmentScope } from '../data-assets/scope';
import { ANY_DEPARTMENT, created, defineRoute, staffPermission, type PermissionScope, type RouteSpec } from '../http/route';
import { Problem, problemResponses } from '../shared/schemas';
import { LEAD_DEPARTMENT_STEPS, type LeadDepartmentService } from './accountability/service';
import type { AppDataUseService } from './data-use-service';
import type { AppLifecycleService } from './lifecycle-service';
import {
  App,
  AppDataUse,
  AppDataUsePage,
  AppDetail,
  AppPage,
  AppParams,
  AppQuery,
  CreateApp,
  CreateAppDataUse,
  SubResourceQuery,
  TransitionRequest,
  UpdateApp,
} from './schemas';
import type { AppService } from './service';

export const appNotFoundResponse = { 404: { description: 'Unknown app', schema: Problem } } as const;
/** For routes that change an app: the app is retired and changes no more. */
export const appRetiredResponse = { 409: { description: 'The app is retired', schema: Problem } } as const;
/** What a route that changes an app answers besides its success: invalid input, no token or permission, unknown app, retired app. */
export const appChangeResponses = { ...problemResponses, ...appNotFoundResponse, ...appRetiredResponse } as const;
const retired = { 409: { description: 'The app is retired, or the name is taken', schema: Problem } } as const;

/** "The department that owns app {id}" as a route permission scope. */
export const owningDepartmentOfApp = (apps: Pick<AppService, 'departmentOf'>): PermissionScope => ({
  kind: 'department',
  resolve: ({ params }) => apps.departmentOf(params.id),
});

/**
 * The department that owns the object {id} (an app, an app plan) and the institution's lead department
 * for app management (once named): the permission held in either one will do.
 */
export const ownerOrLeadDepartment = (
  owner: { departmentOf(id: string): Promise<string> },
  lead: Pick<LeadDepartmentService, 'get'>,
): PermissionScope => ({
  kind: 'concerned',
  resolve: async ({ params }) => {
    const own = await owner.departmentOf(params.id);
    const { department } = await lead.get();
    return department === null || department === own ? [own] : [own, department];
  },
});

/**
 * Where a transition's permission is held: entry approval and retirement in the institution's lead
 * department (once named), every other step in the app's owning department.
 */
const transitionScope = (apps: Pick<AppService, 'departmentOf'>, lead: Pick<LeadDepartmentService, 'get'>): PermissionScope => ({
  kind: 'department',
  resolve: async ({ params, body }) => {
    const to = typeof body === 'object' && body !== null ? (body as { to?: unknown }).to : undefined;
    if (LEAD_DEPARTMENT_STEPS.some((step) => step === to)) {
      const { department } = await lead.get();
      if (department !== null) return department;
    }
    return apps.departmentOf(params.id);
  },
});

export function appLedgerRoutes(
  apps: AppService,
  lifecycle: AppLifecycleService,
  dataUses: AppDataUseService,
  lead: Pick<LeadDepartmentService, 'get'>,
): RouteSpec[] {
  const ofApp = owningDepartmentOfApp(apps);
  return [
    defineRoute({
      method: 'post',
      path: '/v1/apps',
      operationId: 'createApp',
      summary: 'Enter an app, mini-program, official account or H5 page in the ledger',
      description: 'It starts as proposed. The caller needs app:create in the owning department.',
      tags: ['apps'],
      auth: staffPermission('app', 'create', bodyDepartmentScope('owningDepartment')),
      body: CreateApp,
      responses: {
        201: { description: 'Entered', schema: App },
        ...problemResponses,
        409: { description: 'The name is taken', schema: Problem },
      },
      handler: ({ body, change }) => created(apps.create(change, body)),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/apps',
      operationId: 'listApps',
      summary: 'List the apps of the departments you may read, by name',
      tags: ['apps'],
      auth: staffPermission('app', 'read', ANY_DEPARTMENT),
      query: AppQuery,
      responses: { 200: { description: 'A page of apps', schema: AppPage }, ...problemResponses },
      handler: async ({ query, access }) => ({ body: await apps.list(query, access) }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/apps/{id}',
      operationId: 'getApp',
      summary: 'Get an app with its lifecycle history',
      tags: ['apps'],
      auth: staffPermission('app', 'read', ofApp),
      params: AppParams,
      responses: { 200: { description: 'The app', schema: AppDetail }, ...problemResponses, ...appNotFoundResponse },
      handler: async ({ params }) => ({ body: await apps.get(params.id) }),
    }),
    defineRoute({
      method: 'patch',
      path: '/v1/apps/{id}',
      operationId: 'updateApp',
      summary: 'Change an app’s ledger entry',
      description: 'The lifecycle state moves only through transitions; an app in service cannot drop its filing number.',
      tags: ['apps'],
      auth: staffPermission('app', 'update', ofApp),
      params: AppParams,
      body: UpdateApp,
      responses: { 200: { description: 'The updated app', schema: App }, ...problemResponses, ...appNotFoundResponse, ...retired },
      handler: async ({ params, body, access, change }) => ({
        body: await apps.update(change, params.id, body, access),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/apps/{id}/transitions',
      operationId: 'transitionApp',
      summary: 'Move an app to its next lifecycle state',
      description:
        'One step at a time: proposed → approved → developing → testing → released → operating → consolidating → retired. ' +
        'Entry approval (approved) and retirement are taken by app managers of the lead department (app:transition and app:approve held there; ' +
        '409 lead_department_not_configured until an administrator names it; 403 not_lead_department); approval needs the business and technology ' +
        'owners (409 owners_missing). Separation of duties: whoever proposed the app cannot approve or release it, whoever submitted it for testing cannot release it, ' +
        'and whoever moved it to consolidation cannot retire it (403 separation_of_duties). ' +
        'Release needs a filing number; a most recent penetration test, compatibility test and privacy review, each passed within 12 months; ' +
        'no unfixed blocking finding; and a published notice for every consent-based purpose the app uses data for. The refusal names every ' +
        'unmet requirement. Retirement needs a data disposal record and the app’s consolidation or retirement plan complete ' +
        '(409 retirement_plan_incomplete lists every gap: approval, migration steps, the user notification sent and its day passed).',
      tags: ['apps'],
      auth: staffPermission('app', 'transition', transitionScope(apps, lead)),
      params: AppParams,
      body: TransitionRequest,
      responses: {
        200: { description: 'The app in its new state, with its history', schema: AppDetail },
        ...problemResponses,
        ...appNotFoundResponse,
        403: { description: 'No permission, or the caller made the step this one checks (separation_of_duties)', schema: Problem },
        409: {
          description:
            'Not the next state (illegal_transition), the release gate is not met (release_gate_failed), or the plan is not complete (retirement_plan_incomplete)',
          schema: Problem,
        },
      },
      handler: async ({ params, body, change }) => ({ body: await lifecycle.transition(change, params.id, body) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/apps/{id}/data-uses',
      operationId: 'addAppDataUse',
      summary: 'Record which data the app processes and why',
      description:
        'Live fields of a live data asset, for an active purpose. An app in service needs a published notice before it takes on a consent-based purpose.',
      tags: ['apps'],
      auth: staffPermission('app', 'update', ofApp),
      params: AppParams,
      body: CreateAppDataUse,
      responses: {
        201: { description: 'Recorded', schema: AppDataUse },
        ...problemResponses,
        ...appNotFoundResponse,
        409: { description: 'Already recorded, the app is retired, or a consent notice is missing', schema: Problem },
      },
      handler: ({ params, body, change }) => created(dataUses.add(change, params.id, body)),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/apps/{id}/data-uses',
      operationId: 'listAppDataUses',
      summary: 'List the data an app processes, oldest first',
      tags: ['apps'],
      auth: staffPermission('app', 'read', ofApp),
      params: AppParams,
      query: SubResourceQuery,
      responses: { 200: { description: 'A page of data uses', schema: AppDataUsePage }, ...problemResponses, ...appNotFoundResponse },
      handler: async ({ params, query }) => ({ body: await dataUses.list(params.id, query) }),
    }),
  ];
}
