import { toCsv } from '../shared/csv';
import type { CheckStatus, ReportLanguage } from './compliance-check';
import type { ComplianceReport } from './compliance';

/** The words of the printed page and the CSV's status labels, in each report language. */
interface PageText {
  readonly title: string;
  readonly institution: string;
  readonly institutionMissing: string;
  readonly periodLabel: string;
  readonly period: (from: string, to: string, zone: string) => string;
  readonly generated: string;
  readonly preparedBy: string;
  readonly reportId: string;
  readonly digest: string;
  readonly checks: (n: number) => string;
  readonly status: Readonly<Record<CheckStatus, string>>;
  readonly notApplicableNote: string;
  readonly scope: { readonly current: string; readonly period: string };
  readonly columns: {
    readonly requirement: string;
    readonly source: string;
    readonly status: string;
    readonly examined: string;
    readonly count: string;
    readonly examples: string;
  };
  readonly signatures: string;
  readonly preparedLine: string;
  readonly reviewedLine: string;
  readonly signature: string;
  readonly date: string;
  readonly verifyTitle: string;
  readonly verifySteps: (signedUrl: string, jwksUri: string, kid: string) => readonly string[];
}

const TEXT: Readonly<Record<ReportLanguage, PageText>> = {
  'zh-CN': {
    title: '隐私与数据访问合规报告',
    institution: '机构',
    institutionMissing: '（未配置机构名称）',
    periodLabel: '报告期间',
    period: (from, to, zone) => `${from} 至 ${to}（${zone}）`,
    generated: '生成时间',
    preparedBy: '编制人',
    reportId: '报告编号',
    digest: '报告摘要',
    checks: (n) => `共 ${n} 项检查`,
    status: { pass: '通过', warn: '关注', fail: '不通过', not_applicable: '不适用' },
    notApplicableNote: '“不适用”表示没有可检查的记录：空的登记簿不能证明合规，因此不计为通过。',
    scope: { current: '生成时的现状', period: '报告期间内存续的记录' },
    columns: { requirement: '要求', source: '依据', status: '结论', examined: '检查数', count: '不符合数', examples: '不符合示例' },
    signatures: '签署',
    preparedLine: '编制人（提出本报告的员工）',
    reviewedLine: '复核人',
    signature: '签名：',
    date: '日期：',
    verifyTitle: '如何核验本报告',
    verifySteps: (signedUrl, jwksUri, kid) => [
      `按报告编号获取签名版本（JWS）：GET ${signedUrl}（需持有合规报告权限的员工令牌）。`,
      `用本服务公布的公钥验证 JWS 签名：${jwksUri}，密钥标识（kid）${kid}；kid 即该公钥的 RFC 7638 指纹，签发记录亦写入审计日志（compliance_report.issued）。`,
      '计算 JWS 载荷（解码后的字节）的 SHA-256，应与上方“报告摘要”一致；载荷中的 reportId 应与报告编号一致，各项结论应与本页一致。',
    ],
  },
  en: {
    title: 'Privacy and data-access compliance report',
    institution: 'Institution',
    institutionMissing: '(institution name not configured)',
    periodLabel: 'Period covered',
    period: (from, to, zone) => `${from} to ${to} (${zone})`,
    generated: 'Generated',
    preparedBy: 'Prepared by',
    reportId: 'Report id',
    digest: 'Report digest',
    checks: (n) => `${n} checks`,
    status: { pass: 'pass', warn: 'warn', fail: 'fail', not_applicable: 'not applicable' },
    notApplicableNote:
      '“Not applicable” means there was no record to examine: an empty register proves nothing, so it is never counted as a pass.',
    scope: { current: 'state when generated', period: 'records open during the period' },
    columns: {
      requirement: 'Requirement',
      source: 'Source',
      status: 'Status',
      examined: 'Examined',
      count: 'Offending',
      examples: 'Offending examples',
    },
    signatures: 'Signatures',
    preparedLine: 'Prepared by (the member of staff who requested this report)',
    reviewedLine: 'Reviewed by',
    signature: 'Signature:',
    date: 'Date:',
    verifyTitle: 'How to verify this report',
    verifySteps: (signedUrl, jwksUri, kid) => [
      `Fetch the signed form (JWS) by the report id: GET ${signedUrl} (a staff token with the compliance report permission).`,
      `Verify the JWS signature with the service’s published key: ${jwksUri}, key id (kid) ${kid}; the kid is the key’s RFC 7638 thumbprint, and the issue is recorded in the audit log (compliance_report.issued).`,
      'Compute the SHA-256 of the JWS payload (the decoded bytes): it must equal the report digest above; the payload’s reportId must equal the report id, and every finding must match this page.',
    ],
  },
};

