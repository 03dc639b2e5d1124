import { ValidationError } from '../shared/errors';

/** The days a report covers, in the institution's time zone, and the instants they start and end. */
export interface ReportPeriod {
  /** First day covered, YYYY-MM-DD. */
  readonly from: string;
  /** Last day covered, YYYY-MM-DD. */
  readonly to: string;
  readonly startsAt: Date;
  /** Midnight after the last day: the period is [startsAt, endsBefore). */
  readonly endsBefore: Date;
}

const formats = new Map<string, Intl.DateTimeFormat>();

/** Throws RangeError for a zone Intl does not know: config checks the zone with it at start-up. */
function format(timeZone: string): Intl.DateTimeFormat {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    // One zone is configured; the bound only keeps a mistaken caller from growing the map.
    if (formats.size < 16) formats.set(timeZone, f);
  }
  return f;
}

interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function localParts(instant: number, timeZone: string): LocalParts {
  const parts = Object.fromEntries(
    format(timeZone)
      .formatToParts(new Date(instant))
      .map((p) => [p.type, p.value]),
  );
  return { year: +parts.year, month: +parts.month, day: +parts.day, hour: +parts.hour, minute: +parts.minute, second: +parts.second };
}

/** Minutes the zone is ahead of UTC at `instant`. */
function offsetMinutes(instant: number, timeZone: string): number {
  const p = localParts(instant, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return Math.round((asUtc - Math.floor(instant / 1000) * 1000) / 60_000);
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');
const ymd = (year: number, month: number, day: number) => `${pad(year, 4)}-${pad(month)}-${pad(day)}`;

/** The calendar date of `instant` in the zone, YYYY-MM-DD. */
export function localDate(instant: Date, timeZone: string): string {
  const p = localParts(instant.getTime(), timeZone);
  return ymd(p.year, p.month, p.day);
}

/** E.g. "2026-12-05 16:47:26 (UTC+08:00)": the instant as a wall clock in the zone, with its offset. */
export function localDateTime(instant: Date, timeZone: string): string {
  const t = instant.getTime();
  const p = localParts(t, timeZone);
  const off = offsetMinutes(t, timeZone);
  const sign = off < 0 ? '-' : '+';
  const abs = Math.abs(off);
  return `${ymd(p.year, p.month, p.day)} ${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)} (UTC${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)})`;
}

/** The instant the day starts in the zone (the first moment of the day, even across a DST change). */
function startOfDay(year: number, month: number, day: number, timeZone: string): Date {
  const guess = Date.UTC(year, month - 1, day);
  let instant = guess - offsetMinutes(guess, timeZone) * 60_000;
  const second = guess - offsetMinutes(instant, timeZone) * 60_000;
  if (second !== instant) instant = Math.min(instant, second);
  return new Date(instant);
}

const EARLIEST_YEAR = 2000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function parseDay(value: string, path: string): { year: number; month: number; day: number } {
  const invalid = (message: string) => ValidationError.field(path, message);
  const m = DATE.exec(value);
  if (!m) throw invalid('must be a calendar date, YYYY-MM-DD');
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day)
    throw invalid(`${value} is not a calendar date`);
  if (year < EARLIEST_YEAR) throw invalid(`must be ${EARLIEST_YEAR}-01-01 or later`);
  return { year, month, day };
}

/**
 * The period from the query: `to` defaults to today and `from` to the day after the same date a year
 * earlier (twelve months ending today), both in the institution's zone. `to` may not be after today
 * (nothing is known about tomorrow) and `from` may not be after `to`.
 */
export function resolvePeriod(query: { from?: string; to?: string }, now: Date, timeZone: string): ReportPeriod {
  const today = localDate(now, timeZone);
  const to = parseDay(query.to ?? today, 'query.to');
  const toDate = ymd(to.year, to.month, to.day);
  if (toDate > today)
    throw new ValidationError(`query.to: ${toDate} is after today (${today}, ${timeZone})`, [{ path: 'query.to', message: 'after today' }]);
  let fromDate: string;
  if (query.from !== undefined) {
    const f = parseDay(query.from, 'query.from');
    fromDate = ymd(f.year, f.month, f.day);
  } else {
    // The same date a year before (29 February becomes the 28th), then the day after it.
    const lastDay = new Date(Date.UTC(to.year - 1, to.month, 0)).getUTCDate();
    const yearBefore = new Date(Date.UTC(to.year - 1, to.month - 1, Math.min(to.day, lastDay) + 1));
    fromDate = ymd(yearBefore.getUTCFullYear(), yearBefore.getUTCMonth() + 1, yearBefore.getUTCDate());
    if (fromDate < `${EARLIEST_YEAR}-01-01`) fromDate = `${EARLIEST_YEAR}-01-01`;
  }
  if (fromDate > toDate)
    throw new ValidationError(`query.from: ${fromDate} is after query.to ${toDate}`, [{ path: 'query.from', message: 'after to' }]);
  const f = parseDay(fromDate, 'query.from');
  const after = new Date(Date.UTC(to.year, to.month - 1, to.day + 1));
  return {
    from: fromDate,
    to: toDate,
    startsAt: startOfDay(f.year, f.month, f.day, timeZone),
    endsBefore: startOfDay(after.getUTCFullYear(), after.getUTCMonth() + 1, after.getUTCDate(), timeZone),
  };
}
