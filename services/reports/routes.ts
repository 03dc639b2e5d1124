import { csvResult, jsonOrCsv } from '../shared/csv';
import { GLOBAL, defineRoute, staffPermission, type RouteSpec } from '../shared/route';
import { Problem, problemResponses } from '../shared/schemas';
import { z } from '../shared/zod';
import { ComplianceReport, complianceCsv, complianceHtml, type ComplianceReportService } from './compliance';
import { VendorAccessReport, vendorAccessCsv, type VendorAccessReportService } from './vendor-access';

export function reportRoutes(vendorAccess: VendorAccessReportService, compliance: ComplianceReportService): RouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/reports/compliance',
      operationId: 'complianceReport',
      summary: 'One check per requirement an inspector asks about, with counts and example ids',
      description:
        'Owners and classification of assets, vendor grants (end, contract, use, sensitive co-approval), notices and consent, ' +
        'complaints, leak notifications and rectifications, the app ledger, and the audit chain. JSON by default; RFC 4180 CSV with `Accept: text/csv`. ' +
        'A printable page with a summary chart is at /v1/reports/compliance.html.',
      tags: ['reports'],
      auth: staffPermission('report', 'compliance', GLOBAL),
      responses: {
        200: { description: 'The report', schema: ComplianceReport, alternatives: { 'text/csv': z.string() } },
        ...problemResponses,
        406: { description: 'Neither JSON nor CSV is acceptable', schema: Problem },
      },
      handler: async ({ ctx }) => {
        const format = jsonOrCsv(ctx);
        const report = await compliance.build();
        return format === 'csv' ? csvResult(complianceCsv(report), 'compliance.csv') : { body: report, headers: { Vary: 'Accept' } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/reports/compliance.html',
      operationId: 'complianceReportHtml',
      summary: 'The compliance report as a printable page with a summary chart',
      tags: ['reports'],
      auth: staffPermission('report', 'compliance', GLOBAL),
      responses: { 200: { description: 'HTML page', alternatives: { 'text/html': z.string() } }, ...problemResponses },
      handler: async () => ({
        body: complianceHtml(await compliance.build()),
        type: 'text/html; charset=utf-8',
        headers: { 'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'", 'Cache-Control': 'no-store' },
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/reports/vendor-access',
      operationId: 'vendorAccessReport',
      summary: 'What each vendor may touch now, who approved it, and when it was last used',
      description: 'Grants unused for 30 days are flagged for revocation. JSON by default; RFC 4180 CSV with `Accept: text/csv`.',
      tags: ['reports'],
      auth: staffPermission('report', 'vendor_access', GLOBAL),
      responses: {
        200: { description: 'The report', schema: VendorAccessReport, alternatives: { 'text/csv': z.string() } },
        ...problemResponses,
        406: { description: 'Neither JSON nor CSV is acceptable', schema: Problem },
      },
      handler: async ({ ctx }) => {
        const format = jsonOrCsv(ctx);
        const report = await vendorAccess.build();
        return format === 'csv' ? csvResult(vendorAccessCsv(report), 'vendor-access.csv') : { body: report, headers: { Vary: 'Accept' } };
      },
    }),
  ];
}
