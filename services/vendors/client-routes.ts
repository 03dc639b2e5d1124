import { RegisterVendorClient, RegisteredClient, type ClientService } from '../oauth';
import { ClientPage } from '../oauth/schemas';
import { ConflictError } from '../shared/errors';
import { ANY_DEPARTMENT, GLOBAL, defineRoute, staffPermission, type RouteSpec } from '../http/route';
import { PageQuery, Problem, problemResponses } from '../shared/schemas';
import { z } from '../shared/zod';
import { VendorParams } from './schemas';
import type { VendorService } from './service';

const ClientQuery = z.strictObject({ ...PageQuery, status: z.enum(['active', 'disabled']).optional() });

/** A vendor's OAuth clients: the machine identities its systems use to get narrowed access tokens. */
export function vendorClientRoutes(vendors: VendorService, clients: ClientService): RouteSpec[] {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/vendors/{id}/clients',
      operationId: 'registerVendorClient',
      summary: 'Register an OAuth client for a vendor',
      description:
        'Vendor managers only, for active vendors. A client secret (client_secret_basic/post) is shown once, in this response; ' +
        'private_key_jwt clients register a public JWK set or a jwks_uri. Tokens for vendor clients carry only the data access their active grants cover, ' +
        'in every department, so the role must be held for every department (`*`).',
      tags: ['vendors'],
      auth: staffPermission('vendor', 'manage_clients', GLOBAL),
      params: VendorParams,
      body: RegisterVendorClient,
      responses: {
        201: { description: 'Registered; the secret (if any) is never shown again', schema: RegisteredClient },
        ...problemResponses,
        404: { description: 'Unknown vendor', schema: Problem },
        409: {
          description:
            'The vendor is suspended or terminated (`vendor_not_active`), or this is a retry (same Idempotency-Key) of a registration that showed a secret (`secret_already_shown`)',
          schema: Problem,
        },
      },
      handler: async ({ params, body, change }) => {
        const vendor = await vendors.get(params.id);
        if (vendor.status !== 'active')
          throw new ConflictError('vendor_not_active', `The vendor is ${vendor.status}; clients are registered for active vendors only`);
        const registered = await clients.register(change, { kind: 'vendor', vendorId: vendor.id, ...body });
        return { status: 201, body: registered, headers: { 'Cache-Control': 'no-store' } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/vendors/{id}/clients',
      operationId: 'listVendorClients',
      summary: 'List a vendor’s OAuth clients',
      tags: ['vendors'],
      auth: staffPermission('vendor', 'read', ANY_DEPARTMENT),
      params: VendorParams,
      query: ClientQuery,
      responses: {
        200: { description: 'A page of clients (never their secrets)', schema: ClientPage },
        ...problemResponses,
        404: { description: 'Unknown vendor', schema: Problem },
      },
      handler: async ({ params, query }) => {
        const vendor = await vendors.get(params.id);
        return {
          body: await clients.list({ kind: 'vendor', vendorId: vendor.id, status: query.status, cursor: query.cursor }, query.limit),
        };
      },
    }),
  ];
}
