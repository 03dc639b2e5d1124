import { NotFoundError } from '../shared/errors';
import { ANY_DEPARTMENT, GLOBAL, defineRoute, staffPermission, type PermissionScope, type RouteSpec } from '../http/route';
import { Problem, problemResponses } from '../shared/schemas';
import { BlastRadius, BlastRadiusQuery, type BlastRadiusService } from './blast-radius';
import type { ContainmentService } from './containment';
import {
  ApplyContainment,
  CompleteRectification,
  ContainmentRecord,
  CreateIncident,
  CreateRectification,
  IncidentDetail,
  IncidentPage,
  IncidentParams,
  IncidentQuery,
  RecordNotification,
  Rectification,
  ReleaseContainment,
  RectificationParams,
  TransitionIncident,
  UpdateIncident,
} from './schemas';
import type { IncidentScopeStoreType } from './store-type';
import type { IncidentService } from './service';

const WHO_READS =
  'Privacy officers and auditors, bank-wide or of a department the incident concerns (the owners of its affected assets and of the ledger apps it names).';
const asStrings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);

/** Which departments an incident concerns, or one with these assets and apps would. */
type IncidentScope = Pick<IncidentScopeStoreType, 'departmentsOf' | 'departmentsFor'>;

/** The departments an incident concerns, from the incident in the path or, when opening one, from the body. */
function incidentScopes(scope: IncidentScope): { ofIncident: PermissionScope; ofNewIncident: PermissionScope } {
  return {
    ofIncident: {
      kind: 'concerned',
      resolve: async ({ params }) => {
        const departments = await scope.departmentsOf(params.id);
        if (departments === undefined) throw new NotFoundError(`No incident ${params.id}`);
        return departments;
      },
    },
    ofNewIncident: {
      kind: 'concerned',
      resolve: async ({ body }) => {
        const b = body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : {};
        return scope.departmentsFor(asStrings(b.assets).slice(0, 100), asStrings(b.apps).slice(0, 50));
      },
    },
  };
}
const notFound = { 404: { description: 'Unknown incident', schema: Problem } };
const closedConflict = { 409: { description: 'The incident is closed (`incident_closed`)', schema: Problem } };

