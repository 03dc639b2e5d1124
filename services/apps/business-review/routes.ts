import { ANY_DEPARTMENT, GLOBAL, created, defineRoute, staffPermission, type RouteSpec } from '../../http/route';
import { Problem, problemResponses } from '../../shared/schemas';
import { appChangeResponses, appNotFoundResponse, owningDepartmentOfApp } from '../routes';
import { AppParams } from '../schemas';
import type { AppService } from '../service';
import type { LicensedScopeService } from './licensed-scope';
import {
  BusinessProfile,
  CloseComplianceFinding,
  ComplianceFinding,
  ComplianceReview,
  ComplianceReviewPage,
  ComplianceReviewQuery,
  FindingParams,
  LicensedScope,
  RecordComplianceReview,
  SetBusinessProfile,
  SetLicensedScope,
} from './schemas';
import type { BusinessReviewService } from './service';

export function businessReviewRoutes(
  apps: Pick<AppService, 'departmentOf'>,
  licence: LicensedScopeService,
  reviews: BusinessReviewService,
): RouteSpec[] {
  const ofApp = owningDepartmentOfApp(apps);
  return [
    defineRoute({
      method: 'get',
      path: '/v1/app-management/licensed-scope',
      operationId: 'getAppLicensedScope',
      summary: 'The institution’s licensed business lines and regions',
      tags: ['apps'],
      auth: staffPermission('licensed_scope', 'read', ANY_DEPARTMENT),
      responses: { 200: { description: 'The licensed scope (empty until set)', schema: LicensedScope }, ...problemResponses },
      handler: async () => ({ body: await licence.get() }),
    }),
    defineRoute({
      method: 'put',
      path: '/v1/app-management/licensed-scope',
      operationId: 'setAppLicensedScope',
      summary: 'Set the institution’s licensed business lines and regions (compliance officers holding the role everywhere)',
      description:
        'Replaces the scope. Apps declaring a business line or region outside it fail their compliance review and the release gate. Audited as app.licensed_scope_set with before and after; the same scope again writes nothing.',
      tags: ['apps'],
      auth: staffPermission('licensed_scope', 'update', GLOBAL),
      body: SetLicensedScope,
      responses: { 200: { description: 'The licensed scope now', schema: LicensedScope }, ...problemResponses },
      handler: async ({ body, change }) => ({ body: await licence.set(change, body) }),
    }),
    defineRoute({
      method: 'put',
      path: '/v1/apps/{id}/business-profile',
      operationId: 'setAppBusinessProfile',
      summary: 'Declare an app’s business lines, regions served, third-party cooperative business and products sold',
      description:
        'App managers (app:update) of the owning department. Replaces the profile; a declaration outside the licensed scope is recorded as declared and flagged (outsideLicence). Audited as app.business_profile_declared with before and after.',
      tags: ['apps'],
      auth: staffPermission('app', 'update', ofApp),
      params: AppParams,
      body: SetBusinessProfile,
      responses: { 200: { description: 'The profile now', schema: BusinessProfile }, ...appChangeResponses },
      handler: async ({ params, body, change }) => ({ body: await reviews.setProfile(change, params.id, body) }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/apps/{id}/business-profile',
      operationId: 'getAppBusinessProfile',
      summary: 'An app’s declared business, compared with the licensed scope',
      tags: ['apps'],
      auth: staffPermission('app', 'read', ofApp),
      params: AppParams,
      responses: {
        200: { description: 'The profile', schema: BusinessProfile },
        ...problemResponses,
        404: { description: 'Unknown app, or nothing declared yet', schema: Problem },
      },
      handler: async ({ params }) => ({ body: await reviews.getProfile(params.id) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/apps/{id}/compliance-reviews',
      operationId: 'recordAppComplianceReview',
      summary: 'Record a compliance review of an app’s business: outcome, summary and findings with due dates',
      description:
        'Compliance officers (app_compliance:review) of the owning department or everywhere; never the app’s proposer, the declarer of its business or its business owner (403 separation_of_duties). A passed review needs the declared business within the licensed scope (409 outside_licensed_scope). Audited as app.compliance_review_recorded.',
      tags: ['apps'],
      auth: staffPermission('app_compliance', 'review', ofApp),
      params: AppParams,
      body: RecordComplianceReview,
      responses: {
        201: { description: 'Recorded', schema: ComplianceReview },
        ...problemResponses,
        ...appNotFoundResponse,
        409: {
          description:
            'The app is retired, has not declared its business, or serves outside the licensed scope (or none is set) for a pass',
          schema: Problem,
        },
      },
      handler: ({ params, body, change }) => created(reviews.recordReview(change, params.id, body)),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/apps/{id}/compliance-reviews',
      operationId: 'listAppComplianceReviews',
      summary: 'An app’s compliance reviews, latest first, with their findings',
      tags: ['apps'],
      auth: staffPermission('app', 'read', ofApp),
      params: AppParams,
      query: ComplianceReviewQuery,
      responses: { 200: { description: 'A page of reviews', schema: ComplianceReviewPage }, ...problemResponses, ...appNotFoundResponse },
      handler: async ({ params, query }) => ({ body: await reviews.listReviews(params.id, query) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/apps/{id}/compliance-findings/{findingId}/close',
      operationId: 'closeAppComplianceFinding',
      summary: 'Close a compliance-review finding with the evidence of what was put right',
      description:
        'Compliance officers (app_compliance:review) of the owning department or everywhere. Audited as app.compliance_finding_closed (with whether it was late).',
      tags: ['apps'],
      auth: staffPermission('app_compliance', 'review', ofApp),
      params: FindingParams,
      body: CloseComplianceFinding,
      responses: {
        200: { description: 'Closed', schema: ComplianceFinding },
        ...problemResponses,
        404: { description: 'Unknown app, or no such finding of the app', schema: Problem },
        409: { description: 'Already closed, or the app is retired', schema: Problem },
      },
      handler: async ({ params, body, change }) => ({
        body: await reviews.closeFinding(change, params.id, params.findingId, body),
      }),
    }),
  ];
}
