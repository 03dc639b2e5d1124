import type { Config } from '../config';
import { defineRoute, type RouteSpec } from '../http/route';
import { Problem, problemResponses } from '../shared/schemas';
import { perAddressRateLimit } from '../http/rate-limit';
import { smallJsonBody } from './public-intake';
import { ComplaintReceipt, ComplaintReferenceParams, PublicComplaintStatus, SubmitComplaint } from './schemas';
import type { ComplaintService } from './service';

const rateLimited = {
  429: {
    description: 'Too many requests from this address (`rate_limited`)',
    schema: Problem,
    headers: { 'Retry-After': 'Seconds to wait' },
  },
};

/**
 * How complaints come in. Customers use the public endpoint (no account, limited per address,
 * small bodies); app back ends submit on a customer's behalf on their own authenticated route,
 * so they are audited by client id and never throttled as one address standing for many customers.
 */
export function complaintIntakeRoutes(complaints: ComplaintService, limits: Config['publicComplaints']): RouteSpec[] {
  const bodyLimit = smallJsonBody(limits.bodyLimitBytes);
  return [
    defineRoute({
      method: 'post',
      path: '/v1/public/complaints',
      operationId: 'submitPublicComplaint',
      summary: 'File a privacy complaint (no account needed)',
      description:
        `Answers a tracking reference; keep it. At most ${limits.submissions.points} complaints per ${limits.submissions.windowSeconds} s from one address; ` +
        `bodies up to ${limits.bodyLimitBytes / 1024} KiB. The contact and customer id are kept for the privacy office and never shown here.`,
      tags: ['public', 'complaints'],
      auth: { kind: 'public' },
      before: [perAddressRateLimit('complaint-submit', limits.submissions), bodyLimit],
      body: SubmitComplaint,
      responses: {
        201: { description: 'Received', schema: ComplaintReceipt },
        400: problemResponses[400],
        413: { description: 'The body is too large', schema: Problem },
        415: { description: 'Not JSON', schema: Problem },
        ...rateLimited,
      },
      handler: async ({ body, change }) => ({ status: 201, body: await complaints.submit(change, body) }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/public/complaints/{reference}',
      operationId: 'getPublicComplaintStatus',
      summary: 'Follow a complaint by its tracking reference',
      description: `Status and dates only, no personal data. At most ${limits.lookups.points} look-ups per ${limits.lookups.windowSeconds} s from one address.`,
      tags: ['public', 'complaints'],
      auth: { kind: 'public' },
      before: [perAddressRateLimit('complaint-lookup', limits.lookups)],
      params: ComplaintReferenceParams,
      responses: {
        200: { description: 'The complaint’s status', schema: PublicComplaintStatus },
        400: problemResponses[400],
        404: { description: 'No complaint with this reference', schema: Problem },
        ...rateLimited,
      },
      handler: async ({ params }) => ({ body: await complaints.publicStatus(params.reference) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/complaints',
      operationId: 'submitComplaintForCustomer',
      summary: 'Submit a complaint on a customer’s behalf (app back ends)',
      description: 'The same body as the public endpoint; audited with the client’s id.',
      tags: ['complaints'],
      auth: { kind: 'client', roles: ['consent_collector'] },
      body: SubmitComplaint,
      responses: {
        201: { description: 'Received', schema: ComplaintReceipt },
        ...problemResponses,
        413: { description: 'The body is too large', schema: Problem },
      },
      handler: async ({ body, change }) => ({ status: 201, body: await complaints.submit(change, body) }),
    }),
  ];
}
