import { created, defineRoute, staffPermission, type RouteSpec } from '../http/route';
import { Problem, problemResponses } from '../shared/schemas';
import { appChangeResponses, appNotFoundResponse, owningDepartmentOfApp } from './routes';
import { AppParams } from './schemas';
import {
  CreateSecurityTest,
  CreateVulnerability,
  FixVulnerability,
  SecurityTest,
  SecurityTestPage,
  SecurityTestQuery,
  Vulnerability,
  VulnerabilityPage,
  VulnerabilityParams,
  VulnerabilityQuery,
} from './security-schemas';
import type { AppSecurityService } from './security-service';
import type { AppService } from './service';

export function appSecurityRoutes(apps: Pick<AppService, 'departmentOf'>, security: AppSecurityService): RouteSpec[] {
  const ofApp = owningDepartmentOfApp(apps);
  return [
    defineRoute({
      method: 'post',
      path: '/v1/apps/{id}/security-tests',
      operationId: 'recordAppSecurityTest',
      summary: 'Record a penetration test, compatibility test or privacy review',
      tags: ['apps'],
      auth: staffPermission('app', 'record_security', ofApp),
      params: AppParams,
      body: CreateSecurityTest,
      responses: { 201: { description: 'Recorded', schema: SecurityTest }, ...appChangeResponses },
      handler: ({ params, body, change }) => created(security.recordTest(change, params.id, body)),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/apps/{id}/security-tests',
      operationId: 'listAppSecurityTests',
      summary: 'List an app’s security tests, most recent first',
      tags: ['apps'],
      auth: staffPermission('app', 'read', ofApp),
      params: AppParams,
      query: SecurityTestQuery,
      responses: {
        200: { description: 'A page of security tests', schema: SecurityTestPage },
        ...problemResponses,
        ...appNotFoundResponse,
      },
      handler: async ({ params, query }) => ({ body: await security.listTests(params.id, query) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/apps/{id}/vulnerabilities',
      operationId: 'reportAppVulnerability',
      summary: 'Record a vulnerability with its rectification deadline',
      tags: ['apps'],
      auth: staffPermission('app', 'record_security', ofApp),
      params: AppParams,
      body: CreateVulnerability,
      responses: { 201: { description: 'Recorded', schema: Vulnerability }, ...appChangeResponses },
      handler: ({ params, body, change }) => created(security.reportVulnerability(change, params.id, body)),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/apps/{id}/vulnerabilities',
      operationId: 'listAppVulnerabilities',
      summary: 'List an app’s vulnerabilities, most recently reported first',
      description: 'status: open (not fixed, not yet due), overdue (not fixed, past due) or fixed.',
      tags: ['apps'],
      auth: staffPermission('app', 'read', ofApp),
      params: AppParams,
      query: VulnerabilityQuery,
      responses: {
        200: { description: 'A page of vulnerabilities', schema: VulnerabilityPage },
        ...problemResponses,
        ...appNotFoundResponse,
      },
      handler: async ({ params, query }) => ({ body: await security.listVulnerabilities(params.id, query) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/apps/{id}/vulnerabilities/{vulnerabilityId}/fix',
      operationId: 'fixAppVulnerability',
      summary: 'Record that a vulnerability is fixed, with the evidence',
      tags: ['apps'],
      auth: staffPermission('app', 'record_security', ofApp),
      params: VulnerabilityParams,
      body: FixVulnerability,
      responses: {
        200: { description: 'The fixed vulnerability', schema: Vulnerability },
        ...problemResponses,
        404: { description: 'Unknown app or vulnerability', schema: Problem },
        409: { description: 'Already fixed, or the app is retired', schema: Problem },
      },
      handler: async ({ params, body, change }) => ({
        body: await security.fixVulnerability(change, params.id, params.vulnerabilityId, body),
      }),
    }),
  ];
}