const COLOURS: Readonly<Record<CheckStatus, string>> = { pass: '#2e7d32', warn: '#ed6c02', fail: '#c62828', not_applicable: '#757575' };
const STATUS_ORDER: readonly CheckStatus[] = ['pass', 'warn', 'fail', 'not_applicable'];

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** Where an issued report's signed form and the service's keys are published. */
export interface VerificationLinks {
  readonly signedUrl: string;
  readonly jwksUri: string;
  readonly kid: string;
  readonly digest: string;
}

function summaryChart(report: ComplianceReport, t: PageText): string {
  const total = report.checks.length || 1;
  let x = 0;
  const bars = STATUS_ORDER.map((s) => {
    const width = (report.summary[s] / total) * 600;
    const bar = `<rect x="${x}" y="0" width="${width}" height="32" fill="${COLOURS[s]}"><title>${escapeHtml(t.status[s])}: ${report.summary[s]}</title></rect>`;
    x += width;
    return bar;
  }).join('');
  const label = STATUS_ORDER.map((s) => `${t.status[s]} ${report.summary[s]}`).join(', ');
  const legend = STATUS_ORDER.map(
    (s) => `<span class="${s}" style="color:${COLOURS[s]}">■ ${escapeHtml(t.status[s])} ${report.summary[s]}</span>`,
  ).join('');
  return `<svg id="summary-chart" role="img" aria-label="${escapeHtml(label)}" viewBox="0 0 600 32" preserveAspectRatio="none">${bars}</svg>
<p class="legend">${legend}</p>`;
}

function checkRows(report: ComplianceReport, t: PageText): string {
  return report.checks
    .map((c) => {
      const examples = c.exampleLabels
        .map((e) => `<li><code>${escapeHtml(e.id)}</code>${e.label === null ? '' : ` ${escapeHtml(e.label)}`}</li>`)
        .join('');
      return `<tr class="${c.status}" data-code="${escapeHtml(c.code)}"><td>${escapeHtml(c.requirement)}<div class="meta"><code>${escapeHtml(c.code)}</code> · ${escapeHtml(t.scope[c.scope])}</div></td><td>${escapeHtml(c.source)}</td><td class="status">${escapeHtml(t.status[c.status])}</td><td class="num">${c.examined}</td><td class="num">${c.count}</td><td>${examples ? `<ul>${examples}</ul>` : ''}</td></tr>`;
    })
    .join('\n');
}

/**
 * The printable page (A4): institution, period, local time beside UTC, the summary chart (inline SVG:
 * no scripts, no external assets), every check with what it examined and readable names beside ids,
 * the signature block, and how to check the page against the signed form.
 */
