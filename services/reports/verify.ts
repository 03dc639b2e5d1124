import { compactVerify, createLocalJWKSet, type JSONWebKeySet } from 'jose';
import { SIGNED_REPORT_TYPE, reportDigest } from './compliance-service';

/** What a verified signed report says: check these against the printed page. */
export interface VerifiedReport {
  readonly reportId: string;
  readonly digest: string;
  readonly kid: string;
  readonly generatedAt: string;
  readonly period: { readonly from: string; readonly to: string };
  readonly summary: Record<string, number>;
}

/**
 * Verifies a signed compliance report against a JWK set (the service's /.well-known/jwks.json, or a
 * set holding the stored `publicJwk`); throws when the signature, type or content does not hold.
 */
export async function verifySignedReport(jws: string, jwks: JSONWebKeySet): Promise<VerifiedReport> {
  const { payload, protectedHeader } = await compactVerify(jws, createLocalJWKSet(jwks));
  if (protectedHeader.typ !== SIGNED_REPORT_TYPE) throw new Error(`not a signed compliance report (typ ${String(protectedHeader.typ)})`);
  const report = JSON.parse(new TextDecoder().decode(payload)) as {
    reportId: string;
    generatedAt: string;
    period: { from: string; to: string };
    summary: Record<string, number>;
  };
  return {
    reportId: report.reportId,
    digest: reportDigest(payload),
    kid: String(protectedHeader.kid),
    generatedAt: report.generatedAt,
    period: { from: report.period.from, to: report.period.to },
    summary: report.summary,
  };
}
