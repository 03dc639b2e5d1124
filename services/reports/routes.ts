import { csvResult, jsonOrCsv } from '../shared/csv';
import { GLOBAL, defineRoute, staffPermission, type RouteSpec } from '../shared/route';
import { Problem, problemResponses } from '../shared/schemas';
import { z } from '../shared/zod';
import { VendorAccessReport, vendorAccessCsv, type VendorAccessReportService } from './vendor-access';

export function reportRoutes(vendorAccess: VendorAccessReportService): RouteSpec[] {
  return [
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
