import { ForbiddenError } from '../shared/errors';
import { ANY_DEPARTMENT, defineRoute, staffPermission, type Actor, type ClientActor, type RouteAuth, type RouteSpec } from '../http/route';
import { Problem, problemResponses } from '../shared/schemas';
import {
  Consent,
  ConsentCheckQuery,
  ConsentHistory,
  ConsentHistoryQuery,
  ConsentParams,
  ConsentReceipt,
  ConsentStatus,
  RecordConsent,
  WithdrawConsent,
  Withdrawal,
} from './schemas';
import type { ConsentService } from './service';

/** App back ends: internal OAuth clients holding the consent_collector role. */
const COLLECTORS: RouteAuth = { kind: 'client', roles: ['consent_collector'] };
const NO_RAW_IDS = 'The customer id is used only to compute its pseudonym; it is never stored or logged.';

function collector(actor: Actor): ClientActor {
  if (actor.kind !== 'client') throw new ForbiddenError('Only app back ends (consent collectors) may call this endpoint');
  return actor;
}

export function consentRoutes(consents: ConsentService): RouteSpec[] {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/consents',
      operationId: 'recordConsent',
      summary: 'Record a customer’s consent to the notice version they were shown',
      description:
        `${NO_RAW_IDS} The version must be published for the purpose and not superseded by a material version; ` +
        'a notice that lists sensitive personal information needs `separate: true` (PIPL Art. 29).',
      tags: ['consents'],
      auth: COLLECTORS,
      body: RecordConsent,
      responses: {
        201: { description: 'Recorded; the receipt is at receiptUrl', schema: Consent },
        ...problemResponses,
        409: { description: '`notice_superseded`, or `consent_not_applicable` (the purpose does not rest on consent)', schema: Problem },
      },
      handler: async ({ body, actor, change }) => {
        const consent = await consents.record(change, collector(actor), body);
        return { status: 201, body: consent, headers: { Location: consent.receiptUrl } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/consents/withdrawals',
      operationId: 'withdrawConsent',
      summary: 'Withdraw a customer’s consent to a purpose',
      description: `${NO_RAW_IDS} Any collector may take a withdrawal (PIPL Art. 15); decisions that depend on the consent deny from the next one.`,
      tags: ['consents'],
      auth: COLLECTORS,
      body: WithdrawConsent,
      responses: {
        201: { description: 'Withdrawn', schema: Withdrawal },
        ...problemResponses,
        409: { description: 'No consent to withdraw (`no_consent_to_withdraw`)', schema: Problem },
      },
      handler: async ({ body, actor, change }) => ({
        status: 201,
        body: await consents.withdraw(change, collector(actor), body),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/consents/check',
      operationId: 'checkConsent',
      summary: 'Is the customer’s consent to a purpose current?',
      description: `${NO_RAW_IDS} Stale when a later material notice version needs a new consent.`,
      tags: ['consents'],
      auth: COLLECTORS,
      query: ConsentCheckQuery,
      responses: {
        200: { description: 'The consent state', schema: ConsentStatus },
        ...problemResponses,
        404: { description: 'Unknown purpose', schema: Problem },
      },
      handler: async ({ query }) => ({
        body: await consents.check(query.subject, query.purpose),
        headers: { 'Cache-Control': 'no-store' },
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/consents/history',
      operationId: 'listOwnConsentHistory',
      summary: 'A customer’s consents and withdrawals recorded by the calling app back end',
      description: `${NO_RAW_IDS} A collector sees only what it recorded itself.`,
      tags: ['consents'],
      auth: COLLECTORS,
      query: ConsentHistoryQuery,
      responses: { 200: { description: 'Newest first', schema: ConsentHistory }, ...problemResponses },
      handler: async ({ query, actor, change }) => ({
        body: await consents.history(change, query, { collectorId: collector(actor).clientId }),
        headers: { 'Cache-Control': 'no-store' },
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/consent-history',
      operationId: 'listConsentHistory',
      summary: 'A customer’s consents and withdrawals from every channel',
      description:
        `${NO_RAW_IDS} For privacy officers and auditors; each look-up is audited. Bank-wide roles see every event; a role held in some departments ` +
        'sees only consents given through apps those departments own (and their withdrawals): a consent under a general notice concerns no department.',
      tags: ['consents'],
      auth: staffPermission('consent', 'read', ANY_DEPARTMENT),
      query: ConsentHistoryQuery,
      responses: { 200: { description: 'Newest first', schema: ConsentHistory }, ...problemResponses },
      handler: async ({ query, access, change }) => ({
        body: await consents.history(change, query, { departments: access.all ? undefined : access.departments }),
        headers: { 'Cache-Control': 'no-store' },
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/consents/{id}/receipt',
      operationId: 'getConsentReceipt',
      summary: 'The signed consent receipt (Kantara v1.1, JWS)',
      description: 'Verify it with the keys at /.well-known/jwks.json. Only the collector that recorded the consent may fetch it.',
      tags: ['consents'],
      auth: COLLECTORS,
      params: ConsentParams,
      responses: {
        200: { description: 'The receipt', schema: ConsentReceipt },
        ...problemResponses,
        404: { description: 'No consent with this id recorded by the calling client', schema: Problem },
      },
      handler: async ({ params, actor }) => ({
        body: await consents.receipt(collector(actor), params.id),
        headers: { 'Cache-Control': 'no-store' },
      }),
    }),
  ];
}
