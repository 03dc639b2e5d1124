import { jsonOrCsvReport } from '../shared/csv';
import { GLOBAL, defineRoute, staffPermission, type RouteSpec } from '../http/route';
import { notAcceptableResponse, problemResponses } from '../shared/schemas';
import { z } from '../shared/zod';
import { AppConsolidationReport, consolidationCsv, type AppConsolidationReportService } from './consolidation-report';

export function appReportRoutes(consolidation: AppConsolidationReportService): RouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/reports/app-consolidation',
      operationId: 'appConsolidationReport',
      summary: 'Apps in service that are candidates for consolidation, with the reasons and the numbers',
      description:
        'Low activity, poor satisfaction (thresholds from APP_LOW_ACTIVITY_MAU and APP_POOR_SATISFACTION_BELOW), business scenarios shared ' +
        'with another app of the same audience, open high or critical vulnerabilities. JSON by default; RFC 4180 CSV (one row per app and reason) with `Accept: text/csv`.',
      tags: ['reports'],
      auth: staffPermission('report', 'app_consolidation', GLOBAL),
      query: z.strictObject({}),
      responses: {
        200: { description: 'The report', schema: AppConsolidationReport, alternatives: { 'text/csv': z.string() } },
        ...problemResponses,
        ...notAcceptableResponse,
      },
      handler: ({ ctx }) => jsonOrCsvReport(ctx, () => consolidation.build(), consolidationCsv, 'app-consolidation.csv'),
    }),
  ];
}
