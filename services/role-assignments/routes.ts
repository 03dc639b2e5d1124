import { GLOBAL, defineRoute, staffPermission, type RouteSpec } from '../http/route';
import { Problem, problemResponses } from '../shared/schemas';
import { CreateRoleAssignment, RoleAssignment, RoleAssignmentPage, RoleAssignmentParams, RoleAssignmentQuery } from './schemas';
import type { RoleAssignmentService } from './service';

export function roleAssignmentRoutes(roles: RoleAssignmentService): RouteSpec[] {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/role-assignments',
      operationId: 'createRoleAssignment',
      summary: 'Give a staff member a role in a department ("*" for all)',
      tags: ['role-assignments'],
      auth: staffPermission('role_assignment', 'create', GLOBAL),
      body: CreateRoleAssignment,
      responses: {
        201: { description: 'Assigned', schema: RoleAssignment },
        ...problemResponses,
        409: { description: 'Already assigned', schema: Problem },
      },
      handler: async ({ body, change }) => ({ status: 201, body: await roles.assign(change, body) }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/role-assignments',
      operationId: 'listRoleAssignments',
      summary: 'List role assignments',
      tags: ['role-assignments'],
      auth: staffPermission('role_assignment', 'read', GLOBAL),
      query: RoleAssignmentQuery,
      responses: { 200: { description: 'A page of role assignments', schema: RoleAssignmentPage }, ...problemResponses },
      handler: async ({ query }) => ({ body: await roles.list(query, query.limit) }),
    }),
    defineRoute({
      method: 'delete',
      path: '/v1/role-assignments/{id}',
      operationId: 'deleteRoleAssignment',
      summary: 'Take a role away',
      tags: ['role-assignments'],
      auth: staffPermission('role_assignment', 'delete', GLOBAL),
      params: RoleAssignmentParams,
      responses: {
        204: { description: 'Removed' },
        ...problemResponses,
        404: { description: 'Unknown assignment', schema: Problem },
      },
      handler: async ({ params, change }) => {
        await roles.revoke(change, params.id);
        return { status: 204 };
      },
    }),
  ];
}
