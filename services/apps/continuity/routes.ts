import { created, defineRoute, staffPermission, type RouteSpec } from '../../http/route';
import { Problem, problemResponses } from '../../shared/schemas';
import type { LeadDepartmentService } from '../accountability';
import { appChangeResponses, appNotFoundResponse, ownerOrLeadDepartment, owningDepartmentOfApp } from '../routes';
import { AppParams } from '../schemas';
import type { AppService } from '../service';
import { Continuity, CreateOutage, Outage, OutagePage, OutageQuery, SetContinuity } from './schemas';
import type { ContinuityService } from './service';

export function continuityRoutes(
  apps: Pick<AppService, 'departmentOf'>,
  lead: Pick<LeadDepartmentService, 'get'>,
  continuity: ContinuityService,
): RouteSpec[] {
  const ofApp = owningDepartmentOfApp(apps);
  const writers = ownerOrLeadDepartment(apps, lead);
  return [
    defineRoute({
      method: 'put',
      path: '/v1/apps/{id}/continuity',
      operationId: 'setAppContinuity',
      summary: 'Set an app’s importance tier, RTO, RPO, continuity plan and last drill',
      description:
        'App managers (app:update) of the owning department or of the lead department for app management. Audited as app.continuity_set with before and after.',
      tags: ['apps'],
      auth: staffPermission('app', 'update', writers),
      params: AppParams,
      body: SetContinuity,
      responses: { 200: { description: 'The profile now', schema: Continuity }, ...appChangeResponses },
      handler: async ({ params, body, change }) => ({ body: await continuity.set(change, params.id, body) }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/apps/{id}/continuity',
      operationId: 'getAppContinuity',
      summary: 'An app’s continuity profile, and whether its last passed drill is within 12 months',
      tags: ['apps'],
      auth: staffPermission('app', 'read', ofApp),
      params: AppParams,
      responses: {
        200: { description: 'The profile', schema: Continuity },
        ...problemResponses,
        404: { description: 'Unknown app, or no profile yet', schema: Problem },
      },
      handler: async ({ params }) => ({ body: await continuity.get(params.id) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/apps/{id}/outages',
      operationId: 'recordAppOutage',
      summary: 'Record an outage (start, end, impact, cause); it is compared with the app’s RTO',
      description:
        'An outage longer than the RTO in force is flagged (exceedsRto) and listed by the compliance report. Audited as app.outage_recorded.',
      tags: ['apps'],
      auth: staffPermission('app', 'update', writers),
      params: AppParams,
      body: CreateOutage,
      responses: {
        201: { description: 'Recorded', schema: Outage },
        ...problemResponses,
        ...appNotFoundResponse,
        409: { description: 'The app is retired, or has no continuity profile (no RTO to compare with)', schema: Problem },
      },
      handler: ({ params, body, change }) => created(continuity.recordOutage(change, params.id, body)),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/apps/{id}/outages',
      operationId: 'listAppOutages',
      summary: 'List an app’s outages, most recent first, each flagged when longer than the RTO',
      tags: ['apps'],
      auth: staffPermission('app', 'read', ofApp),
      params: AppParams,
      query: OutageQuery,
      responses: { 200: { description: 'A page of outages', schema: OutagePage }, ...problemResponses, ...appNotFoundResponse },
      handler: async ({ params, query }) => ({ body: await continuity.listOutages(params.id, query) }),
    }),
  ];
}
