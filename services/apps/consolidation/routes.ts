import { created, defineRoute, staffPermission, type PermissionScope, type RouteSpec } from '../../http/route';
import { Problem, problemResponses } from '../../shared/schemas';
import type { LeadDepartmentService } from '../accountability';
import { appNotFoundResponse, appRetiredResponse, ownerOrLeadDepartment, owningDepartmentOfApp } from '../routes';
import { AppParams } from '../schemas';
import type { AppService } from '../service';
import {
  ApprovePlan,
  CancelPlan,
  ConsolidationPlan,
  DraftPlan,
  NewMigrationStep,
  RecordNotificationSent,
  RevisePlan,
  StepParams,
  UpdateMigrationStep,
} from './schemas';
import type { ConsolidationPlanService } from './service';

const PLAN = '/v1/apps/{id}/consolidation-plan';

/** The lead department for app management (the app's owning department until one is named: the service then answers 409). */
const leadDepartmentOf = (apps: Pick<AppService, 'departmentOf'>, lead: Pick<LeadDepartmentService, 'get'>): PermissionScope => ({
  kind: 'department',
  resolve: async ({ params }) => (await lead.get()).department ?? apps.departmentOf(params.id),
});

const planResponse = (description: string) => ({ description, schema: ConsolidationPlan });
const openPlanResponses = {
  ...problemResponses,
  404: { description: 'Unknown app, or it has no open plan', schema: Problem },
  ...appRetiredResponse,
} as const;

