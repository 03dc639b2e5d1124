import type { Context } from 'koa';
import { stringify } from 'csv-stringify/sync';
import { NotAcceptableError } from './errors';

/** RFC 4180 CSV with a header row and CRLF line ends; fields with commas, quotes or line breaks are quoted. */
export function toCsv(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number | boolean | null>>): string {
  // csv-stringify quotes a bare LF only when asked once the record delimiter is CRLF, hence quoted_match.
  return stringify([[...header], ...rows.map((r) => r.map((v) => (v === null ? '' : String(v))))], {
    record_delimiter: 'windows',
    quoted_match: /[\r\n]/,
  });
}

/** 'json' or 'csv' from the Accept header (JSON when both or neither are named); 406 otherwise. */
export function jsonOrCsv(ctx: Context): 'json' | 'csv' {
  const type = ctx.accepts('application/json', 'text/csv');
  if (type === false) throw new NotAcceptableError(['application/json', 'text/csv']);
  return type === 'text/csv' ? 'csv' : 'json';
}

export const csvResult = (body: string, filename: string) => ({
  body,
  type: 'text/csv; charset=utf-8; header=present',
  headers: { Vary: 'Accept', 'Content-Disposition': `attachment; filename="${filename}"` },
});
