import crypto from 'node:crypto';
import { CompactSign, type CryptoKey } from 'jose';
import type { AuditLog, ChangeContext } from '../audit';
import type { Db } from '../db';
import { NotFoundError } from '../shared/errors';
import { CHECK_STATUSES, type CheckStatus, type RecordKind, type ReportLanguage } from './compliance-check';
import type { CheckOutcome, ComplianceChecker, ComplianceReport } from './compliance';
import type { ComplianceLabelStore } from './compliance-label-store';
import type { IssuedReportStore } from './issued-report-store';
import { localDateTime, resolvePeriod, type ReportPeriod } from './report-time';
import { systemClock, type Clock } from '../platform/clock';

/** The service key that signs issued reports: the authorization server's current key, published in its JWKS. */
export interface ReportSigner {
  signingKey(): { readonly kid: string; readonly alg: string; readonly privateKey: CryptoKey; readonly publicJwk: Record<string, unknown> };
}

export const SIGNED_REPORT_TYPE = 'compliance-report+json';

export interface ReportSettings {
  /** The institution the report is about (INSTITUTION_NAME); null when not configured. */
  readonly institutionName: string | null;
  /** IANA zone for the period's days and the local time beside UTC (INSTITUTION_TIME_ZONE). */
  readonly timeZone: string;
  /** Where the service's JWKS is published, for verifiers. */
  readonly publicUrl: string;
}

export interface ReportRequest {
  readonly lang: ReportLanguage;
  readonly from?: string;
  readonly to?: string;
}

/** An issued report: what was signed, its digest, and the signed form. */
export interface IssuedReport {
  readonly report: ComplianceReport;
  readonly digest: string;
  readonly jws: string;
  readonly kid: string;
}

/** The signed form of an issued report, as an inspector fetches it to check a printed page. */
export interface SignedReport {
  readonly reportId: string;
  readonly issuedAt: string;
  readonly preparedBy: string;
  readonly digest: string;
  readonly kid: string;
  readonly jws: string;
  readonly publicJwk: Record<string, unknown>;
  readonly jwksUri: string;
}

/** sha-256 over the exact bytes that were signed (the JWS payload), hex. */
export const reportDigest = (payload: Uint8Array | string): string =>
  `sha-256:${crypto.createHash('sha256').update(payload).digest('hex')}`;

/**
 * Issues compliance reports: runs every check over the period, labels the examples, writes the
 * report in the asked language, signs it (JWS) with the service's key and keeps the signed form
 * with an audit event in one transaction, so the printed page can be checked against it by id and digest.
 */
export class ComplianceReportService {
  constructor(
    private readonly db: Db,
    private readonly checker: ComplianceChecker,
    private readonly labels: ComplianceLabelStore,
    private readonly issued: IssuedReportStore,
    private readonly audit: AuditLog,
    private readonly signer: ReportSigner,
    private readonly settings: ReportSettings,
    private readonly clock: Clock = systemClock,
  ) {}

  get jwksUri(): string {
    return `${this.settings.publicUrl}/.well-known/jwks.json`;
  }

  signedUrl(reportId: string): string {
    return `${this.settings.publicUrl}/v1/reports/compliance/${reportId}/signed`;
  }

  /** Validates the period before any work (a 400 names the parameter), then runs, writes, signs and keeps the report. */
  async issue(ctx: ChangeContext, preparedBy: string, request: ReportRequest, now = this.clock.now()): Promise<IssuedReport> {
    const period = resolvePeriod({ from: request.from, to: request.to }, now, this.settings.timeZone);
    const outcomes = await this.checker.run({ now, from: period.startsAt, to: period.endsBefore });
    const labels = await this.labelExamples(outcomes);
    const report = this.write(outcomes, labels, { lang: request.lang, period, now, preparedBy });
    const payload = new TextEncoder().encode(JSON.stringify(report));
    const key = this.signer.signingKey();
    const jws = await new CompactSign(payload)
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: SIGNED_REPORT_TYPE })
      .sign(key.privateKey);
    const digest = reportDigest(payload);
    await this.db.transaction(async (trx) => {
      await this.issued.insert(trx, {
        id: report.reportId,
        issuedAt: report.generatedAt,
        preparedBy,
        lang: report.lang,
        periodFrom: period.from,
        periodTo: period.to,
        digest,
        kid: key.kid,
        publicJwk: key.publicJwk,
        jws,
      });
      await this.audit.record(trx, ctx, {
        action: 'compliance_report.issued',
        objectType: 'compliance_report',
        objectId: report.reportId,
        details: { digest, kid: key.kid, lang: report.lang, period: { from: period.from, to: period.to }, summary: report.summary },
      });
    });
    return { report, digest, jws, kid: key.kid };
  }

  /** The report in one language: what the checks found, with a readable name beside each example. */
  private write(
    outcomes: readonly CheckOutcome[],
    labels: ReadonlyMap<RecordKind, ReadonlyMap<string, string>>,
    o: { lang: ReportLanguage; period: ReportPeriod; now: Date; preparedBy: string },
  ): ComplianceReport {
    const generatedAt = o.now.toISOString();
    const summary = Object.fromEntries(CHECK_STATUSES.map((s) => [s, outcomes.filter((c) => c.status === s).length])) as Record<
      CheckStatus,
      number
    >;
    return {
      reportId: crypto.randomUUID(),
      lang: o.lang,
      institution: { name: this.settings.institutionName, timeZone: this.settings.timeZone },
      generatedAt,
      generatedAtLocal: localDateTime(o.now, this.settings.timeZone),
      period: {
        from: o.period.from,
        to: o.period.to,
        startsAt: o.period.startsAt.toISOString(),
        endsBefore: o.period.endsBefore.toISOString(),
      },
      preparedBy: o.preparedBy,
      summary,
      checks: outcomes.map(({ definition, status, examined, count, examples }) => ({
        code: definition.code,
        id: definition.code,
        requirement: definition.text[o.lang].requirement,
        source: definition.text[o.lang].source,
        severity: definition.severity,
        scope: definition.scope,
        status,
        examined,
        count,
        examples: [...examples],
        exampleLabels: examples.map((id) => ({ id, label: labels.get(definition.examines)?.get(id) ?? null })),
        checkedAt: generatedAt,
      })),
    };
  }

  async signed(id: string): Promise<SignedReport> {
    const r = await this.issued.get(id);
    if (!r) throw new NotFoundError(`No compliance report ${id}`);
    return {
      reportId: r.id,
      issuedAt: r.issuedAt,
      preparedBy: r.preparedBy,
      digest: r.digest,
      kid: r.kid,
      jws: r.jws,
      publicJwk: r.publicJwk,
      jwksUri: this.jwksUri,
    };
  }

  private async labelExamples(outcomes: readonly CheckOutcome[]): Promise<Map<RecordKind, Map<string, string>>> {
    const byKind = new Map<RecordKind, Set<string>>();
    for (const { definition, examples } of outcomes) {
      const ids = byKind.get(definition.examines) ?? new Set<string>();
      for (const id of examples) ids.add(id);
      byKind.set(definition.examines, ids);
    }
    const out = new Map<RecordKind, Map<string, string>>();
    for (const [kind, ids] of byKind) out.set(kind, await this.labels.labels(kind, [...ids]));
    return out;
  }
}
