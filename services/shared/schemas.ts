import { ValidationError } from './errors';
import { z } from './zod';

export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.string().openapi({ description: 'Stable machine-readable error code' }),
    detail: z.string().optional(),
    instance: z.string().optional(),
    requestId: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi('Problem', { description: 'RFC 9457 problem details' });

export const Uuid = z.uuid().openapi({ example: '0b4f6a3e-2b8e-4c55-9a0e-6f2d7b1c9e01' });
export const IdParams = z.strictObject({ id: Uuid });
export const Timestamp = z.iso.datetime({ offset: true }).openapi({ example: '2026-11-27T09:30:00.000Z' });

/** Department codes: upper-case letters, digits, dash and underscore, e.g. RETAIL or RETAIL_CARDS. */
export const DepartmentCode = z
  .string()
  .regex(/^[A-Z][A-Z0-9_-]{1,31}$/, 'must be 2-32 upper-case letters, digits, - or _, starting with a letter')
  .openapi({ example: 'RETAIL' });

export const PageQuery = {
  limit: z.coerce.number().int().min(1).max(200).default(50).openapi({ description: 'Page size (1-200)' }),
  cursor: z
    .string()
    .max(200)
    .optional()
    .openapi({ description: 'Opaque cursor from the previous page’s nextCursor' }),
};

export const page = <T extends z.ZodType>(item: T, name: string) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() }).openapi(name);

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export const encodeCursor = (value: string | number): string => Buffer.from(String(value), 'utf8').toString('base64url');

export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[A-Za-z0-9._:-]{1,100}$/.test(decoded)) {
    throw new ValidationError('query.cursor: not a cursor this service issued', [{ path: 'query.cursor', message: 'invalid cursor' }]);
  }
  return decoded;
}

const UUID_CURSOR = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A cursor that carries a uuid (the last id of the previous page): anything else is a 400, never a query the database refuses. */
export function decodeUuidCursor(cursor: string | undefined): string | undefined {
  const decoded = decodeCursor(cursor);
  if (decoded !== undefined && !UUID_CURSOR.test(decoded)) {
    throw new ValidationError('query.cursor: not a cursor this service issued', [{ path: 'query.cursor', message: 'invalid cursor' }]);
  }
  return decoded;
}

/** A cursor that carries a sequence number or numeric id. */
export function decodeNumericCursor(cursor: string | undefined): number | undefined {
  const decoded = decodeCursor(cursor);
  if (decoded === undefined) return undefined;
  const n = Number(decoded);
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new ValidationError('query.cursor: not a cursor this service issued', [{ path: 'query.cursor', message: 'invalid cursor' }]);
  }
  return n;
}

export const problemResponses = {
  400: { description: 'Invalid input', schema: Problem },
  401: { description: 'Missing or invalid bearer token', schema: Problem },
  403: { description: 'Missing permission', schema: Problem },
} as const;
