import type { AuditLog } from '../audit';
import { toCsv } from '../shared/csv';
import { z } from '../shared/zod';
import type { ComplianceStore, Finding } from './compliance-store';
import { UNUSED_DAYS } from './vendor-access';

export const CheckStatus = z.enum(['pass', 'warn', 'fail']).openapi('ComplianceCheckStatus');

export const ComplianceCheck = z
  .object({
    id: z.string(),
    requirement: z.string(),
    source: z.string().openapi({ description: 'The Notice item or PIPL article the check answers to' }),
    status: CheckStatus,
    count: z.number().int(),
    examples: z.array(z.string()).openapi({ description: 'Ids (or keys) of up to 10 offending records' }),
    checkedAt: z.string(),
  })
  .openapi('ComplianceCheck');
export type ComplianceCheck = z.infer<typeof ComplianceCheck>;

export const ComplianceReport = z
  .object({
    generatedAt: z.string(),
    summary: z.object({ pass: z.number().int(), warn: z.number().int(), fail: z.number().int() }),
    checks: z.array(ComplianceCheck),
  })
  .openapi('ComplianceReport');
export type ComplianceReport = z.infer<typeof ComplianceReport>;

/** Facts other features answer for the report (each a count and example ids). */
export interface ComplianceSources {
  readonly overdueComplaints: (now: Date) => Promise<Finding>;
  readonly overdueNotifications: (now: Date) => Promise<Finding>;
  readonly incidentsWithoutContainment: () => Promise<Finding>;
  readonly overdueRectifications: (now: Date) => Promise<Finding>;
  readonly appsReleasedWithoutFiling: () => Promise<Finding>;
  readonly appsWithoutRecentPenetrationTest: (now: Date) => Promise<Finding>;
  readonly overdueVulnerabilities: (now: Date) => Promise<Finding>;
}

interface CheckDefinition {
  readonly id: string;
  readonly requirement: string;
  readonly source: string;
  /** What a non-zero count means: a breach (fail) or something to look at (warn). */
  readonly severity: 'fail' | 'warn';
  readonly run: (now: Date) => Promise<Finding>;
}

/** One check per requirement an inspector asks about, each with its evidence. */
export class ComplianceReportService {
  private readonly checks: readonly CheckDefinition[];

  constructor(store: ComplianceStore, sources: ComplianceSources, audit: AuditLog) {
    const iso = (d: Date) => d.toISOString();
    this.checks = [
      { id: 'assets_without_owner', requirement: 'Every data asset has an owning department with a data owner', source: 'Notice: who manages the business manages its data', severity: 'fail', run: () => store.assetsWithoutDataOwner() },
      { id: 'assets_without_classified_fields', requirement: 'Every data asset lists its fields with a PI category', source: 'Notice: data security; JR/T 0197-2020', severity: 'fail', run: () => store.assetsWithoutClassifiedFields() },
      { id: 'grants_without_end', requirement: 'Every vendor grant ends, within 365 days', source: 'Notice: outsourcing, minimum authorization; PIPL Art. 21', severity: 'fail', run: () => store.grantsWithoutEnd() },
      { id: 'grants_past_contract', requirement: 'No vendor grant runs past the vendor’s contract', source: 'PIPL Art. 21', severity: 'fail', run: (now) => store.grantsPastContract(iso(now)) },
      { id: 'grants_unused', requirement: `Grants unused for ${UNUSED_DAYS} days are reviewed for revocation`, source: 'Notice: need to know, minimum authorization', severity: 'warn', run: (now) => store.grantsUnused(iso(now), UNUSED_DAYS) },
      { id: 'vendors_expired_with_active_grants', requirement: 'Vendors whose contract has ended hold no active grant', source: 'Notice: outsourcing exit; PIPL Art. 21', severity: 'fail', run: (now) => store.vendorsExpiredWithActiveGrants(iso(now)) },
      { id: 'sensitive_grants_without_privacy_officer', requirement: 'Grants of sensitive PI were co-approved by a privacy officer', source: 'PIPL Art. 28–29', severity: 'fail', run: () => store.sensitiveGrantsWithoutPrivacyOfficer() },
      { id: 'consent_purposes_without_notice', requirement: 'Every purpose based on consent has a published notice', source: 'PIPL Art. 14, 17', severity: 'fail', run: () => store.consentPurposesWithoutNotice() },
      { id: 'notices_without_complaint_channel', requirement: 'Every published notice names the complaint channel', source: 'Notice: publish the complaint channel; PIPL Art. 17, 50', severity: 'fail', run: () => store.noticesWithoutComplaintChannel() },
      { id: 'stale_consents', requirement: 'No consent to a superseded material notice version is relied on', source: 'PIPL Art. 14', severity: 'warn', run: () => store.staleConsents() },
      { id: 'complaints_overdue', requirement: 'Complaints are answered by their due date', source: 'PIPL Art. 50; 2020 consumer complaint rules', severity: 'fail', run: (now) => sources.overdueComplaints(now) },
      { id: 'notifications_overdue', requirement: 'Leak notifications reach the regulator and people in time', source: 'PIPL Art. 57', severity: 'fail', run: (now) => sources.overdueNotifications(now) },
      { id: 'incidents_without_containment', requirement: 'Every leak incident has been contained', source: 'Notice: handle leaks at once; PIPL Art. 57', severity: 'fail', run: () => sources.incidentsWithoutContainment() },
      { id: 'rectifications_overdue', requirement: 'Rectification items are completed by their due date', source: 'Notice: supervision and rectification', severity: 'fail', run: (now) => sources.overdueRectifications(now) },
      { id: 'apps_released_without_filing', requirement: 'Every released app has a filing number', source: 'Notice items 1–3: ledger, access and exit', severity: 'fail', run: () => sources.appsReleasedWithoutFiling() },
      { id: 'apps_without_recent_penetration_test', requirement: 'Every released app passed a penetration test in the last 12 months', source: 'Notice: penetration testing', severity: 'fail', run: (now) => sources.appsWithoutRecentPenetrationTest(now) },
      { id: 'vulnerabilities_overdue', requirement: 'Vulnerabilities are fixed by their rectification deadline', source: 'Notice: vulnerability reporting and rectification', severity: 'fail', run: (now) => sources.overdueVulnerabilities(now) },
      {
        id: 'audit_chain',
        requirement: 'The audit log verifies from the first event (records kept ≥ 3 years)',
        source: 'PIPL Art. 56',
        severity: 'fail',
        run: async () => {
          const result = await audit.verify();
          if (result.valid) return { count: 0, examples: [] };
          const where = result.firstInvalidEventId ?? (result.firstInvalidSeq !== undefined ? `seq ${result.firstInvalidSeq}` : `checkpoint ${result.invalidCheckpoint}`);
          return { count: 1, examples: [where] };
        },
      },
    ];
  }

