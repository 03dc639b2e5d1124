import { ValidationError } from '../shared/errors';
import { ANY_DEPARTMENT, defineRoute, staffPermission, type PermissionScope, type RouteSpec } from '../http/route';
import { IdParams, Problem, problemResponses } from '../shared/schemas';
import { AccessGrant, CreateAccessGrant, GrantPage, GrantQuery, OptionalNote, Reason } from './schemas';
import type { AccessGrantService, GrantDirectory } from './service';

const notFound = { 404: { description: 'Unknown grant', schema: Problem } };
const conflict = { 409: { description: 'The grant is not in a state that allows this', schema: Problem } };

export function accessGrantRoutes(grants: AccessGrantService, directory: GrantDirectory): RouteSpec[] {
  const ownerOfGrant: PermissionScope = { kind: 'department', resolve: ({ params }) => grants.departmentOf(params.id) };
  const ownerOfRequestedAsset: PermissionScope = {
    kind: 'department',
    resolve: async ({ body }) => {
      const ref = (body as { asset?: unknown } | undefined)?.asset;
      const asset = typeof ref === 'string' && ref.length <= 200 ? await directory.asset(ref) : undefined;
      if (!asset) throw new ValidationError('body.asset: unknown data asset', [{ path: 'body.asset', message: 'unknown data asset' }]);
      return asset.owningDepartment;
    },
  };
  return [
    defineRoute({
      method: 'post',
      path: '/v1/access-grants',
      operationId: 'requestAccessGrant',
      summary: 'Request need-to-know access for a vendor',
      description:
        'Fields of one asset, for one purpose from the vendor’s contract, for a bounded window (at most 365 days, within the contract). ' +
        'The owning department’s data owner approves; grants with a sensitive field also need a privacy officer.',
      tags: ['access-grants'],
      auth: staffPermission('access_grant', 'request', ownerOfRequestedAsset),
      body: CreateAccessGrant,
      responses: { 201: { description: 'Requested', schema: AccessGrant }, ...problemResponses, ...conflict },
      handler: async ({ body, change }) => ({ status: 201, body: await grants.request(change, body) }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/access-grants',
      operationId: 'listAccessGrants',
      summary: 'List access grants (filter by vendor, asset, purpose, status)',
      tags: ['access-grants'],
      auth: staffPermission('access_grant', 'read', ANY_DEPARTMENT),
      query: GrantQuery,
      responses: { 200: { description: 'A page of grants', schema: GrantPage }, ...problemResponses },
      handler: async ({ query, access }) => ({ body: await grants.list(query, access) }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/access-grants/{id}',
      operationId: 'getAccessGrant',
      summary: 'Get an access grant',
      tags: ['access-grants'],
      auth: staffPermission('access_grant', 'read', ANY_DEPARTMENT),
      params: IdParams,
      responses: { 200: { description: 'The grant', schema: AccessGrant }, ...problemResponses, ...notFound },
      handler: async ({ params, access }) => ({ body: await grants.get(params.id, access) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/access-grants/{id}/approve',
      operationId: 'approveAccessGrant',
      summary: 'Approve as the owning department’s data owner, or co-approve as a privacy officer',
      description:
        'Never by the requester; one person cannot give both approvals. The grant becomes policy when every approval it needs is in. ' +
        'Every approval needs: a vendor whose latest security assessment passed within 12 months (409 `security_assessment_not_current`); ' +
        'an asset, fields and purpose that are not retired (409 `asset_retired`, `fields_retired`, `purpose_retired`); and, for sensitive fields, ' +
        'every current notice of the purpose disclosing them — a consent-based purpose needs one (409 `sensitive_data_not_in_notice`).',
      tags: ['access-grants'],
      auth: staffPermission('access_grant', 'approve', ownerOfGrant),
      params: IdParams,
      body: OptionalNote,
      responses: {
        200: { description: 'The grant after this approval', schema: AccessGrant },
        ...problemResponses,
        ...notFound,
        ...conflict,
      },
      handler: async ({ params, body, change }) => ({ body: await grants.approve(change, params.id, body.note) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/access-grants/{id}/reject',
      operationId: 'rejectAccessGrant',
      summary: 'Reject a requested grant, with a reason',
      tags: ['access-grants'],
      auth: staffPermission('access_grant', 'reject', ownerOfGrant),
      params: IdParams,
      body: Reason,
      responses: { 200: { description: 'The rejected grant', schema: AccessGrant }, ...problemResponses, ...notFound, ...conflict },
      handler: async ({ params, body, change }) => ({ body: await grants.reject(change, params.id, body.reason) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/access-grants/{id}/revoke',
      operationId: 'revokeAccessGrant',
      summary: 'Revoke an approved grant at once, with a reason',
      description: 'Every later decision denies and tokens narrowed to it become inactive (within 1 second on every replica).',
      tags: ['access-grants'],
      auth: staffPermission('access_grant', 'revoke', ownerOfGrant),
      params: IdParams,
      body: Reason,
      responses: { 200: { description: 'The revoked grant', schema: AccessGrant }, ...problemResponses, ...notFound, ...conflict },
      handler: async ({ params, body, change }) => ({ body: await grants.revoke(change, params.id, body.reason) }),
    }),
  ];
}
