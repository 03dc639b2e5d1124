import type { Db } from '../db';
import type { Logger } from '../logger';
import { systemClock, type Clock } from '../platform/clock';
import type { AuditMonth, AuditPartitionStore } from './partition-store';
import type { AuditLog, ChangeContext } from './service';
import { AUDIT_CHAIN_LOCK, RETENTION_ACTION, monthStart, type AuditStore } from './store';

/** PIPL Art. 56: processing records are kept at least three years. */
export const MIN_AUDIT_RETENTION_MONTHS = 36;

/** A month taken out of the live log by retention (the table stays, detached, until the bank archives it). */
export interface DetachedMonth {
  readonly partition: string;
  readonly from: string;
  readonly until: string;
  readonly events: number;
  readonly firstSeq: number | null;
  readonly lastSeq: number | null;
}

const SYSTEM: ChangeContext = { actor: { kind: 'system', name: 'audit-retention' }, requestId: null };
const LOCK_WAIT_MS = 5000;

/** `at` moved back by whole months, same day and time (UTC); the 31st becomes the month's last day. */
export function monthsBefore(at: Date, months: number): Date {
  const target = new Date(at.getTime());
  const day = target.getUTCDate();
  target.setUTCDate(1);
  target.setUTCMonth(target.getUTCMonth() - months);
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(day, lastDay));
  return target;
}

/**
 * The audit log's months: created ahead of time, and detached once every event in them is older
 * than the retention period (never fewer than 36 months). Detaching keeps the rows (as a table of
 * their own, still append-only) and writes an event into the chain naming the last detached seq
 * and hash, from which verification of the retained chain starts.
 */
export class AuditRetention {
  constructor(
    private readonly db: Db,
    private readonly partitions: AuditPartitionStore,
    private readonly store: AuditStore,
    private readonly audit: AuditLog,
    readonly retentionMonths: number,
    private readonly logger?: Logger,
    /** What "this month" and the retention period are counted from, unless a call names the instant. */
    private readonly clock: Clock = systemClock,
  ) {
    if (!Number.isInteger(retentionMonths) || retentionMonths < MIN_AUDIT_RETENTION_MONTHS) {
      throw new Error(`audit retention must be at least ${MIN_AUDIT_RETENTION_MONTHS} months (PIPL Art. 56), not ${retentionMonths}`);
    }
  }

  /** Creates this month's and next month's partitions if they are missing. */
  ensureAhead(now = this.clock.now()): Promise<string[]> {
    return this.partitions.ensure(now, monthStart(now, 1));
  }

  /** Months whose every event is older than the retention period. */
  async expiredMonths(now = this.clock.now()): Promise<AuditMonth[]> {
    const cutoff = monthsBefore(now, this.retentionMonths).getTime();
    return (await this.partitions.months()).filter((m) => m.until.getTime() <= cutoff);
  }

  /** Detaches expired months, oldest first; stops at the first one that cannot go (logged). */
  async detachExpired(now = this.clock.now()): Promise<DetachedMonth[]> {
    const detached: DetachedMonth[] = [];
    for (const month of await this.expiredMonths(now)) {
      const result = await this.detachMonth(month);
      if (!result) break;
      detached.push(result);
    }
    return detached;
  }

  private async detachMonth(month: AuditMonth): Promise<DetachedMonth | undefined> {
    const anchor = await this.store.retentionAnchor();
    return this.db.transaction(async (trx) => {
      if (!(await this.partitions.tryRetentionLock(trx))) return undefined;
      await this.partitions.limitLockWait(trx, LOCK_WAIT_MS);
      await this.partitions.lockChain(trx, AUDIT_CHAIN_LOCK);
      if (!(await this.partitions.months(trx)).some((m) => m.name === month.name)) return undefined;
      const contents = await this.partitions.contents(trx, month);
      const expectedFirst = (anchor?.lastSeq ?? 0) + 1;
      if (contents.events > 0 && (contents.interleaved || contents.firstSeq !== expectedFirst)) {
        // Detaching would leave a hole in the retained chain: keep the month, and say why.
        this.logger?.warn(
          { partition: month.name, firstSeq: contents.firstSeq, expectedFirst, interleaved: contents.interleaved },
          'audit month not detached: its events do not continue the detached chain',
        );
        return undefined;
      }
      await this.partitions.detach(trx, month);
      const result: DetachedMonth = {
        partition: month.name,
        from: month.from.toISOString(),
        until: month.until.toISOString(),
        events: contents.events,
        firstSeq: contents.firstSeq,
        lastSeq: contents.lastSeq,
      };
      await this.audit.record(trx, SYSTEM, {
        action: RETENTION_ACTION,
        objectType: 'audit_partition',
        objectId: month.name,
        details: { ...result, lastHash: contents.lastHash, retentionMonths: this.retentionMonths },
      });
      return result;
    });
  }
}
