import type { Context } from 'koa';
import { stringify } from 'csv-stringify/sync';
import { NotAcceptableError } from './errors';

/**
 * Spreadsheets run a cell as a formula when it starts with = + - @ (or their fullwidth forms
 * ＝＋－＠), also after leading whitespace, and treat a leading tab, CR or LF specially (OWASP CSV
 * injection). Such text gets a leading apostrophe, which spreadsheets show as text.
 */
const FORMULA_START = /^(?:[\t\r\n]|[\s\u200b-\u200d\u2060]*[=+\-@\uff1d\uff0b\uff0d\uff20])/;

export function neutraliseFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

export type CsvCell = string | number | boolean | null;

/**
 * The one CSV writer of the service: RFC 4180 with a header row and CRLF line ends; fields with
 * commas, quotes or line breaks are quoted, and every text cell is neutralised against formulas.
 */
export function toCsv(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<CsvCell>>): string {
  const cell = (v: CsvCell) => (v === null ? '' : typeof v === 'string' ? neutraliseFormula(v) : String(v));
  // csv-stringify quotes a bare LF only when asked once the record delimiter is CRLF, hence quoted_match.
  return stringify([header.map(cell), ...rows.map((r) => r.map(cell))], {
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

/**
 * The answer of a report offered as JSON and as CSV: the format is chosen first (406 before any
 * work), then the report is built and written as the Accept header asks, `Vary: Accept` either way.
 */
export async function jsonOrCsvReport<R>(ctx: Context, build: () => Promise<R>, csv: (report: R) => string, filename: string) {
  const format = jsonOrCsv(ctx);
  const report = await build();
  return format === 'csv' ? csvResult(csv(report), filename) : { body: report, headers: { Vary: 'Accept' } };
}
