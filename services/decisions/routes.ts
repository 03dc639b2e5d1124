import { defineRoute, type ClientActor, type RouteSpec } from '../http/route';
import { Problem, problemResponses } from '../shared/schemas';
import { Decision, DecisionRequest } from './schemas';
import type { DecisionService } from './service';

export function decisionRoutes(decisions: DecisionService): RouteSpec[] {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/decisions',
      operationId: 'decideAccess',
      summary: 'May this vendor do this action on these fields for this purpose?',
      description:
        'For enforcement points (internal clients with role pep). Answers field by field; default deny, with a reason for each denied field. ' +
        'Unknown vendors, assets and fields are denials, not errors. Every decision is durably audited before the answer is sent; when it cannot be, the answer is 503.',
      tags: ['decisions'],
      auth: { kind: 'client', roles: ['pep'] },
      body: DecisionRequest,
      // A decision depends on live state (suspension, revocation, consent): a retry is decided again.
      retries: 'answer-afresh',
      responses: {
        200: { description: 'The decision', schema: Decision },
        ...problemResponses,
        503: { description: 'Not able to decide safely (policies not loaded, or the audit write failed)', schema: Problem },
      },
      handler: async ({ body, actor, requestId, change }) => ({
        body: await decisions.decide(actor as ClientActor, requestId, body, change.idempotent),
      }),
    }),
  ];
}
