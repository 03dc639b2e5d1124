import type { Db, Trx } from '../../db';
import type { Finding } from '../../reports/compliance-check';
import type { ImportanceTier } from './schemas';

/** An app's continuity profile as stored (whether its drill is current is derived from the clock). */
export interface ContinuityRecord {
  appId: string;
  tier: ImportanceTier;
  rtoMinutes: number;
  rpoMinutes: number;
  planReference: string;
  lastDrill: { on: string; result: 'passed' | 'failed' } | null;
  setBy: string;
  setAt: string;
}

/** An outage as stored, with the RTO in force when it was recorded (its duration and breach are derived). */
export interface OutageRecord {
  id: string;
  appId: string;
  startedAt: string;
  endedAt: string;
  impact: string;
  cause: string;
  rtoMinutes: number;
  recordedBy: string;
  recordedAt: string;
}

export interface OutageFilter {
  /** Only outages longer than their RTO (true) or only those within it (false). */
  exceedsRto?: boolean;
  /** Keyset: the id of the last outage of the previous page. */
  afterId?: string;
}

/**
 * What the continuity service and its compliance facts need of each app's continuity profile and
 * its outages (store.ts on the database, fake-store.ts in memory). The compliance questions read the apps.
 */
export interface ContinuityStoreType {
  profile(appId: string, trx?: Db | Trx): Promise<ContinuityRecord | undefined>;
  /** Inserts or replaces the app's profile. */
  saveProfile(trx: Trx, profile: ContinuityRecord): Promise<void>;
  insertOutage(trx: Trx, outage: OutageRecord): Promise<void>;
  /** Outages of an app, most recent start first (then id), after `afterId` in that order. */
  outagesOf(appId: string, filter: OutageFilter, limit: number): Promise<OutageRecord[]>;
  /** Apps not retired of the critical and important tiers, and those without a passed drill on or after `cutoff` (a date); by name. */
  withoutRecentDrill(cutoff: string): Promise<Finding>;
  /** Outages that started in [from, to), and those of them longer than their RTO (longest overrun first). */
  rtoBreaches(window: { from: string; to: string }): Promise<Finding>;
}
