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
/** The years a timestamp or date may fall in (UTC): what PostgreSQL stores and a four-digit ISO 8601 year writes. */
export const EARLIEST_YEAR = 1900;
export const LATEST_YEAR = 9999;
const inYearRange = (ms: number): boolean => {
  if (Number.isNaN(ms)) return false;
  const year = new Date(ms).getUTCFullYear();
  return year >= EARLIEST_YEAR && year <= LATEST_YEAR;
};
const OUT_OF_RANGE = `must fall between the years ${EARLIEST_YEAR} and ${LATEST_YEAR} (UTC)`;

/** The one timestamp schema: ISO 8601 with a Z or an offset, a real calendar day, in years 1900-9999 once in UTC. */
export const Timestamp = z.iso
  .datetime({ offset: true })
  .refine((v) => inYearRange(Date.parse(v)), OUT_OF_RANGE)
  .openapi({ example: '2026-11-27T09:30:00.000Z' });

/** The one calendar-date schema: YYYY-MM-DD, a real day, in years 1900-9999. */
export const CalendarDate = z.iso
  .date()
  .refine((v) => inYearRange(Date.parse(`${v}T00:00:00Z`)), OUT_OF_RANGE)
  .openapi({ example: '2026-10-15' });

// Bidirectional controls (U+202A-202E, U+2066-2069, U+200E/F, U+061C) and every other invisible format
// character (zero-width spaces and joiners, BOM, soft hyphen, tags, fillers, variation selectors): a
// label with them can read as something else on screen (a right-to-left override turns "txt.exe" around).
const FORMAT = /\p{Cf}/u;
const FILLERS = new Set([0x034f, 0x115f, 0x1160, 0x17b4, 0x17b5, 0x3164, 0xffa0]);
const isControl = (cp: number): boolean => cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
const isLineOrTab = (cp: number): boolean => cp === 0x09 || cp === 0x0a || cp === 0x0d;
// Variation selectors (Mongolian, standard and supplementary) draw nothing of their own.
const isSelector = (cp: number): boolean =>
  (cp >= 0x180b && cp <= 0x180f) || (cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0xe0100 && cp <= 0xe01ef);
export const HIDDEN_CHARACTERS_MESSAGE =
  'must not contain bidirectional controls, invisible format characters or control characters other than line breaks and tabs';

/** Text people read on screen shows what it says: no bidi controls, no invisible format characters, no controls but line breaks and tabs. */
export function showsWhatItSays(text: string): boolean {
  if (FORMAT.test(text)) return false;
  for (const ch of text) {
    const cp = ch.codePointAt(0) as number;
    if ((isControl(cp) && !isLineOrTab(cp)) || FILLERS.has(cp) || isSelector(cp)) return false;
  }
  return true;
}

/** Free text (descriptions, reasons, notes): trimmed, `min` to `max` characters, nothing hidden. */
export const FreeText = (max: number, min = 1) =>
  z
    .string()
    .trim()
    .min(min)
    .max(max)
    .refine((v) => showsWhatItSays(v), HIDDEN_CHARACTERS_MESSAGE);

/** A human-readable name or label: free text of 1 to `max` characters, nothing hidden. */
export const Label = (max: number) => FreeText(max);

/** A telephone number as people write it: digits, spaces or dashes, optionally starting with +. */
export const PHONE_PATTERN = /^\+?[0-9][0-9 -]{4,30}$/;
export const PhoneNumber = z.string().regex(PHONE_PATTERN, 'must be digits, spaces or dashes, optionally starting with +');

/** Department codes: upper-case letters, digits, dash and underscore, e.g. RETAIL or RETAIL_CARDS. */
export const DepartmentCode = z
  .string()
  .regex(/^[A-Z][A-Z0-9_-]{1,31}$/, 'must be 2-32 upper-case letters, digits, - or _, starting with a letter')
  .openapi({ example: 'RETAIL' });

/** An app, mini-program, official account or H5 page, as a customer or a report names it (not an app-ledger id). */
export const AppName = Label(100).openapi({ example: 'Mobile banking' });

/** The query of an endpoint that takes no parameters: an unknown one is a 400 problem (`unknownQueryResponse`), as on every other GET. */
export const NoQuery = z.strictObject({});
export const unknownQueryResponse = { 400: { description: 'An unknown query parameter', schema: Problem } } as const;

export const PageQuery = {
  limit: z.coerce.number().int().min(1).max(200).default(50).openapi({ description: 'Page size (1-200)' }),
  cursor: z.string().max(200).optional().openapi({ description: 'Opaque cursor from the previous page’s nextCursor' }),
};

export const page = <T extends z.ZodType>(item: T, name: string) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() }).openapi(name);

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

const notOurCursor = () =>
  new ValidationError('query.cursor: not a cursor this service issued', [{ path: 'query.cursor', message: 'invalid cursor' }]);

export const encodeCursor = (value: string | number): string => Buffer.from(String(value), 'utf8').toString('base64url');

/**
 * The page in `rows` read with `limit + 1` (the extra row only says there is more), with the cursor
 * after its last item: `cursorOf` names the key the next page starts after.
 */
export function pageFrom<T>(rows: readonly T[], limit: number, cursorOf: (last: T) => string | number): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(cursorOf(last)) : null };
}

export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[A-Za-z0-9._:-]{1,100}$/.test(decoded)) throw notOurCursor();
  return decoded;
}

const UUID_CURSOR = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A cursor that carries a uuid (the last id of the previous page): anything else is a 400, never a query the database refuses. */
export function decodeUuidCursor(cursor: string | undefined): string | undefined {
  const decoded = decodeCursor(cursor);
  if (decoded !== undefined && !UUID_CURSOR.test(decoded)) throw notOurCursor();
  return decoded;
}

/**
 * A cursor that carries an instant and an id (`<ISO 8601 UTC instant>_<uuid>`: the last row of the
 * previous page of a list in time order). A date the calendar does not have is a 400 too.
 */
export function decodeInstantCursor(cursor: string | undefined): { at: string; id: string } | undefined {
  const decoded = decodeCursor(cursor);
  if (decoded === undefined) return undefined;
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)_([0-9a-f-]{36})$/.exec(decoded);
  if (!match || Number.isNaN(Date.parse(match[1]))) throw notOurCursor();
  return { at: match[1], id: match[2] };
}

/** A cursor that carries a sequence number or numeric id. */
export function decodeNumericCursor(cursor: string | undefined): number | undefined {
  const decoded = decodeCursor(cursor);
  if (decoded === undefined) return undefined;
  const n = Number(decoded);
  if (!Number.isSafeInteger(n) || n < 0) throw notOurCursor();
  return n;
}

export const problemResponses = {
  400: { description: 'Invalid input', schema: Problem },
  401: { description: 'Missing or invalid bearer token', schema: Problem },
  403: { description: 'Missing permission', schema: Problem },
} as const;

/** A report offered as JSON and CSV when the Accept header names neither (shared/csv.ts, jsonOrCsv). */
export const notAcceptableResponse = { 406: { description: 'Neither JSON nor CSV is acceptable', schema: Problem } } as const;
