import { ConflictError, ValidationError } from '../shared/errors';

/**
 * Complaint deadlines under the 2020 rules on banking and insurance consumer complaints
 * (银行业保险业消费投诉处理管理办法): a decision within 15 days of receipt; a complex case may be
 * extended to 30 days; an especially complex one, with a senior manager's approval, by another
 * 30 days — never more than 60 days in all. Days are calendar days; the day of receipt is not
 * counted and the last day ends at 24:00 China Standard Time (Civil Code Art. 201, 203).
 */
export const INITIAL_DAYS = 15;
export const DAYS_WITHOUT_APPROVAL = 30;
export const MAX_TOTAL_DAYS = 60;
export const MAX_EXTENSION_DAYS = 30;

const DAY_MS = 86_400_000;
// China Standard Time has no daylight saving, so a fixed offset is exact.
const CST_OFFSET_MS = 8 * 3_600_000;

export interface Due {
  /** The last day to decide, YYYY-MM-DD in China Standard Time. */
  readonly dueDate: string;
  /** The instant that day ends (24:00 +08:00), in UTC. */
  readonly dueAt: string;
}

/** The day number (days since 1970-01-01) of the China Standard Time calendar day containing `instant`. */
function chinaDay(instant: string): number {
  return Math.floor((Date.parse(instant) + CST_OFFSET_MS) / DAY_MS);
}

/** The deadline `totalDays` days after the day `receivedAt` falls on. */
export function dueOf(receivedAt: string, totalDays: number): Due {
  const dueDay = chinaDay(receivedAt) + totalDays;
  return {
    dueDate: new Date(dueDay * DAY_MS).toISOString().slice(0, 10),
    dueAt: new Date((dueDay + 1) * DAY_MS - CST_OFFSET_MS).toISOString(),
  };
}

/**
 * The total number of days after an extension of `days`, or the reason it is refused:
 * each extension is 1-30 days; past 30 days in all it needs a senior manager's approval; never past 60.
 */
export function extendedTotal(currentTotal: number, days: number, approvedBy: string | undefined): number {
  if (!Number.isInteger(days) || days < 1 || days > MAX_EXTENSION_DAYS) {
    throw new ValidationError(`body.days: must be a whole number from 1 to ${MAX_EXTENSION_DAYS}`, [
      { path: 'body.days', message: `must be 1-${MAX_EXTENSION_DAYS}` },
    ]);
  }
  const total = currentTotal + days;
  if (total > MAX_TOTAL_DAYS) {
    throw new ConflictError(
      'extension_limit',
      `A complaint must be decided within ${MAX_TOTAL_DAYS} days of receipt; this one has ${currentTotal} and can be extended by at most ${MAX_TOTAL_DAYS - currentTotal} more`,
    );
  }
  if (total > DAYS_WITHOUT_APPROVAL && approvedBy === undefined) {
    throw new ValidationError(
      `body.approvedBy: an extension past ${DAYS_WITHOUT_APPROVAL} days needs the approval of a senior manager or the superior institution`,
      [{ path: 'body.approvedBy', message: `required when the total passes ${DAYS_WITHOUT_APPROVAL} days` }],
    );
  }
  return total;
}

/** Past its deadline and not yet decided. */
export function isOverdue(status: string, dueAt: string, now: string): boolean {
  return OPEN_STATUSES.includes(status) && now >= dueAt;
}

/** Statuses in which the complaint still waits for a decision (the deadline runs). */
export const OPEN_STATUSES: readonly string[] = ['received', 'acknowledged', 'investigating'];
