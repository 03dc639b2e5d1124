import type { z } from 'zod';
import { ValidationError, type FieldIssue } from './errors';

/** Validates a value at the edge; a failure is a 400 problem naming each offending field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, where: 'body' | 'query' | 'path'): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues: FieldIssue[] = result.error.issues.slice(0, 20).map((issue) => {
    const keys = issue.code === 'unrecognized_keys' ? ` (${issue.keys.join(', ')})` : '';
    return { path: [where, ...issue.path.map(String)].join('.'), message: `${issue.message}${keys}` };
  });
  const first = issues[0];
  throw new ValidationError(first ? `${first.path}: ${first.message}` : `Invalid ${where}`, issues);
}

// PostgreSQL text cannot hold U+0000 (SQLSTATE 22021), and jsonb refuses an unpaired surrogate
// escape (\ud800): both are refused at the edge as a 400, never a failed query. A value that
// starts with a byte order mark (U+FEFF) is stored, but PGlite reads it back without the mark
// (its protocol decoder strips it), so the audit chain over it would not verify: refused too.
const NUL = '\u0000';
const BOM = '\ufeff';
const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** Why a text cannot be stored and read back as it is; undefined when it can. */
export const unstorable = (text: string): string | undefined =>
  text.includes(NUL)
    ? 'a NUL character (U+0000)'
    : UNPAIRED_SURROGATE.test(text)
      ? 'an unpaired surrogate (not Unicode text)'
      : text.startsWith(BOM)
        ? 'a byte order mark (U+FEFF) at the start of a value'
        : undefined;
