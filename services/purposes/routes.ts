import { ANY_DEPARTMENT, GLOBAL, defineRoute, staffPermission, type RouteSpec } from '../http/route';
import { Problem, problemResponses } from '../shared/schemas';
import { CreatePurpose, Purpose, PurposePage, PurposeParams, PurposeQuery, UpdatePurpose } from './schemas';
import type { PurposeService } from './service';

// Purposes are bank-wide, not owned by a department: the role is needed in at least one department.
const WHO_MANAGES = 'Privacy officers define purposes; nobody else may create or change them.';
const WHO_READS = 'Readable by admins, data owners, vendor managers, privacy officers, app managers and auditors.';

const notFound = { 404: { description: 'Unknown purpose', schema: Problem } };

export function purposeRoutes(purposes: PurposeService): RouteSpec[] {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/purposes',
      operationId: 'createPurpose',
      summary: 'Define a processing purpose',
      description: WHO_MANAGES,
      tags: ['purposes'],
      auth: staffPermission('purpose', 'create', GLOBAL),
      body: CreatePurpose,
      responses: {
        201: { description: 'Created', schema: Purpose },
        ...problemResponses,
        409: { description: 'The key is taken (`purpose_exists`)', schema: Problem },
      },
      handler: async ({ body, change }) => ({ status: 201, body: await purposes.create(change, body) }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/purposes',
      operationId: 'listPurposes',
      summary: 'List purposes, by key',
      description: WHO_READS,
      tags: ['purposes'],
      auth: staffPermission('purpose', 'read', ANY_DEPARTMENT),
      query: PurposeQuery,
      responses: { 200: { description: 'A page of purposes', schema: PurposePage }, ...problemResponses },
      handler: async ({ query }) => ({ body: await purposes.list(query, query.limit) }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/purposes/{key}',
      operationId: 'getPurpose',
      summary: 'Get a purpose',
      description: WHO_READS,
      tags: ['purposes'],
      auth: staffPermission('purpose', 'read', ANY_DEPARTMENT),
      params: PurposeParams,
      responses: { 200: { description: 'The purpose', schema: Purpose }, ...problemResponses, ...notFound },
      handler: async ({ params }) => ({ body: await purposes.get(params.key) }),
    }),
    defineRoute({
      method: 'patch',
      path: '/v1/purposes/{key}',
      operationId: 'updatePurpose',
      summary: 'Change a purpose’s description or retention period',
      description:
        `${WHO_MANAGES} The legal basis cannot change (notices were published and consents given under it): ` +
        'retire the purpose and define a new one. A retention change reaches customers only through a new, material notice version.',
      tags: ['purposes'],
      auth: staffPermission('purpose', 'update', GLOBAL),
      params: PurposeParams,
      body: UpdatePurpose,
      responses: {
        200: { description: 'The updated purpose', schema: Purpose },
        ...problemResponses,
        ...notFound,
        409: { description: 'The purpose is retired (`purpose_retired`)', schema: Problem },
      },
      handler: async ({ params, body, change }) => ({ body: await purposes.update(change, params.key, body) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/purposes/{key}/retire',
      operationId: 'retirePurpose',
      summary: 'Retire a purpose for good',
      description:
        `${WHO_MANAGES} A retired purpose cannot be added to contracts, grants, notices or consents; records that name it keep it. ` +
        'Refused while approved grants that have not ended rest on it: revoke them first, so each vendor’s loss of access is its own audited decision.',
      tags: ['purposes'],
      auth: staffPermission('purpose', 'retire', GLOBAL),
      params: PurposeParams,
      responses: {
        200: { description: 'The retired purpose', schema: Purpose },
        ...problemResponses,
        ...notFound,
        409: {
          description: 'Already retired (`purpose_retired`), or approved grants rest on it (`grants_depend_on_it`, listing them)',
          schema: Problem,
        },
      },
      handler: async ({ params, change }) => ({ body: await purposes.retire(change, params.key) }),
    }),
  ];
}
