import { bodyDepartmentScope } from '../../data-assets/scope';
import { ANY_DEPARTMENT, GLOBAL, created, defineRoute, staffPermission, type PermissionScope, type RouteSpec } from '../../http/route';
import { Problem, problemResponses } from '../../shared/schemas';
import { z } from '../../shared/zod';
import type { LeadDepartmentService } from '../accountability';
import { appNotFoundResponse, ownerOrLeadDepartment, owningDepartmentOfApp } from '../routes';
import { AppParams } from '../schemas';
import type { AppService } from '../service';
import type { AppEntryService } from './entry';
import type { AppPlanReportService } from './report';
import {
  AppCap,
  AppCapParams,
  AppEntryReview,
  AppPlan,
  AppPlanPage,
  AppPlanParams,
  AppPlanQuery,
  AppPlanReport,
  ApproveAppPlan,
  JustifyOverlaps,
  MergePlannedApp,
  PlannedAppParams,
  PlanningPolicy,
  RejectAppPlan,
  SetAppCap,
  SetPlanningPolicy,
  SubmitAppPlan,
} from './schemas';
import type { AppPlanService, AppPlanningPolicyService } from './service';

const planNotFoundResponse = { 404: { description: 'Unknown plan', schema: Problem } } as const;
const leadOnly = {
  403: {
    description: 'No permission, not the lead department (not_lead_department), or the submitter (separation_of_duties)',
    schema: Problem,
  },
} as const;

