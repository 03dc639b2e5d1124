import { GLOBAL, defineRoute, staffPermission, type RouteSpec } from '../../http/route';
import { Problem, problemResponses } from '../../shared/schemas';
import type { ClientService } from './client-service';
import {
  ClientPage,
  ClientParams,
  ClientQuery,
  OAuthClient,
  RegisterInternalClient,
  RegisteredClient,
  RotateClientCredentials,
} from '../schemas';

/** /v1/clients: administrators manage the bank's internal OAuth clients (and can see and disable any client). */
export function clientRoutes(clients: ClientService): RouteSpec[] {
  const notFound = { 404: { description: 'Unknown client', schema: Problem } };
  const secretShown = {
    description: 'A retry (same Idempotency-Key) of a registration that showed a secret: `secret_already_shown`',
    schema: Problem,
  };
  return [
    defineRoute({
      method: 'post',
      path: '/v1/clients',
      operationId: 'registerClient',
      summary: 'Register an internal client (enforcement point or app back end)',
      description:
        'For client_secret_* methods the secret is in this response only; the service keeps a hash. ' +
        'A retry with the same Idempotency-Key gets 409 `secret_already_shown` (naming the client), never the secret again.',
      tags: ['clients'],
      auth: staffPermission('client', 'create', GLOBAL),
      body: RegisterInternalClient,
      responses: { 201: { description: 'Registered', schema: RegisteredClient }, ...problemResponses, 409: secretShown },
      handler: async ({ body, change }) => ({
        status: 201,
        body: await clients.register(change, { ...body, kind: 'internal' }),
        headers: { 'Cache-Control': 'no-store' },
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/clients',
      operationId: 'listClients',
      summary: 'List clients',
      tags: ['clients'],
      auth: staffPermission('client', 'read', GLOBAL),
      query: ClientQuery,
      responses: { 200: { description: 'A page of clients', schema: ClientPage }, ...problemResponses },
      handler: async ({ query }) => ({ body: await clients.list(query, query.limit) }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/clients/{clientId}',
      operationId: 'getClient',
      summary: 'Get a client',
      tags: ['clients'],
      auth: staffPermission('client', 'read', GLOBAL),
      params: ClientParams,
      responses: { 200: { description: 'The client', schema: OAuthClient }, ...problemResponses, ...notFound },
      handler: async ({ params }) => ({ body: await clients.get(params.clientId) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/clients/{clientId}/disable',
      operationId: 'disableClient',
      summary: 'Disable a client; its tokens stop working at once',
      tags: ['clients'],
      auth: staffPermission('client', 'disable', GLOBAL),
      params: ClientParams,
      responses: {
        200: { description: 'The disabled client', schema: OAuthClient },
        ...problemResponses,
        ...notFound,
        409: { description: 'Already disabled', schema: Problem },
      },
      handler: async ({ params, change }) => ({ body: await clients.disable(change, params.clientId) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/clients/{clientId}/rotate-credentials',
      operationId: 'rotateClientCredentials',
      summary: 'Rotate a client’s secret (shown once) or replace its key set',
      description:
        'After a secret rotation the previous secret keeps working for graceSeconds (default 24 hours, at most 7 days; 0 ends it at once). ' +
        'A retry with the same Idempotency-Key gets 409 `secret_already_shown`, never the new secret again.',
      tags: ['clients'],
      auth: staffPermission('client', 'rotate_credentials', GLOBAL),
      params: ClientParams,
      body: RotateClientCredentials,
      responses: {
        200: { description: 'The client with its new secret', schema: RegisteredClient },
        ...problemResponses,
        ...notFound,
        409: {
          description:
            'The client is disabled (`client_disabled`), or this is a retry of a rotation that showed its secret (`secret_already_shown`)',
          schema: Problem,
        },
      },
      handler: async ({ params, body, change }) => ({
        body: await clients.rotateCredentials(change, params.clientId, body),
        headers: { 'Cache-Control': 'no-store' },
      }),
    }),
  ];
}
