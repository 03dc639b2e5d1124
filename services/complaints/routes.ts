import { ANY_DEPARTMENT, defineRoute, staffPermission, type PermissionScope, type RouteSpec } from '../http/route';
import { Problem, problemResponses } from '../shared/schemas';
import {
  ComplaintDetail,
  ComplaintPage,
  ComplaintParams,
  ComplaintQuery,
  ExtendComplaint,
  LinkComplaint,
  TransitionComplaint,
} from './schemas';
import type { ComplaintService } from './service';

const WHO_READS =
  'Privacy officers and auditors, bank-wide or of a department the complaint concerns (the owners of the ledger app it names and of the apps, ' +
  'assets and incidents it is linked to; a complaint concerning none is for bank-wide roles only). The customer’s contact is shown to those privacy officers alone.';
const notFound = { 404: { description: 'Unknown complaint', schema: Problem } };

/** The privacy officers' side of complaints: list, read, move through the states, extend, link. */
export function complaintRoutes(complaints: ComplaintService): RouteSpec[] {
  const ofComplaint: PermissionScope = { kind: 'concerned', resolve: ({ params }) => complaints.departmentsOf(params.id) };
  return [
    defineRoute({
      method: 'get',
      path: '/v1/complaints',
      operationId: 'listComplaints',
      summary: 'List complaints, oldest first (filter by status, category, overdue, app, vendor)',
      description: WHO_READS,
      tags: ['complaints'],
      auth: staffPermission('complaint', 'read', ANY_DEPARTMENT),
      query: ComplaintQuery,
      responses: { 200: { description: 'A page of complaints', schema: ComplaintPage }, ...problemResponses },
      handler: async ({ query, access }) => ({ body: await complaints.list(query, access) }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/complaints/{id}',
      operationId: 'getComplaint',
      summary: 'Get a complaint with its extensions and history',
      description: WHO_READS,
      tags: ['complaints'],
      auth: staffPermission('complaint', 'read', ofComplaint),
      params: ComplaintParams,
      responses: { 200: { description: 'The complaint', schema: ComplaintDetail }, ...problemResponses, ...notFound },
      handler: async ({ params, actor }) => ({ body: await complaints.get(params.id, actor) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/complaints/{id}/transitions',
      operationId: 'transitionComplaint',
      summary: 'Move a complaint: received → acknowledged → investigating → resolved | rejected → closed',
      description:
        'A rejection needs a `reason`, the explanation the customer is owed (PIPL Art. 50). Any other move is 409 `illegal_transition`.',
      tags: ['complaints'],
      auth: staffPermission('complaint', 'manage', ofComplaint),
      params: ComplaintParams,
      body: TransitionComplaint,
      responses: {
        200: { description: 'The complaint after the move', schema: ComplaintDetail },
        ...problemResponses,
        ...notFound,
        409: { description: 'Not a legal next state (`illegal_transition`)', schema: Problem },
      },
      handler: async ({ params, body, change }) => ({ body: await complaints.transition(change, params.id, body) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/complaints/{id}/extensions',
      operationId: 'extendComplaint',
      summary: 'Extend the deadline with a justification',
      description:
        'Due 15 days after receipt. A complex case may be extended to 30 days; past 30, `approvedBy` (a senior manager or the superior ' +
        'institution) is required; never past 60 days in all (2020 rules on banking and insurance consumer complaints). ' +
        'Each extension is 1-30 days and must be made before the current deadline passes.',
      tags: ['complaints'],
      auth: staffPermission('complaint', 'manage', ofComplaint),
      params: ComplaintParams,
      body: ExtendComplaint,
      responses: {
        200: { description: 'The complaint with its new deadline', schema: ComplaintDetail },
        ...problemResponses,
        ...notFound,
        409: {
          description: 'Past 60 days (`extension_limit`), already decided (`complaint_decided`) or already overdue (`complaint_overdue`)',
          schema: Problem,
        },
      },
      handler: async ({ params, body, change }) => ({ body: await complaints.extend(change, params.id, body) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/complaints/{id}/links',
      operationId: 'linkComplaint',
      summary: 'Link a complaint to an incident, app, data asset or vendor',
      tags: ['complaints'],
      auth: staffPermission('complaint', 'manage', ofComplaint),
      params: ComplaintParams,
      body: LinkComplaint,
      responses: {
        200: { description: 'The complaint with the new link', schema: ComplaintDetail },
        ...problemResponses,
        ...notFound,
        409: { description: 'Already linked (`link_exists`)', schema: Problem },
      },
      handler: async ({ params, body, change }) => ({ body: await complaints.link(change, params.id, body) }),
    }),
  ];
}
