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