export function consolidationPlanRoutes(
  apps: Pick<AppService, 'departmentOf'>,
  lead: Pick<LeadDepartmentService, 'get'>,
  plans: ConsolidationPlanService,
): RouteSpec[] {
  const ofApp = owningDepartmentOfApp(apps);
  return [
    defineRoute({
      method: 'post',
      path: PLAN,
      operationId: 'draftAppConsolidationPlan',
      summary: 'Draft the app’s consolidation or retirement plan (one open plan per app)',
      description:
        'App managers (app:update) of the owning department. Risk assessment, data-migration steps, privacy measures and the user ' +
        'notification may follow later; `incomplete` lists what is missing. Audited as app.consolidation_plan_drafted.',
      tags: ['apps'],
      auth: staffPermission('app', 'update', ofApp),
      params: AppParams,
      body: DraftPlan,
      responses: {
        201: planResponse('Drafted'),
        ...problemResponses,
        ...appNotFoundResponse,
        409: { description: 'The app is retired, or already has an open plan (consolidation_plan_exists)', schema: Problem },
      },
      handler: ({ params, body, change }) => created(plans.draft(change, params.id, body)),
    }),
    defineRoute({
      method: 'get',
      path: PLAN,
      operationId: 'getAppConsolidationPlan',
      summary: 'The app’s open plan (else its latest), with every part still standing between it and retirement',
      tags: ['apps'],
      auth: staffPermission('app', 'read', ownerOrLeadDepartment(apps, lead)),
      params: AppParams,
      responses: {
        200: planResponse('The plan'),
        ...problemResponses,
        404: { description: 'Unknown app, or no plan', schema: Problem },
      },
      handler: async ({ params }) => ({ body: await plans.get(params.id) }),
    }),
    defineRoute({
      method: 'patch',
      path: PLAN,
      operationId: 'reviseAppConsolidationPlan',
      summary: 'Revise the plan’s kind, targets, reason, risk assessment, privacy measures or user notification',
      description:
        'Replaces the parts given. A revision withdraws an approval (the plan goes back to draft) and makes the caller one of its authors. ' +
        'A notification already sent no longer changes (409 notification_already_sent). Audited as app.consolidation_plan_revised.',
      tags: ['apps'],
      auth: staffPermission('app', 'update', ofApp),
      params: AppParams,
      body: RevisePlan,
      responses: { 200: planResponse('The plan now'), ...openPlanResponses },
      handler: async ({ params, body, change }) => ({ body: await plans.revise(change, params.id, body) }),
    }),
    defineRoute({
      method: 'post',
      path: `${PLAN}/steps`,
      operationId: 'addAppMigrationStep',
      summary: 'Add a data-migration step: what data is migrated (and where) or deleted, by whom, by when',
      description: 'Withdraws an approval. Audited as app.migration_step_added.',
      tags: ['apps'],
      auth: staffPermission('app', 'update', ofApp),
      params: AppParams,
      body: NewMigrationStep,
      responses: { 201: planResponse('The plan with the step'), ...openPlanResponses },
      handler: ({ params, body, change }) => created(plans.addStep(change, params.id, body)),
    }),
    defineRoute({
      method: 'patch',
      path: `${PLAN}/steps/{stepId}`,
      operationId: 'updateAppMigrationStep',
      summary: 'Record a step’s progress (status, completedAt), or change the step',
      description:
        'Progress keeps the approval; changing the description, handling, destination, owner or due date withdraws it. Audited as app.migration_step_updated.',
      tags: ['apps'],
      auth: staffPermission('app', 'update', ofApp),
      params: StepParams,
      body: UpdateMigrationStep,
      responses: { 200: planResponse('The plan now'), ...openPlanResponses },
      handler: async ({ params, body, change }) => ({
        body: await plans.updateStep(change, params.id, params.stepId, body),
      }),
    }),
    defineRoute({
      method: 'post',
      path: `${PLAN}/approve`,
      operationId: 'approveAppConsolidationPlan',
      summary: 'Approve the plan (app managers of the lead department; never one of its authors)',
      description:
        'Needs app:approve in the lead department for app management (409 lead_department_not_configured until one is named; 403 not_lead_department). ' +
        'Whoever wrote any of the plan cannot approve it (403 separation_of_duties). The plan needs its risk assessment (not judged not acceptable), ' +
        'at least one migration step, privacy measures, a user notification and apps to merge into that are not winding down ' +
        '(409 consolidation_plan_incomplete lists what is missing). Audited as app.consolidation_plan_approved.',
      tags: ['apps'],
      auth: staffPermission('app', 'approve', leadDepartmentOf(apps, lead)),
      params: AppParams,
      body: ApprovePlan,
      responses: {
        200: planResponse('Approved'),
        ...problemResponses,
        403: { description: 'No permission, not the lead department, or an author of the plan (separation_of_duties)', schema: Problem },
        404: { description: 'Unknown app, or it has no open plan', schema: Problem },
        409: { description: 'Retired app, no lead department, already approved, or parts missing', schema: Problem },
      },
      handler: async ({ params, body, change }) => ({ body: await plans.approve(change, params.id, body) }),
    }),
    defineRoute({
      method: 'post',
      path: `${PLAN}/notification-sent`,
      operationId: 'recordAppExitNotificationSent',
      summary: 'Record that the approved user notification went out',
      description:
        'Only once the plan is approved (409 consolidation_plan_not_approved) and not before the notification’s day (409 notification_not_due). ' +
        'Audited as app.consolidation_notification_sent.',
      tags: ['apps'],
      auth: staffPermission('app', 'update', ofApp),
      params: AppParams,
      body: RecordNotificationSent,
      responses: { 200: planResponse('The plan now'), ...openPlanResponses },
      handler: async ({ params, body, change }) => ({
        body: await plans.recordNotificationSent(change, params.id, body),
      }),
    }),
    defineRoute({
      method: 'post',
      path: `${PLAN}/cancel`,
      operationId: 'cancelAppConsolidationPlan',
      summary: 'Cancel the open plan (the app stays; a new plan may be drafted)',
      description: 'Audited as app.consolidation_plan_cancelled with the reason.',
      tags: ['apps'],
      auth: staffPermission('app', 'update', ofApp),
      params: AppParams,
      body: CancelPlan,
      responses: { 200: planResponse('The cancelled plan'), ...openPlanResponses },
      handler: async ({ params, body, change }) => ({ body: await plans.cancel(change, params.id, body) }),
    }),
  ];
}
