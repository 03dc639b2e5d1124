import { ANY_DEPARTMENT, GLOBAL, defineRoute, staffPermission, type RouteSpec } from '../http/route';
import { Problem, problemResponses } from '../shared/schemas';
import { CreateDepartment, Department, DepartmentPage, DepartmentParams, DepartmentQuery, UpdateDepartment } from './schemas';
import type { DepartmentService } from './service';

export function departmentRoutes(departments: DepartmentService): RouteSpec[] {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/departments',
      operationId: 'createDepartment',
      summary: 'Register a department',
      tags: ['departments'],
      auth: staffPermission('department', 'create', GLOBAL),
      body: CreateDepartment,
      responses: {
        201: { description: 'Created', schema: Department },
        ...problemResponses,
        409: { description: 'The code is taken', schema: Problem },
      },
      handler: async ({ body, change }) => ({
        status: 201,
        body: await departments.create(change, body),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/departments',
      operationId: 'listDepartments',
      summary: 'List departments',
      tags: ['departments'],
      auth: staffPermission('department', 'read', ANY_DEPARTMENT),
      query: DepartmentQuery,
      responses: { 200: { description: 'A page of departments', schema: DepartmentPage }, ...problemResponses },
      handler: async ({ query }) => ({ body: await departments.list(query, query.limit) }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/departments/{code}',
      operationId: 'getDepartment',
      summary: 'Get a department',
      tags: ['departments'],
      auth: staffPermission('department', 'read', ANY_DEPARTMENT),
      params: DepartmentParams,
      responses: {
        200: { description: 'The department', schema: Department },
        ...problemResponses,
        404: { description: 'Unknown department', schema: Problem },
      },
      handler: async ({ params }) => ({ body: await departments.get(params.code) }),
    }),
    defineRoute({
      method: 'patch',
      path: '/v1/departments/{code}',
      operationId: 'updateDepartment',
      summary: 'Change a department’s name, kind or parent',
      tags: ['departments'],
      auth: staffPermission('department', 'update', GLOBAL),
      params: DepartmentParams,
      body: UpdateDepartment,
      responses: {
        200: { description: 'The updated department', schema: Department },
        ...problemResponses,
        404: { description: 'Unknown department', schema: Problem },
        409: { description: 'The new parent would make a cycle', schema: Problem },
      },
      handler: async ({ params, body, change }) => ({
        body: await departments.update(change, params.code, body),
      }),
    }),
  ];
}
