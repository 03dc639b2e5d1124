import type { Db, Trx } from '../../db';
import type { Finding } from '../../reports/compliance-check';
import { examinedFinding } from '../accountability/store';
import { afterRow } from '../store';
import { DRILLED_TIERS, type ImportanceTier } from './schemas';
import type { ContinuityRecord, ContinuityStoreType, OutageFilter, OutageRecord } from './store-type';

interface ContinuityRow {
  app_id: string;
  tier: ImportanceTier;
  rto_minutes: number;
  rpo_minutes: number;
  plan_reference: string;
  last_drill_on: string | null;
  last_drill_result: 'passed' | 'failed' | null;
  set_by: string;
  set_at: string;
}

interface OutageRow {
  id: string;
  app_id: string;
  started_at: string;
  ended_at: string;
  impact: string;
  cause: string;
  rto_minutes: number;
  recorded_by: string;
  recorded_at: string;
}

const continuityFromRow = (r: ContinuityRow): ContinuityRecord => ({
  appId: r.app_id,
  tier: r.tier,
  rtoMinutes: r.rto_minutes,
  rpoMinutes: r.rpo_minutes,
  planReference: r.plan_reference,
  lastDrill: r.last_drill_on !== null && r.last_drill_result !== null ? { on: r.last_drill_on, result: r.last_drill_result } : null,
  setBy: r.set_by,
  setAt: r.set_at,
});

const outageFromRow = (r: OutageRow): OutageRecord => ({
  id: r.id,
  appId: r.app_id,
  startedAt: r.started_at,
  endedAt: r.ended_at,
  impact: r.impact,
  cause: r.cause,
  rtoMinutes: r.rto_minutes,
  recordedBy: r.recorded_by,
  recordedAt: r.recorded_at,
});

// An outage breaches when it lasted longer than the RTO recorded with it.
const BREACH = `(o.ended_at - o.started_at) > make_interval(mins => o.rto_minutes)`;

/** Each app's continuity profile and its outage records. */
export class ContinuityStore implements ContinuityStoreType {
  constructor(private readonly db: Db) {}

  async profile(appId: string, trx: Db | Trx = this.db): Promise<ContinuityRecord | undefined> {
    const row = (await trx('app_continuity').where({ app_id: appId }).first()) as ContinuityRow | undefined;
    return row ? continuityFromRow(row) : undefined;
  }

  async saveProfile(trx: Trx, c: ContinuityRecord): Promise<void> {
    await trx('app_continuity')
      .insert({
        app_id: c.appId,
        tier: c.tier,
        rto_minutes: c.rtoMinutes,
        rpo_minutes: c.rpoMinutes,
        plan_reference: c.planReference,
        last_drill_on: c.lastDrill?.on ?? null,
        last_drill_result: c.lastDrill?.result ?? null,
        set_by: c.setBy,
        set_at: c.setAt,
      })
      .onConflict('app_id')
      .merge();
  }

  async insertOutage(trx: Trx, o: OutageRecord): Promise<void> {
    await trx('app_outages').insert({
      id: o.id,
      app_id: o.appId,
      started_at: o.startedAt,
      ended_at: o.endedAt,
      impact: o.impact,
      cause: o.cause,
      rto_minutes: o.rtoMinutes,
      recorded_by: o.recordedBy,
      recorded_at: o.recordedAt,
    });
  }

  /** Outages of an app, most recent start first. */
  async outagesOf(appId: string, filter: OutageFilter, limit: number): Promise<OutageRecord[]> {
    const q = this.db('app_outages as o')
      .where('o.app_id', appId)
      .orderBy([
        { column: 'o.started_at', order: 'desc' },
        { column: 'o.id', order: 'desc' },
      ])
      .limit(limit);
    if (filter.exceedsRto !== undefined) q.whereRaw(filter.exceedsRto ? BREACH : `not ${BREACH}`);
    afterRow(q, 'app_outages', 'started_at, id', '<', filter.afterId);
    return ((await q.select('o.*')) as OutageRow[]).map(outageFromRow);
  }

  /** Apps not retired of the critical and important tiers without a passed drill on or after `cutoff` (a date). */
  withoutRecentDrill(cutoff: string): Promise<Finding> {
    const drilled = `select a.id, a.name from apps a join app_continuity c on c.app_id = a.id
                     where a.lifecycle_state <> 'retired' and c.tier = any(?::text[])`;
    const tiers = `{${DRILLED_TIERS.join(',')}}`;
    return examinedFinding(
      this.db,
      drilled,
      `${drilled} and (c.last_drill_result is distinct from 'passed' or c.last_drill_on < ?::date) order by lower(a.name), a.id`,
      { examined: [tiers], offending: [tiers, cutoff] },
    );
  }

  /** Outages that started in [from, to), and those of them longer than their RTO (examples: outage ids, longest overrun first). */
  rtoBreaches(window: { from: string; to: string }): Promise<Finding> {
    const inWindow = `select o.id, o.started_at, o.ended_at, o.rto_minutes from app_outages o where o.started_at >= ? and o.started_at < ?`;
    const bounds = [window.from, window.to];
    return examinedFinding(
      this.db,
      inWindow,
      `${inWindow} and ${BREACH} order by (o.ended_at - o.started_at) - make_interval(mins => o.rto_minutes) desc, o.id`,
      { examined: bounds, offending: bounds },
    );
  }
}