  async build(now = new Date()): Promise<ComplianceReport> {
    const checkedAt = now.toISOString();
    const checks: ComplianceCheck[] = [];
    // One after another: the embedded database has a single connection, and each check is a small query.
    for (const c of this.checks) {
      const finding = await c.run(now);
      checks.push({
        id: c.id,
        requirement: c.requirement,
        source: c.source,
        status: finding.count === 0 ? 'pass' : c.severity,
        count: finding.count,
        examples: [...finding.examples],
        checkedAt,
      });
    }
    const tally = (s: string) => checks.filter((c) => c.status === s).length;
    return { generatedAt: checkedAt, summary: { pass: tally('pass'), warn: tally('warn'), fail: tally('fail') }, checks };
  }
}

export function complianceCsv(report: ComplianceReport): string {
  return toCsv(
    ['id', 'requirement', 'source', 'status', 'count', 'examples', 'checked_at'],
    report.checks.map((c) => [c.id, c.requirement, c.source, c.status, c.count, c.examples.join(' '), c.checkedAt]),
  );
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
const COLOURS = { pass: '#2e7d32', warn: '#ed6c02', fail: '#c62828' } as const;

/** A printable page with a summary chart (inline SVG: no scripts, no external assets). */
export function complianceHtml(report: ComplianceReport): string {
  const total = report.checks.length || 1;
  let x = 0;
  const bars = (['pass', 'warn', 'fail'] as const)
    .map((s) => {
      const width = (report.summary[s] / total) * 600;
      const bar = `<rect x="${x}" y="0" width="${width}" height="32" fill="${COLOURS[s]}"><title>${s}: ${report.summary[s]}</title></rect>`;
      x += width;
      return bar;
    })
    .join('');
  const rows = report.checks
    .map(
      (c) =>
        `<tr class="${c.status}"><td>${escapeHtml(c.requirement)}</td><td>${escapeHtml(c.source)}</td><td class="status">${c.status}</td><td>${c.count}</td><td><code>${c.examples.map(escapeHtml).join(' ')}</code></td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Compliance report ${escapeHtml(report.generatedAt)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;color:#222}h1{font-size:1.4rem}table{border-collapse:collapse;width:100%;font-size:.9rem}
td,th{border:1px solid #ccc;padding:.35rem .5rem;text-align:left;vertical-align:top}th{background:#f3f3f3}
.status{font-weight:bold;text-transform:uppercase}.pass .status{color:${COLOURS.pass}}.warn .status{color:${COLOURS.warn}}.fail .status{color:${COLOURS.fail}}
.legend span{margin-right:1.5rem}@media print{body{margin:0}}
</style></head><body>
<h1>Privacy and data-access compliance report</h1>
<p>Generated ${escapeHtml(report.generatedAt)} (UTC). ${report.checks.length} checks.</p>
<svg id="summary-chart" role="img" aria-label="pass ${report.summary.pass}, warn ${report.summary.warn}, fail ${report.summary.fail}" width="600" height="32" viewBox="0 0 600 32">${bars}</svg>
<p class="legend"><span style="color:${COLOURS.pass}">■ pass ${report.summary.pass}</span><span style="color:${COLOURS.warn}">■ warn ${report.summary.warn}</span><span style="color:${COLOURS.fail}">■ fail ${report.summary.fail}</span></p>
<table><thead><tr><th>Requirement</th><th>Source</th><th>Status</th><th>Count</th><th>Examples</th></tr></thead>
<tbody>
${rows}
</tbody></table></body></html>`;
}
