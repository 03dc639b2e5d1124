import { csvResult, jsonOrCsv, jsonOrCsvReport } from '../shared/csv';
import { ForbiddenError } from '../shared/errors';
import { GLOBAL, defineRoute, staffPermission, type RouteRequest, type RouteSpec } from '../http/route';
import { IdParams, Problem, notAcceptableResponse, problemResponses } from '../shared/schemas';
import { z } from '../shared/zod';
import { ComplianceReport } from './compliance';
import { complianceCsv, complianceHtml } from './compliance-render';
import type { ComplianceReportService } from './compliance-service';
import { reportLanguage } from './report-language';
import { VendorAccessReport, vendorAccessCsv, type VendorAccessReportService } from './vendor-access';

const Day = (what: string) =>
  z
    .string()
    .max(10)
    .optional()
    .openapi({ description: `${what} (YYYY-MM-DD, in the institution’s time zone)`, example: '2026-06-30' });

export const ComplianceReportQuery = z.strictObject({
  lang: z
    .string()
    .max(35)
    .optional()
    .openapi({
      description:
        'Report language: `zh-CN` (Simplified Chinese; also `zh`, `zh-Hans`, `zh-SG`) or `en` (also `en-*`), case-insensitive; anything else is a 400. ' +
        'Without it, the Accept-Language header chooses; with neither, zh-CN.',
      example: 'en',
    }),
  from: Day('First day covered; defaults to the day after the same date a year before `to`'),
  to: Day('Last day covered; defaults to today and may not be after it'),
});

export const SignedComplianceReport = z
  .object({
    reportId: z.uuid(),
    issuedAt: z.string(),
    preparedBy: z.string(),
    digest: z.string().openapi({ description: '`sha-256:` and the hex SHA-256 of the JWS payload bytes, as printed on the page' }),
    kid: z.string().openapi({ description: 'The signing key: its RFC 7638 thumbprint, published in the JWKS' }),
    jws: z.string().openapi({ description: 'Compact JWS (typ compliance-report+json) whose payload is the ComplianceReport JSON' }),
    publicJwk: z.record(z.string(), z.unknown()).openapi({ description: 'The public key that signed it (its thumbprint is the kid)' }),
    jwksUri: z.string(),
  })
  .openapi('SignedComplianceReport');

const reportDescription =
  'Each check says how many records it examined, how many break the requirement, and up to 10 examples with readable names; ' +
  'a check that examined nothing is `not_applicable`, never `pass`. Codes are stable English; requirement and source are in the report language ' +
  '(`lang`, else Accept-Language, else zh-CN). Every issue is signed (JWS) with the service’s key, kept, and recorded in the audit log ' +
  '(`compliance_report.issued`); its signed form is at /v1/reports/compliance/{reportId}/signed.';

type ReportQuery = z.output<typeof ComplianceReportQuery>;

/** Issues the report in the language and period the request asks for; the caller is its preparer. */
async function issueFor(compliance: ComplianceReportService, req: RouteRequest<unknown, ReportQuery, unknown>) {
  if (req.actor.kind !== 'staff') throw new ForbiddenError();
  const lang = reportLanguage(req.query.lang, req.ctx.get('Accept-Language') || undefined);
  return compliance.issue(req.change, req.actor.subject, {
    lang,
    from: req.query.from,
    to: req.query.to,
  });
}

const LANGUAGE_HEADER = {
  'Content-Language': 'The report’s language: zh-CN or en (chosen by `lang`, else the request’s Accept-Language header, else zh-CN)',
};
const languageHeaders = (lang: string) => ({ 'Content-Language': lang, Vary: 'Accept, Accept-Language', 'Cache-Control': 'no-store' });

export function reportRoutes(vendorAccess: VendorAccessReportService, compliance: ComplianceReportService): RouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/reports/compliance',
      operationId: 'complianceReport',
      summary: 'One check per requirement an inspector asks about, with what each examined, counts and example ids',
      description:
        'Owners and classification of assets, vendor grants (end, contract, use, sensitive co-approval), notices and consent, ' +
        'complaints, leak notifications and rectifications, the app ledger, and the audit chain. ' +
        reportDescription +
        ' JSON by default (exactly the signed payload); RFC 4180 CSV with `Accept: text/csv`. The printable page is at /v1/reports/compliance.html.',
      tags: ['reports'],
      auth: staffPermission('report', 'compliance', GLOBAL),
      query: ComplianceReportQuery,
      responses: {
        200: { description: 'The report', schema: ComplianceReport, alternatives: { 'text/csv': z.string() }, headers: LANGUAGE_HEADER },
        ...problemResponses,
        ...notAcceptableResponse,
      },
      handler: async (req) => {
        const format = jsonOrCsv(req.ctx);
        const { report } = await issueFor(compliance, req);
        if (format === 'csv') {
          const csv = csvResult(complianceCsv(report), `compliance-${report.period.from}-${report.period.to}.csv`);
          return { ...csv, headers: { ...csv.headers, ...languageHeaders(report.lang) } };
        }
        return { body: report, headers: languageHeaders(report.lang) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/reports/compliance.html',
      operationId: 'complianceReportHtml',
      summary: 'The compliance report as a printable A4 page (Simplified Chinese or English) with a signature block',
      description:
        reportDescription +
        ' The page names the institution, the period, the time in the institution’s zone beside UTC, the report id and digest, and how to check it against the signed form.',
      tags: ['reports'],
      auth: staffPermission('report', 'compliance', GLOBAL),
      query: ComplianceReportQuery,
      responses: {
        200: { description: 'HTML page', alternatives: { 'text/html': z.string() }, headers: LANGUAGE_HEADER },
        ...problemResponses,
      },
      handler: async (req) => {
        const issued = await issueFor(compliance, req);
        const links = {
          signedUrl: compliance.signedUrl(issued.report.reportId),
          jwksUri: compliance.jwksUri,
          kid: issued.kid,
          digest: issued.digest,
        };
        return {
          body: complianceHtml(issued.report, links),
          type: 'text/html; charset=utf-8',
          headers: {
            ...languageHeaders(issued.report.lang),
            'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'",
          },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/reports/compliance/{id}/signed',
      operationId: 'signedComplianceReport',
      summary: 'The signed (JWS) form of an issued compliance report, to check a printed page against',
      description:
        'Verify the JWS with the key `kid` from /.well-known/jwks.json (or `publicJwk`, whose RFC 7638 thumbprint is the kid and which the ' +
        '`compliance_report.issued` audit event names); the SHA-256 of the payload bytes is the digest printed on the page.',
      tags: ['reports'],
      auth: staffPermission('report', 'compliance', GLOBAL),
      params: IdParams,
      responses: {
        200: { description: 'The signed report', schema: SignedComplianceReport },
        ...problemResponses,
        404: { description: 'No such report', schema: Problem },
      },
      handler: async ({ params }) => ({ body: await compliance.signed(params.id), headers: { 'Cache-Control': 'no-store' } }),
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
        ...notAcceptableResponse,
      },
      handler: ({ ctx }) => jsonOrCsvReport(ctx, () => vendorAccess.build(), vendorAccessCsv, 'vendor-access.csv'),
    }),
  ];
}
