import { ANY_DEPARTMENT, defineRoute, staffPermission, type RouteSpec } from '../shared/route';
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
  RectificationParams,
  TransitionIncident,
  UpdateIncident,
} from './schemas';
import type { IncidentService } from './service';

// Incidents are bank-wide: privacy officers handle them, auditors read them, nobody else sees them.
const READ = staffPermission('incident', 'read', ANY_DEPARTMENT);
const MANAGE = staffPermission('incident', 'manage', ANY_DEPARTMENT);
const WHO_READS = 'Privacy officers and auditors only.';
const notFound = { 404: { description: 'Unknown incident', schema: Problem } };
const closedConflict = { 409: { description: 'The incident is closed (`incident_closed`)', schema: Problem } };

export function incidentRoutes(incidents: IncidentService, containment: ContainmentService, blastRadius: BlastRadiusService): RouteSpec[] {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/incidents',
      operationId: 'openIncident',
      summary: 'Open a leak incident',
      description: 'The regulator notification falls due at detection plus the configured hours for the severity.',
      tags: ['incidents'],
      auth: MANAGE,
      body: CreateIncident,
      responses: { 201: { description: 'Opened', schema: IncidentDetail }, ...problemResponses },
      handler: async ({ body, actor, requestId }) => ({ status: 201, body: await incidents.create({ actor, requestId }, body) }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/incidents',
      operationId: 'listIncidents',
      summary: 'List incidents, oldest first (filter by status, severity, vendor, overdue notification)',
      description: WHO_READS,
      tags: ['incidents'],
      auth: READ,
      query: IncidentQuery,
      responses: { 200: { description: 'A page of incidents', schema: IncidentPage }, ...problemResponses },
      handler: async ({ query }) => ({ body: await incidents.list(query) }),
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
      responses: { 200: { description: 'The updated incident', schema: IncidentDetail }, ...problemResponses, ...notFound, ...closedConflict },
      handler: async ({ params, body, actor, requestId }) => ({ body: await incidents.update({ actor, requestId }, params.id, body) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/incidents/{id}/containment',
      operationId: 'containIncident',
      summary: 'Apply the kill switch to the implicated vendors and record it',
      description:
        'Suspends the vendors, revokes their grants and disables their OAuth clients, as asked; records what was done and when, and moves an open ' +
        'incident to `contained`. May be applied again while the incident is not closed.',
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
      handler: async ({ params, body, actor, requestId }) => ({ status: 201, body: await containment.apply({ actor, requestId }, params.id, body) }),
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
          description: 'Not the next state (`illegal_transition`, `containment_required`) or its condition unmet (`regulator_not_notified`, `no_rectifications`, `rectifications_open`)',
          schema: Problem,
        },
      },
      handler: async ({ params, body, actor, requestId }) => ({ body: await incidents.transition({ actor, requestId }, params.id, body) }),
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
      handler: async ({ params, body, actor, requestId }) => ({ status: 201, body: await incidents.notify({ actor, requestId }, params.id, body) }),
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
      handler: async ({ params, body, actor, requestId }) => ({ status: 201, body: await incidents.addRectification({ actor, requestId }, params.id, body) }),
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
      handler: async ({ params, body, actor, requestId }) => ({
        body: await incidents.completeRectification({ actor, requestId }, params.id, params.rectificationId, body),
      }),
    }),
  ];
}
