import { jsonOrCsvReport, toCsv } from '../../shared/csv';
import { ANY_DEPARTMENT, GLOBAL, defineRoute, staffPermission, type RouteSpec } from '../../http/route';
import { notAcceptableResponse, problemResponses } from '../../shared/schemas';
import { z } from '../../shared/zod';
import { appChangeResponses, appNotFoundResponse, owningDepartmentOfApp } from '../routes';
import { AppParams } from '../schemas';
import type { AppService } from '../service';
import {
  AppResponsibilityMatrix,
  LeadDepartment,
  RESPONSIBILITY_AREAS,
  ResponsibilityMatrixReport,
  SetLeadDepartment,
  SetResponsibilityMatrix,
} from './schemas';
import type { LeadDepartmentService, ResponsibilityService } from './service';

/** One row per app and area (RFC 4180, through the shared writer). */
export function responsibilityCsv(report: ResponsibilityMatrixReport): string {
  return toCsv(
    [
      'app_id',
      'app_name',
      'lifecycle_state',
      'owning_department',
      'responsible_person',
      'business_owner',
      'technology_owner',
      'area',
      'department',
      'person',
    ],
    report.apps.flatMap((a) =>
      RESPONSIBILITY_AREAS.map((area) => [
        a.appId,
        a.appName,
        a.lifecycleState,
        a.owningDepartment,
        a.responsiblePerson,
        a.businessOwner,
        a.technologyOwner,
        area,
        a[area]?.department ?? null,
        a[area]?.person ?? null,
      ]),
    ),
  );
}

export function accountabilityRoutes(
  apps: Pick<AppService, 'departmentOf'>,
  lead: LeadDepartmentService,
  responsibilities: ResponsibilityService,
): RouteSpec[] {
  const ofApp = owningDepartmentOfApp(apps);
  return [
    defineRoute({
      method: 'get',
      path: '/v1/app-management/lead-department',
      operationId: 'getAppLeadDepartment',
      summary: 'The institution’s lead department for mobile-app management',
      tags: ['apps'],
      auth: staffPermission('app_settings', 'read', ANY_DEPARTMENT),
      responses: { 200: { description: 'The lead department (department null until named)', schema: LeadDepartment }, ...problemResponses },
      handler: async () => ({ body: await lead.get() }),
    }),
    defineRoute({
      method: 'put',
      path: '/v1/app-management/lead-department',
      operationId: 'setAppLeadDepartment',
      summary: 'Name the lead department for mobile-app management (administrators holding the role everywhere)',
      description:
        'Its app managers (app:approve held there) approve app entry and retirement. Audited as app.lead_department_set with before and after.',
      tags: ['apps'],
      auth: staffPermission('app_settings', 'update', GLOBAL),
      body: SetLeadDepartment,
      responses: { 200: { description: 'The lead department now', schema: LeadDepartment }, ...problemResponses },
      handler: async ({ body, change }) => ({ body: await lead.set(change, body) }),
    }),
    defineRoute({
      method: 'put',
      path: '/v1/apps/{id}/responsibility-matrix',
      operationId: 'setAppResponsibilityMatrix',
      summary: 'Name who answers for the app’s business, data, security and operations',
      tags: ['apps'],
      auth: staffPermission('app', 'update', ofApp),
      params: AppParams,
      body: SetResponsibilityMatrix,
      responses: { 200: { description: 'The app’s matrix', schema: AppResponsibilityMatrix }, ...appChangeResponses },
      handler: async ({ params, body, change }) => ({ body: await responsibilities.set(change, params.id, body) }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/apps/{id}/responsibility-matrix',
      operationId: 'getAppResponsibilityMatrix',
      summary: 'An app’s owners and who answers for its business, data, security and operations',
      tags: ['apps'],
      auth: staffPermission('app', 'read', ofApp),
      params: AppParams,
      responses: { 200: { description: 'The app’s matrix', schema: AppResponsibilityMatrix }, ...problemResponses, ...appNotFoundResponse },
      handler: async ({ params }) => ({ body: await responsibilities.get(params.id) }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/reports/app-responsibility-matrix',
      operationId: 'appResponsibilityMatrixReport',
      summary: 'The responsibility matrix of every app not retired',
      description: 'JSON by default; RFC 4180 CSV (one row per app and area) with `Accept: text/csv`.',
      tags: ['reports'],
      auth: staffPermission('report', 'app_responsibility', GLOBAL),
      query: z.strictObject({}),
      responses: {
        200: { description: 'The matrix', schema: ResponsibilityMatrixReport, alternatives: { 'text/csv': z.string() } },
        ...problemResponses,
        ...notAcceptableResponse,
      },
      handler: ({ ctx }) => jsonOrCsvReport(ctx, () => responsibilities.report(), responsibilityCsv, 'app-responsibility-matrix.csv'),
    }),
  ];
}
