import { AUDIT_CHAIN_LOCK, type LinkedBatch } from '../audit';
import type { Db, Trx } from '../db';

/** One day of a batch's usage, per grant in id order (so two replicas' batches lock rows in the same order). */
export interface DayUsage {
  readonly day: string;
  /** The latest decision of the day in the batch: the grants' last use. */
  readonly at: string;
  readonly grantIds: string[];
  readonly records: number[];
  readonly decisions: number[];
}

/** The SQL of recording decisions: their usage counters, with their audit events (db/migrations/…_one_statement_appends.ts). */
export class DecisionStore {
  constructor(private readonly db: Db) {}

  /** A day of a batch's usage inside its transaction: counters added, grants' last use set. */
  async addUsage(trx: Trx, usage: DayUsage): Promise<void> {
    if (usage.grantIds.length === 0) return;
    await trx.raw('select record_decision_usage(?::date, ?::timestamptz, ?::uuid[], ?::bigint[], ?::bigint[])', [
      usage.day,
      usage.at,
      [...usage.grantIds],
      [...usage.records],
      [...usage.decisions],
    ]);
  }

  /** A batch's usage (of one day at most), then its events linked ahead, in one statement (record_decisions). */
  async recordDecisions(linked: LinkedBatch, usage: DayUsage | undefined): Promise<void> {
    await this.db
      .raw('select record_decisions(?, ?, ?, ?::jsonb, ?::date, ?::timestamptz, ?::uuid[], ?::bigint[], ?::bigint[])', [
        AUDIT_CHAIN_LOCK,
        linked.after.seq,
        linked.after.hash,
        linked.rowsJson,
        usage?.day ?? null,
        usage?.at ?? null,
        usage?.grantIds ?? [],
        usage?.records ?? [],
        usage?.decisions ?? [],
      ])
      .options({ name: 'record_decisions' });
  }
}
