import { created, defineRoute, staffPermission, type RouteSpec } from '../../http/route';
import { Problem, problemResponses } from '../../shared/schemas';
import type { LeadDepartmentService } from '../accountability';
import { appChangeResponses, appNotFoundResponse, appRetiredResponse, ownerOrLeadDepartment, owningDepartmentOfApp } from '../routes';
import { AppParams } from '../schemas';
import type { AppService } from '../service';
import {
  AccountabilityDecision,
  AccountabilityEventList,
  CloseRectificationItem,
  CreateInspectionFinding,
  CreateRectificationItem,
  DecisionPage,
  DecisionQuery,
  FindingPage,
  FindingParams,
  FindingQuery,
  InspectionFinding,
  RecordAccountabilityDecision,
  RectificationItem,
  RectificationItemParams,
} from './schemas';
import type { SupervisionService } from './service';

export function supervisionRoutes(
  apps: Pick<AppService, 'departmentOf'>,
  lead: Pick<LeadDepartmentService, 'get'>,
  supervision: SupervisionService,
): RouteSpec[] {
  const ofApp = owningDepartmentOfApp(apps);
  const writers = ownerOrLeadDepartment(apps, lead);
  return [
    defineRoute({
      method: 'post',
      path: '/v1/apps/{id}/inspection-findings',
      operationId: 'registerAppInspectionFinding',
      summary: 'Register an on-site or off-site inspection finding (by the regulator or internal audit) with its rectification items',
      description:
        'App managers (app:record_security) of the owning or the lead department. Each item has an action, an owner (a staff subject) and department, and a due date in the future. Audited as app.inspection_finding_registered.',
      tags: ['apps'],
      auth: staffPermission('app', 'record_security', writers),
      params: AppParams,
      body: CreateInspectionFinding,
      responses: { 201: { description: 'Registered', schema: InspectionFinding }, ...appChangeResponses },
      handler: ({ params, body, change }) => created(supervision.registerFinding(change, params.id, body)),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/apps/{id}/inspection-findings',
      operationId: 'listAppInspectionFindings',
      summary: 'An app’s inspection findings with their rectification items (open, overdue or closed)',
      tags: ['apps'],
      auth: staffPermission('app', 'read', ofApp),
      params: AppParams,
      query: FindingQuery,
      responses: { 200: { description: 'A page of findings', schema: FindingPage }, ...problemResponses, ...appNotFoundResponse },
      handler: async ({ params, query }) => ({ body: await supervision.listFindings(params.id, query) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/apps/{id}/inspection-findings/{findingId}/rectification-items',
      operationId: 'addAppRectificationItem',
      summary: 'Add a rectification item to an inspection finding',
      description: 'As for registering the finding. Audited as app.rectification_item_added.',
      tags: ['apps'],
      auth: staffPermission('app', 'record_security', writers),
      params: FindingParams,
      body: CreateRectificationItem,
      responses: {
        201: { description: 'Added', schema: RectificationItem },
        ...problemResponses,
        404: { description: 'Unknown app or finding', schema: Problem },
        ...appRetiredResponse,
      },
      handler: ({ params, body, change }) => created(supervision.addItem(change, params.id, params.findingId, body)),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/apps/{id}/rectification-items/{itemId}/close',
      operationId: 'closeAppRectificationItem',
      summary: 'Close a rectification item with its evidence (never by its owner)',
      description:
        'App managers (app:update) of the owning or the lead department; 403 separation_of_duties for the item’s owner; once (409 rectification_item_closed). Audited as app.rectification_item_closed, saying whether it was late.',
      tags: ['apps'],
      auth: staffPermission('app', 'update', writers),
      params: RectificationItemParams,
      body: CloseRectificationItem,
      responses: {
        200: { description: 'The item, closed', schema: RectificationItem },
        ...problemResponses,
        404: { description: 'Unknown app or item', schema: Problem },
        409: { description: 'Already closed', schema: Problem },
      },
      handler: async ({ params, body, change }) => ({
        body: await supervision.closeItem(change, params.id, params.itemId, body),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/apps/{id}/accountability-events',
      operationId: 'listAppAccountabilityEvents',
      summary: 'An app’s major events and overdue rectifications, each saying whether an accountability decision covers it',
      description:
        'Major warnings, regulator-reported or overdue vulnerabilities, inspection findings and overdue rectification items; most recent first, at most 200.',
      tags: ['apps'],
      auth: staffPermission('app', 'read', ofApp),
      params: AppParams,
      responses: { 200: { description: 'The events', schema: AccountabilityEventList }, ...problemResponses, ...appNotFoundResponse },
      handler: async ({ params }) => ({ body: await supervision.accountabilityEvents(params.id) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/apps/{id}/accountability-decisions',
      operationId: 'recordAppAccountabilityDecision',
      summary: 'Record who is held accountable for a major event or an overdue rectification, and the measure',
      description:
        'App managers holding app:decide_accountability in the owning or the lead department; never for themselves (403 separation_of_duties). 409 not_a_major_event when the subject is not one. Decisions are append-only. Audited as app.accountability_decided.',
      tags: ['apps'],
      auth: staffPermission('app', 'decide_accountability', writers),
      params: AppParams,
      body: RecordAccountabilityDecision,
      responses: {
        201: { description: 'Recorded', schema: AccountabilityDecision },
        ...problemResponses,
        ...appNotFoundResponse,
        409: { description: 'The subject is not a major event or an overdue rectification', schema: Problem },
      },
      handler: ({ params, body, change }) => created(supervision.decide(change, params.id, body)),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/apps/{id}/accountability-decisions',
      operationId: 'listAppAccountabilityDecisions',
      summary: 'An app’s accountability decisions, most recent first',
      tags: ['apps'],
      auth: staffPermission('app', 'read', ofApp),
      params: AppParams,
      query: DecisionQuery,
      responses: { 200: { description: 'A page of decisions', schema: DecisionPage }, ...problemResponses, ...appNotFoundResponse },
      handler: async ({ params, query }) => ({ body: await supervision.listDecisions(params.id, query) }),
    }),
  ];
}