export function appPlanRoutes(deps: {
  apps: Pick<AppService, 'departmentOf'>;
  lead: Pick<LeadDepartmentService, 'get'>;
  plans: AppPlanService;
  policy: AppPlanningPolicyService;
  entry: AppEntryService;
  report: AppPlanReportService;
}): RouteSpec[] {
  const { plans, policy, entry } = deps;
  const ofPlan: PermissionScope = { kind: 'department', resolve: ({ params }) => plans.departmentOf(params.id) };
  return [
    defineRoute({
      method: 'post',
      path: '/v1/app-plans',
      operationId: 'submitAppPlan',
      summary: 'Submit a department’s or branch’s app construction plan for a period',
      description:
        'App managers of the department (app_plan:submit there). The lead department’s app managers approve or reject it. Audited as app_plan.submitted.',
      tags: ['apps'],
      auth: staffPermission('app_plan', 'submit', bodyDepartmentScope('department')),
      body: SubmitAppPlan,
      responses: { 201: { description: 'Submitted', schema: AppPlan }, ...problemResponses },
      handler: ({ body, change }) => created(plans.submit(change, body)),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/app-plans',
      operationId: 'listAppPlans',
      summary: 'List app construction plans, most recent period first',
      description: 'The plans of the departments where you hold app_plan:read; the lead department’s app managers see every plan.',
      tags: ['apps'],
      auth: staffPermission('app_plan', 'read', ANY_DEPARTMENT),
      query: AppPlanQuery,
      responses: { 200: { description: 'A page of plans', schema: AppPlanPage }, ...problemResponses },
      handler: async ({ query, access }) => ({ body: await plans.list(query, access) }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/app-plans/{id}',
      operationId: 'getAppPlan',
      summary: 'An app construction plan with its planned apps and what became of each',
      tags: ['apps'],
      auth: staffPermission('app_plan', 'read', ownerOrLeadDepartment(plans, deps.lead)),
      params: AppPlanParams,
      responses: { 200: { description: 'The plan', schema: AppPlan }, ...problemResponses, ...planNotFoundResponse },
      handler: async ({ params }) => ({ body: await plans.get(params.id) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/app-plans/{id}/approve',
      operationId: 'approveAppPlan',
      summary: 'Approve a submitted plan (the lead department’s app managers, never its submitter)',
      description:
        'Needs app_plan:approve in the lead department (409 lead_department_not_configured until one is named; 403 not_lead_department). ' +
        '403 separation_of_duties for the submitter; 409 app_plan_decided once decided; 409 app_plan_period_over for a past period. Audited as app_plan.approved.',
      tags: ['apps'],
      auth: staffPermission('app_plan', 'approve', ANY_DEPARTMENT),
      params: AppPlanParams,
      body: ApproveAppPlan,
      responses: {
        200: { description: 'The approved plan', schema: AppPlan },
        ...problemResponses,
        ...planNotFoundResponse,
        ...leadOnly,
        409: { description: 'Already decided, past its period, or no lead department named', schema: Problem },
      },
      handler: async ({ params, body, change }) => ({ body: await plans.approve(change, params.id, body) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/app-plans/{id}/reject',
      operationId: 'rejectAppPlan',
      summary: 'Reject a submitted plan, with the reason (the lead department’s app managers, never its submitter)',
      tags: ['apps'],
      auth: staffPermission('app_plan', 'approve', ANY_DEPARTMENT),
      params: AppPlanParams,
      body: RejectAppPlan,
      responses: {
        200: { description: 'The rejected plan', schema: AppPlan },
        ...problemResponses,
        ...planNotFoundResponse,
        ...leadOnly,
        409: { description: 'Already decided, or no lead department named', schema: Problem },
      },
      handler: async ({ params, body, change }) => ({ body: await plans.reject(change, params.id, body) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/app-plans/{id}/planned-apps/{itemId}/merge',
      operationId: 'mergePlannedApp',
      summary: 'Merge a planned app’s demand into an app already in the ledger instead of proposing a new one',
      description:
        'App managers of the plan’s department. The plan must be approved and the planned app open. Audited as app_plan.planned_app_merged.',
      tags: ['apps'],
      auth: staffPermission('app_plan', 'submit', ofPlan),
      params: PlannedAppParams,
      body: MergePlannedApp,
      responses: {
        200: { description: 'The plan, the planned app merged', schema: AppPlan },
        ...problemResponses,
        404: { description: 'Unknown plan, planned app or app', schema: Problem },
        409: { description: 'The plan is not approved, the planned app is used, or the app is retired', schema: Problem },
      },
      handler: async ({ params, body, change }) => ({
        body: await plans.mergePlannedApp(change, params.id, params.itemId, body),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/app-management/planning',
      operationId: 'getAppPlanningPolicy',
      summary: 'The date from which proposals need an approved plan, and each department’s app cap with its count',
      tags: ['apps'],
      auth: staffPermission('app_settings', 'read', ANY_DEPARTMENT),
      responses: { 200: { description: 'The planning policy', schema: PlanningPolicy }, ...problemResponses },
      handler: async () => ({ body: await policy.get() }),
    }),
    defineRoute({
      method: 'put',
      path: '/v1/app-management/planning',
      operationId: 'setAppPlanningPolicy',
      summary: 'Set the date from which every new app proposal must come from an approved plan',
      description:
        'App managers of the lead department or administrators holding the role everywhere (app_plan:configure). Apps proposed before the date keep working. ' +
        'Audited as app_planning.policy_set with before and after.',
      tags: ['apps'],
      auth: staffPermission('app_plan', 'configure', ANY_DEPARTMENT),
      body: SetPlanningPolicy,
      responses: {
        200: { description: 'The planning policy now', schema: PlanningPolicy },
        ...problemResponses,
        ...leadOnly,
        409: { description: 'No lead department named', schema: Problem },
      },
      handler: async ({ body, change }) => ({ body: await policy.setPolicy(change, body) }),
    }),
    defineRoute({
      method: 'put',
      path: '/v1/app-management/app-caps/{code}',
      operationId: 'setAppCap',
      summary: 'Set (or remove, with null) the most apps not retired a department or branch may own',
      description:
        'App managers of the lead department or administrators holding the role everywhere (app_plan:configure). A department at its cap proposes ' +
        'no more apps (409 app_cap_reached); apps it already has keep working. Audited as app_planning.cap_set with before and after.',
      tags: ['apps'],
      auth: staffPermission('app_plan', 'configure', ANY_DEPARTMENT),
      params: AppCapParams,
      body: SetAppCap,
      responses: {
        200: { description: 'The cap now', schema: AppCap },
        ...problemResponses,
        ...leadOnly,
        409: { description: 'No lead department named', schema: Problem },
      },
      handler: async ({ params, body, change }) => ({ body: await policy.setCap(change, params.code, body) }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/apps/{id}/entry-review',
      operationId: 'getAppEntryReview',
      summary: 'What an app’s entry rests on: its planned app, the overlapping apps and the proposer’s justification',
      description:
        'For the owning department and the lead department’s approvers. Unresolved overlaps hold up entry approval of an app from a plan.',
      tags: ['apps'],
      auth: staffPermission('app', 'read', ownerOrLeadDepartment(deps.apps, deps.lead)),
      params: AppParams,
      responses: { 200: { description: 'The entry review', schema: AppEntryReview }, ...problemResponses, ...appNotFoundResponse },
      handler: async ({ params }) => ({ body: await entry.review(params.id) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/apps/{id}/overlap-justification',
      operationId: 'justifyAppOverlaps',
      summary: 'Justify a proposed app beside the apps its business scenarios overlap now',
      description: 'App managers of the owning department, while the app is proposed. Audited as app.overlaps_justified.',
      tags: ['apps'],
      auth: staffPermission('app', 'update', owningDepartmentOfApp(deps.apps)),
      params: AppParams,
      body: JustifyOverlaps,
      responses: {
        200: { description: 'The entry review now', schema: AppEntryReview },
        ...problemResponses,
        ...appNotFoundResponse,
        409: { description: 'The app is past its proposal (app_not_proposed) or overlaps nothing (no_overlaps)', schema: Problem },
      },
      handler: async ({ params, body, change }) => ({ body: await entry.justify(change, params.id, body) }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/reports/app-plans',
      operationId: 'appPlanReport',
      summary: 'Apps per department or branch against its approved plans and its cap',
      tags: ['reports'],
      auth: staffPermission('report', 'app_plans', GLOBAL),
      query: z.strictObject({}),
      responses: { 200: { description: 'The report', schema: AppPlanReport }, ...problemResponses },
      handler: async () => ({ body: await deps.report.build() }),
    }),
  ];
}