export function complianceHtml(report: ComplianceReport, links: VerificationLinks): string {
  const t = TEXT[report.lang];
  const institution = report.institution.name === null ? t.institutionMissing : report.institution.name;
  const steps = t
    .verifySteps(links.signedUrl, links.jwksUri, links.kid)
    .map((s) => `<li>${escapeHtml(s)}</li>`)
    .join('');
  const signatureLine = (who: string, name?: string) =>
    `<tr><th scope="row">${escapeHtml(who)}</th><td>${name ? escapeHtml(name) : ''}</td><td class="sign">${escapeHtml(t.signature)}</td><td class="sign">${escapeHtml(t.date)}</td></tr>`;
  return `<!doctype html>
<html lang="${report.lang}"><head><meta charset="utf-8"><title>${escapeHtml(t.title)} ${escapeHtml(report.reportId)}</title>
<style>
@page{size:A4;margin:14mm 12mm}
*{box-sizing:border-box}
body{font-family:"Noto Sans CJK SC","Noto Serif CJK SC","PingFang SC","Microsoft YaHei","Source Han Sans SC",system-ui,sans-serif;margin:1.5rem auto;max-width:186mm;color:#222;font-size:10pt;line-height:1.4}
h1{font-size:15pt;margin:0 0 .6rem}h2{font-size:11.5pt;margin:1.2rem 0 .4rem}
table{border-collapse:collapse;width:100%;table-layout:fixed}
td,th{border:1px solid #bbb;padding:.3rem .4rem;text-align:left;vertical-align:top;overflow-wrap:anywhere;word-break:break-word}
th{background:#f3f3f3}thead{display:table-header-group}tr{break-inside:avoid}
.checks thead th{font-size:8pt;overflow-wrap:normal;word-break:normal;hyphens:auto}.checks td.status{overflow-wrap:normal;word-break:normal}
code{font-size:8.5pt;overflow-wrap:anywhere;word-break:break-all}
ul{margin:0;padding-left:1rem}.meta{color:#555;font-size:8.5pt;margin-top:.2rem}.num{text-align:right}
.status{font-weight:bold}${STATUS_ORDER.map((s) => `.${s} .status{color:${COLOURS[s]}}`).join('')}
#summary-chart{display:block;width:100%;height:32px}.legend span{margin-right:1.2rem;display:inline-block}
.facts th{width:28%}.signatures{break-inside:avoid}.signatures td.sign{height:2.6rem}.signatures th{width:30%}
.verify{break-inside:avoid;font-size:9pt}
@media print{body{margin:0;max-width:none}}
</style></head><body>
<h1>${escapeHtml(t.title)}</h1>
<table class="facts">
<tr><th scope="row">${escapeHtml(t.institution)}</th><td id="institution">${escapeHtml(institution)}</td></tr>
<tr><th scope="row">${escapeHtml(t.periodLabel)}</th><td id="period">${escapeHtml(t.period(report.period.from, report.period.to, report.institution.timeZone))}</td></tr>
<tr><th scope="row">${escapeHtml(t.generated)}</th><td id="generated">${escapeHtml(report.generatedAtLocal)} ${escapeHtml(report.institution.timeZone)} · ${escapeHtml(report.generatedAt)} UTC</td></tr>
<tr><th scope="row">${escapeHtml(t.preparedBy)}</th><td id="prepared-by">${escapeHtml(report.preparedBy)}</td></tr>
<tr><th scope="row">${escapeHtml(t.reportId)}</th><td><code id="report-id">${escapeHtml(report.reportId)}</code></td></tr>
<tr><th scope="row">${escapeHtml(t.digest)}</th><td><code id="report-digest">${escapeHtml(links.digest)}</code></td></tr>
</table>
<h2>${escapeHtml(t.checks(report.checks.length))}</h2>
${summaryChart(report, t)}
<p class="note">${escapeHtml(t.notApplicableNote)}</p>
<table class="checks"><colgroup><col style="width:25%"><col style="width:18%"><col style="width:11%"><col style="width:9%"><col style="width:9%"><col style="width:28%"></colgroup>
<thead><tr><th>${escapeHtml(t.columns.requirement)}</th><th>${escapeHtml(t.columns.source)}</th><th>${escapeHtml(t.columns.status)}</th><th>${escapeHtml(t.columns.examined)}</th><th>${escapeHtml(t.columns.count)}</th><th>${escapeHtml(t.columns.examples)}</th></tr></thead>
<tbody>
${checkRows(report, t)}
</tbody></table>
<section class="signatures"><h2>${escapeHtml(t.signatures)}</h2>
<table>${signatureLine(t.preparedLine, report.preparedBy)}${signatureLine(t.reviewedLine)}</table></section>
<section class="verify"><h2>${escapeHtml(t.verifyTitle)}</h2><ol>${steps}</ol></section>
</body></html>`;
}

/** RFC 4180 CSV, one row per check: stable English column names and codes, texts in the report's language. */
export function complianceCsv(report: ComplianceReport): string {
  return toCsv(
    ['code', 'requirement', 'source', 'scope', 'status', 'examined', 'count', 'examples', 'example_labels', 'checked_at', 'report_id'],
    report.checks.map((c) => [
      c.code,
      c.requirement,
      c.source,
      c.scope,
      c.status,
      c.examined,
      c.count,
      c.examples.join(' '),
      c.exampleLabels.map((e) => `${e.id}: ${e.label ?? ''}`).join('; '),
      c.checkedAt,
      report.reportId,
    ]),
  );
}