export function incidentRoutes(
  incidents: IncidentService,
  containment: ContainmentService,
  blastRadius: BlastRadiusService,
  scope: IncidentScope,
): RouteSpec[] {
  const { ofIncident, ofNewIncident } = incidentScopes(scope);
  const READ = staffPermission('incident', 'read', ofIncident);
  const MANAGE = staffPermission('incident', 'manage', ofIncident);
  return [
    defineRoute({
      method: 'post',
      path: '/v1/incidents',
      operationId: 'openIncident',
      summary: 'Open a leak incident',
      description: 'The regulator notification falls due at detection plus the configured hours for the severity.',
      tags: ['incidents'],
      auth: staffPermission('incident', 'manage', ofNewIncident),
      body: CreateIncident,
      responses: { 201: { description: 'Opened', schema: IncidentDetail }, ...problemResponses },
      handler: async ({ body, change }) => ({ status: 201, body: await incidents.create(change, body) }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/incidents',
      operationId: 'listIncidents',
      summary: 'List incidents, oldest first (filter by status, severity, vendor, overdue notification)',
      description: WHO_READS,
      tags: ['incidents'],
      auth: staffPermission('incident', 'read', ANY_DEPARTMENT),
      query: IncidentQuery,
      responses: { 200: { description: 'A page of incidents', schema: IncidentPage }, ...problemResponses },
      handler: async ({ query, access }) => ({ body: await incidents.list(query, access) }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/incidents/{id}',
      operationId: 'getIncident',
      summary: 'Get an incident with its containment, notifications, rectifications and history',
      description: WHO_READS,
      tags: ['incidents'],
      auth: READ,
      params: IncidentParams,
      responses: { 200: { description: 'The incident', schema: IncidentDetail }, ...problemResponses, ...notFound },
      handler: async ({ params }) => ({ body: await incidents.get(params.id) }),
    }),
    defineRoute({
      method: 'patch',
      path: '/v1/incidents/{id}',
      operationId: 'updateIncident',
      summary: 'Correct an incident: title, severity, description, implicated vendors, apps, assets',
      tags: ['incidents'],
      auth: MANAGE,
      params: IncidentParams,
      body: UpdateIncident,
      responses: {
        200: { description: 'The updated incident', schema: IncidentDetail },
        ...problemResponses,
        ...notFound,
        ...closedConflict,
      },
      handler: async ({ params, body, change }) => ({ body: await incidents.update(change, params.id, body) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/incidents/{id}/containment',
      operationId: 'containIncident',
      summary: 'Apply the kill switch to the implicated vendors and record it',
      description:
        'Suspends the vendors, revokes their grants and disables their OAuth clients, as asked; records what was done and when, and moves an open ' +
        'incident to `contained`. May be applied again while the incident is not closed. Vendors it suspends (or finds suspended) are held: ' +
        'they cannot be reinstated until the incident closes or its handler releases them (POST /v1/incidents/{id}/containment/release).',
      tags: ['incidents'],
      auth: MANAGE,
      params: IncidentParams,
      body: ApplyContainment,
      responses: {
        201: { description: 'What was done', schema: ContainmentRecord },
        ...problemResponses,
        ...notFound,
        409: { description: 'Closed (`incident_closed`) or no vendor implicated (`no_vendors_implicated`)', schema: Problem },
      },
      handler: async ({ params, body, change }) => ({
        status: 201,
        body: await containment.apply(change, params.id, body),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/incidents/{id}/containment/release',
      operationId: 'releaseIncidentContainment',
      summary: 'Release the vendors this incident’s containment holds suspended, so that they may be reinstated',
      description:
        'A vendor suspended by the containment of an incident that is not closed cannot be reinstated until the incident’s handler, a privacy ' +
        'officer for every department, releases it here with a reason. The vendors stay suspended: reinstating one is a separate, bank-wide decision ' +
        '(POST /v1/vendors/{id}/reinstate).',
      tags: ['incidents'],
      auth: staffPermission('incident', 'release_containment', GLOBAL),
      params: IncidentParams,
      body: ReleaseContainment,
      responses: {
        200: { description: 'The incident, its containment records marked released', schema: IncidentDetail },
        ...problemResponses,
        ...notFound,
        409: { description: 'Closed (`incident_closed`) or no containment holds a vendor (`containment_not_held`)', schema: Problem },
      },
      handler: async ({ params, body, change }) => {
        await containment.release(change, params.id, body);
        return { body: await incidents.get(params.id) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/incidents/{id}/transitions',
      operationId: 'transitionIncident',
      summary: 'Move an incident: contained → notified → remediating → closed',
      description:
        '`notified` needs a recorded regulator notification; `remediating` a rectification item; `closed` no open rectification item. ' +
        'Any other move is 409.',
      tags: ['incidents'],
      auth: MANAGE,
      params: IncidentParams,
      body: TransitionIncident,
      responses: {
        200: { description: 'The incident after the move', schema: IncidentDetail },
        ...problemResponses,
        ...notFound,
        409: {
          description:
            'Not the next state (`illegal_transition`, `containment_required`) or its condition unmet (`regulator_not_notified`, `no_rectifications`, `rectifications_open`)',
          schema: Problem,
        },
      },
      handler: async ({ params, body, change }) => ({ body: await incidents.transition(change, params.id, body) }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/incidents/{id}/blast-radius',
      operationId: 'getIncidentBlastRadius',
      summary: 'What the implicated vendors were allowed in a window, from the audit log of decisions and tokens',
      description: WHO_READS,
      tags: ['incidents'],
      auth: READ,
      params: IncidentParams,
      query: BlastRadiusQuery,
      responses: { 200: { description: 'The blast radius', schema: BlastRadius }, ...problemResponses, ...notFound },
      handler: async ({ params, query }) => ({ body: await blastRadius.compute(params.id, query) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/incidents/{id}/notifications',
      operationId: 'recordIncidentNotification',
      summary: 'Record a notification sent to the regulator, the people affected or a department',
      description: 'The content is checked against PIPL Art. 57. The first regulator notification stops its clock; a late one is flagged.',
      tags: ['incidents'],
      auth: MANAGE,
      params: IncidentParams,
      body: RecordNotification,
      responses: { 201: { description: 'Recorded', schema: IncidentDetail }, ...problemResponses, ...notFound, ...closedConflict },
      handler: async ({ params, body, change }) => ({
        status: 201,
        body: await incidents.notify(change, params.id, body),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/incidents/{id}/rectifications',
      operationId: 'addIncidentRectification',
      summary: 'Add a rectification item with its owning department and due date',
      tags: ['incidents'],
      auth: MANAGE,
      params: IncidentParams,
      body: CreateRectification,
      responses: { 201: { description: 'Added', schema: Rectification }, ...problemResponses, ...notFound, ...closedConflict },
      handler: async ({ params, body, change }) => ({
        status: 201,
        body: await incidents.addRectification(change, params.id, body),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/incidents/{id}/rectifications/{rectificationId}/completion',
      operationId: 'completeIncidentRectification',
      summary: 'Complete a rectification item with evidence',
      tags: ['incidents'],
      auth: MANAGE,
      params: RectificationParams,
      body: CompleteRectification,
      responses: {
        200: { description: 'Completed', schema: Rectification },
        ...problemResponses,
        404: { description: 'Unknown incident or rectification item', schema: Problem },
        409: { description: 'Already completed (`rectification_done`) or the incident is closed', schema: Problem },
      },
      handler: async ({ params, body, change }) => ({
        body: await incidents.completeRectification(change, params.id, params.rectificationId, body),
      }),
    }),
  ];
}
