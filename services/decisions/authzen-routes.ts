import { defineRoute, type ClientActor, type RouteSpec } from '../http/route';
import { Problem, problemResponses } from '../shared/schemas';
import { z } from '../shared/zod';
import type { AuthzenService } from './authzen';
import {
  AuthzenConfiguration,
  AuthzenEvaluationRequest,
  AuthzenEvaluationResponse,
  AuthzenEvaluationsRequest,
  AuthzenEvaluationsResponse,
  AuthzenResourceSearchRequest,
  AuthzenResourceSearchResponse,
  AuthzenSubjectSearchRequest,
  AuthzenSubjectSearchResponse,
} from './authzen-schemas';

const PEP = { kind: 'client', roles: ['pep'] } as const;
const unavailable = { 503: { description: 'Not able to decide safely (policies not loaded, or the audit write failed)', schema: Problem } };
const SEARCH =
  'Each result is what an evaluation of the same tuple would allow now (the decision core’s own steps, run without deciding: nothing is reserved). ' +
  'Paginated as the specification says: `page.limit` (1–200, default 50), then `page.token` = the previous `next_token` with the rest of the request unchanged (400 otherwise); `next_token` is empty on the last page. ' +
  'Every search is durably audited as `access.searched` (what was asked, customers only counted, and the ids answered) before the answer is sent.';
const SAME_CORE =
  'Each evaluation is a decision of POST /v1/decisions (one decision core), durably audited as `access.decided` before the answer is sent.';

/** OpenID AuthZEN 1.0: PDP metadata, evaluation, boxcarred evaluations and the subject and resource searches, for enforcement points (role pep). */
export function authzenRoutes(authzen: AuthzenService, publicUrl: string): RouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/.well-known/authzen-configuration',
      operationId: 'authzenConfiguration',
      summary: 'AuthZEN policy decision point metadata',
      tags: ['authzen'],
      auth: { kind: 'public' },
      query: z.strictObject({}),
      responses: {
        200: { description: 'The metadata', schema: AuthzenConfiguration },
        400: { description: 'An unknown query parameter', schema: Problem },
      },
      handler: async () => ({
        body: {
          policy_decision_point: publicUrl,
          access_evaluation_endpoint: `${publicUrl}/access/v1/evaluation`,
          access_evaluations_endpoint: `${publicUrl}/access/v1/evaluations`,
          search_subject_endpoint: `${publicUrl}/access/v1/search/subject`,
          search_resource_endpoint: `${publicUrl}/access/v1/search/resource`,
        },
        headers: { 'Cache-Control': 'public, max-age=300' },
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/access/v1/evaluation',
      operationId: 'authzenEvaluation',
      summary: 'May this vendor do this action on these fields of this data asset for this purpose? (AuthZEN)',
      description: `${SAME_CORE} \`decision\` is true only when every requested field may be released; \`context\` carries the reasons, obligations and the decision id.`,
      tags: ['authzen'],
      auth: PEP,
      retries: 'none',
      body: AuthzenEvaluationRequest,
      responses: { 200: { description: 'The decision', schema: AuthzenEvaluationResponse }, ...problemResponses, ...unavailable },
      handler: async ({ body, actor, requestId }) => ({ body: await authzen.evaluate(actor as ClientActor, requestId, body) }),
    }),
    defineRoute({
      method: 'post',
      path: '/access/v1/evaluations',
      operationId: 'authzenEvaluations',
      summary: 'Several evaluations in one request (AuthZEN boxcarring)',
      description:
        `${SAME_CORE} Each evaluation inherits the top-level subject, action, resource and context it does not give. ` +
        '`options.evaluations_semantic`: `execute_all` (default), `deny_on_first_deny`, `permit_on_first_permit` (the batch ends at the evaluation that decided it; later ones are neither decided nor audited). ' +
        'An evaluation that is invalid after inheritance refuses the whole batch (400) before any is decided.',
      tags: ['authzen'],
      auth: PEP,
      retries: 'none',
      body: AuthzenEvaluationsRequest,
      responses: {
        200: { description: 'The decisions, in request order', schema: AuthzenEvaluationsResponse },
        ...problemResponses,
        ...unavailable,
      },
      handler: async ({ body, actor, requestId }) => ({ body: await authzen.evaluations(actor as ClientActor, requestId, body) }),
    }),
    defineRoute({
      method: 'post',
      path: '/access/v1/search/resource',
      operationId: 'authzenResourceSearch',
      summary: 'Which data assets, and which of their fields, may this vendor act on for this purpose now? (AuthZEN resource search)',
      description: `${SEARCH} Results in asset id order; \`properties.fields\` are the fields allowed. \`resource.id\` is ignored.`,
      tags: ['authzen'],
      auth: PEP,
      retries: 'none',
      body: AuthzenResourceSearchRequest,
      responses: {
        200: { description: 'One page of data assets', schema: AuthzenResourceSearchResponse },
        ...problemResponses,
        ...unavailable,
      },
      handler: async ({ body, actor, requestId }) => ({ body: await authzen.searchResources(actor as ClientActor, requestId, body) }),
    }),
    defineRoute({
      method: 'post',
      path: '/access/v1/search/subject',
      operationId: 'authzenSubjectSearch',
      summary: 'Which vendors may act on these fields of this data asset for this purpose now? (AuthZEN subject search)',
      description: `${SEARCH} A vendor is a result when every field of \`resource.properties.fields\` would be allowed. Results in vendor id order. \`subject.id\` is ignored.`,
      tags: ['authzen'],
      auth: PEP,
      retries: 'none',
      body: AuthzenSubjectSearchRequest,
      responses: { 200: { description: 'One page of vendors', schema: AuthzenSubjectSearchResponse }, ...problemResponses, ...unavailable },
      handler: async ({ body, actor, requestId }) => ({ body: await authzen.searchSubjects(actor as ClientActor, requestId, body) }),
    }),
  ];
}
