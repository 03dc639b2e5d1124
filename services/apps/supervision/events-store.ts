import type { Db, Trx } from '../../db';
import { isoInstant } from '../../platform/row-mapper';
import { examinedFinding } from '../accountability/store';
import type { Finding } from '../../reports/compliance-check';
import type { AccountabilityEvent, AccountabilitySubjectKind } from './schemas';
import type { AccountabilityEventLookup } from './events-store-type';

/**
 * Every major event and overdue rectification, of every app: major warnings, regulator-reported or overdue
 * vulnerabilities, inspection findings and overdue rectification items (binds `now` twice).
 */
const EVENTS = `
  select w.id, 'warning'::text as kind, w.raised_at as occurred_at, w.app_id,
         a.name || ' · major ' || replace(w.kind, '_', ' ') || ' warning' as label
    from app_warnings w join apps a on a.id = w.app_id where w.severity = 'major'
  union all
  select v.id, 'vulnerability', case when v.source = 'regulator_notice' then v.reported_at else v.due_at end, v.app_id,
         a.name || ' · ' || v.title
    from app_vulnerabilities v join apps a on a.id = v.app_id
   where v.source = 'regulator_notice' or (v.fixed_at is null and v.due_at < ?) or v.fixed_at > v.due_at
  union all
  select f.id, 'inspection_finding', f.recorded_at, f.app_id, a.name || ' · ' || f.title
    from app_inspection_findings f join apps a on a.id = f.app_id
  union all
  select r.id, 'rectification_item', r.due_at, r.app_id, a.name || ' · ' || r.action
    from app_rectification_items r join apps a on a.id = r.app_id
   where (r.closed_at is null and r.due_at < ?) or r.closed_at > r.due_at`;

const decidedBefore = (bound: string) =>
  `exists (select 1 from app_accountability_decisions d where d.subject_kind = e.kind and d.subject_id = e.id${bound})`;

/** What calls for an accountability decision, and the compliance report's questions on warnings, rectification and accountability. */
export class AccountabilityEventStore implements AccountabilityEventLookup {
  constructor(private readonly db: Db) {}

  /** The major event or overdue rectification `kind`/`id` of the app, as of `now`; undefined when it is none. */
  async event(
    trx: Db | Trx,
    appId: string,
    kind: AccountabilitySubjectKind,
    id: string,
    now: string,
  ): Promise<{ label: string } | undefined> {
    const result = (await trx.raw(`select e.label from (${EVENTS}) e where e.app_id = ? and e.kind = ? and e.id = ?`, [
      now,
      now,
      appId,
      kind,
      id,
    ])) as { rows: Array<{ label: string }> };
    return result.rows[0];
  }

  /** Whether the app has a record of this kind and id at all (to tell "not an event" from "no such record"). */
  async exists(trx: Db | Trx, appId: string, kind: AccountabilitySubjectKind, id: string): Promise<boolean> {
    const table = {
      warning: 'app_warnings',
      vulnerability: 'app_vulnerabilities',
      inspection_finding: 'app_inspection_findings',
      rectification_item: 'app_rectification_items',
    }[kind];
    return (await trx(table).where({ app_id: appId, id }).first('id')) !== undefined;
  }

  /** An app's major events and overdue rectifications (most recent first, at most 200), each with whether a decision covers it. */
  async eventsOf(appId: string, now: string): Promise<AccountabilityEvent[]> {
    const result = (await this.db.raw(
      `select e.kind, e.id, e.occurred_at, e.label, ${decidedBefore('')} as decided
         from (${EVENTS}) e where e.app_id = ? order by e.occurred_at desc, e.id desc limit 200`,
      [now, now, appId],
    )) as { rows: Array<{ kind: AccountabilitySubjectKind; id: string; occurred_at: string; label: string; decided: boolean }> };
    return result.rows.map((r) => ({ kind: r.kind, id: r.id, occurredAt: isoInstant(r.occurred_at), label: r.label, decided: r.decided }));
  }

  /** Warnings unacknowledged at some time in [from, to), and those still unacknowledged (examples: warning ids, oldest first). */
  unacknowledgedWarnings(window: { from: string; to: string }): Promise<Finding> {
    const open = `select w.id, w.raised_at from app_warnings w where w.raised_at < ? and (w.acknowledged_at is null or w.acknowledged_at >= ?)`;
    const bounds = [window.to, window.from];
    return examinedFinding(this.db, open, `${open} and w.acknowledged_at is null order by w.raised_at, w.id`, {
      examined: bounds,
      offending: bounds,
    });
  }

  /** Rectification items open at some time in [from, to), and those open past their due date now (examples: most overdue first). */
  overdueRectificationItems(now: string, window: { from: string; to: string }): Promise<Finding> {
    const open = `select r.id, r.due_at from app_rectification_items r where r.created_at < ? and (r.closed_at is null or r.closed_at >= ?)`;
    const bounds = [window.to, window.from];
    return examinedFinding(this.db, open, `${open} and r.closed_at is null and r.due_at < ? order by r.due_at, r.id`, {
      examined: bounds,
      offending: [...bounds, now],
    });
  }

  /**
   * Major events and overdue rectifications that happened before `to` and had no decision before `from`,
   * and those that still have none (examples: their ids, oldest first).
   */
  eventsWithoutDecision(now: string, window: { from: string; to: string }): Promise<Finding> {
    const undecided = `select e.id, e.occurred_at from (${EVENTS}) e where e.occurred_at < ? and not ${decidedBefore(' and d.recorded_at < ?')}`;
    return examinedFinding(
      this.db,
      undecided,
      `select e.id, e.occurred_at from (${EVENTS}) e where e.occurred_at < ? and not ${decidedBefore('')} order by e.occurred_at, e.id`,
      { examined: [now, now, window.to, window.from], offending: [now, now, window.to] },
    );
  }
}
