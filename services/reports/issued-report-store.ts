import type { Db, Trx } from '../db';
import { isoDay } from '../platform/row-mapper';

/** One issued compliance report: its signed JSON form and what identifies it on paper. */
export interface IssuedReportRecord {
  readonly id: string;
  readonly issuedAt: string;
  readonly preparedBy: string;
  readonly lang: string;
  readonly periodFrom: string;
  readonly periodTo: string;
  readonly digest: string;
  readonly kid: string;
  readonly publicJwk: Record<string, unknown>;
  readonly jws: string;
}

interface Row {
  id: string;
  issued_at: string | Date;
  prepared_by: string;
  lang: string;
  period_from: string | Date;
  period_to: string | Date;
  digest: string;
  kid: string;
  public_jwk: Record<string, unknown> | string;
  jws: string;
}

/** Issued reports are appended, never changed (a trigger refuses updates and deletes). */
export class IssuedReportStore {
  constructor(private readonly db: Db) {}

  async insert(trx: Trx, r: IssuedReportRecord): Promise<void> {
    await trx('compliance_reports').insert({
      id: r.id,
      issued_at: r.issuedAt,
      prepared_by: r.preparedBy,
      lang: r.lang,
      period_from: r.periodFrom,
      period_to: r.periodTo,
      digest: r.digest,
      kid: r.kid,
      public_jwk: JSON.stringify(r.publicJwk),
      jws: r.jws,
    });
  }

  async get(id: string): Promise<IssuedReportRecord | undefined> {
    const row = (await this.db('compliance_reports').where({ id }).first()) as Row | undefined;
    if (!row) return undefined;
    return {
      id: row.id,
      issuedAt: row.issued_at instanceof Date ? row.issued_at.toISOString() : new Date(row.issued_at).toISOString(),
      preparedBy: row.prepared_by,
      lang: row.lang,
      periodFrom: isoDay(row.period_from),
      periodTo: isoDay(row.period_to),
      digest: row.digest,
      kid: row.kid,
      publicJwk: typeof row.public_jwk === 'string' ? (JSON.parse(row.public_jwk) as Record<string, unknown>) : row.public_jwk,
      jws: row.jws,
    };
  }
}
