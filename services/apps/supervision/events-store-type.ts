import type { Db, Trx } from '../../db';
import type { AccountabilityEvent, AccountabilitySubjectKind } from './schemas';

/**
 * What an accountability decision reads of the app's major events and overdue rectification, across
 * features (major warnings, regulator-reported or overdue vulnerabilities, inspection findings,
 * overdue rectification items): events-store.ts on the database, events-fake-store.ts in memory.
 */
export interface AccountabilityEventLookup {
  /** The major event or overdue rectification `kind`/`id` of the app, as of `now`; undefined when it is none. */
  event(trx: Db | Trx, appId: string, kind: AccountabilitySubjectKind, id: string, now: string): Promise<{ label: string } | undefined>;
  /** Whether the app has a record of this kind and id at all (to tell "not an event" from "no such record"). */
  exists(trx: Db | Trx, appId: string, kind: AccountabilitySubjectKind, id: string): Promise<boolean>;
  /** An app's major events and overdue rectifications (most recent first, at most 200), each with whether a decision covers it. */
  eventsOf(appId: string, now: string): Promise<AccountabilityEvent[]>;
}
