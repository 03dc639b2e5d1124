import type { Db, Trx } from '../db';

/** One month of the audit log: a partition of audit_events named audit_events_YYYYmMM. */
export interface AuditMonth {
  readonly name: string;
  /** First instant of the month (UTC), inclusive. */
  readonly from: Date;
  /** First instant of the next month, exclusive. */
  readonly until: Date;
}

/** What a month holds, read under the chain lock before it is detached. */
export interface AuditMonthContents {
  readonly events: number;
  readonly firstSeq: number | null;
  readonly lastSeq: number | null;
  readonly lastHash: string | null;
  /** An event outside this month has a seq inside its range: detaching it would cut the chain. */
  readonly interleaved: boolean;
}

const MONTH_PARTITION = /^audit_events_(\d{4})m(\d{2})$/;

/** Partition maintenance of the audit log (SQL only here): create months ahead, detach old ones. */
export class AuditPartitionStore {
  constructor(private readonly db: Db) {}

  /** Creates the monthly partitions from the month of `from` through the month of `until`; returns the new ones. */
  async ensure(from: Date, until: Date): Promise<string[]> {
    const result = (await this.db.raw('select audit_ensure_partitions(?, ?) as name', [from.toISOString(), until.toISOString()])) as {
      rows: Array<{ name: string }>;
    };
    return result.rows.map((r) => r.name);
  }

  /** The monthly partitions attached to audit_events, oldest first. */
  async months(trx: Db | Trx = this.db): Promise<AuditMonth[]> {
    const result = (await trx.raw(
      `select c.relname as name
         from pg_inherits i join pg_class c on c.oid = i.inhrelid
        where i.inhparent = 'audit_events'::regclass`,
    )) as { rows: Array<{ name: string }> };
    return result.rows
      .flatMap(({ name }) => {
        const m = MONTH_PARTITION.exec(name);
        if (!m) return [];
        const from = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1));
        return [{ name, from, until: new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + 1, 1)) }];
      })
      .sort((a, b) => a.from.getTime() - b.from.getTime());
  }

  /** Gives up instead of queueing every writer behind a DDL lock that a long reader holds. */
  async limitLockWait(trx: Trx, ms: number): Promise<void> {
    await trx.raw(`set local lock_timeout = ${Math.floor(ms)}`);
  }

  async contents(trx: Trx, month: AuditMonth): Promise<AuditMonthContents> {
    const result = (await trx.raw('select count(*) as events, min(seq) as first_seq, max(seq) as last_seq from ??', [month.name])) as {
      rows: Array<{ events: number; first_seq: number | null; last_seq: number | null }>;
    };
    const stats = result.rows[0];
    if (stats.last_seq === null) return { events: 0, firstSeq: null, lastSeq: null, lastHash: null, interleaved: false };
    const last = (await trx(month.name).where('seq', stats.last_seq).first('hash')) as { hash: string };
    const outside = await trx('audit_events')
      .where('seq', '<=', stats.last_seq)
      .andWhere((q) => q.where('occurred_at', '<', month.from.toISOString()).orWhere('occurred_at', '>=', month.until.toISOString()))
      .first('seq');
    return {
      events: Number(stats.events),
      firstSeq: stats.first_seq,
      lastSeq: stats.last_seq,
      lastHash: last.hash,
      interleaved: outside !== undefined,
    };
  }

  /** Detaches the month (never drops it) and keeps it append-only as a table of its own. */
  async detach(trx: Trx, month: AuditMonth): Promise<void> {
    await trx.raw('alter table audit_events detach partition ??', [month.name]);
    // Row triggers cloned from the parent leave with the detach; the archive keeps its own.
    const existing = (await trx.raw('select tgname from pg_trigger where tgrelid = ?::regclass', [month.name])) as {
      rows: Array<{ tgname: string }>;
    };
    const names = new Set(existing.rows.map((r) => r.tgname));
    if (!names.has('audit_events_no_update_delete')) {
      await trx.raw(
        'create trigger audit_events_no_update_delete before update or delete on ?? for each row execute function audit_events_append_only()',
        [month.name],
      );
    }
    if (!names.has('audit_events_no_truncate')) {
      await trx.raw(
        'create trigger audit_events_no_truncate before truncate on ?? for each statement execute function audit_events_append_only()',
        [month.name],
      );
    }
  }

  /** Takes the retention job's lock for this transaction, or answers false when another replica holds it. */
  async tryRetentionLock(trx: Trx): Promise<boolean> {
    const result = (await trx.raw('select pg_try_advisory_xact_lock(?) as locked', [AUDIT_RETENTION_LOCK])) as {
      rows: Array<{ locked: boolean }>;
    };
    return result.rows[0].locked;
  }

  /** Serialises with appenders so the detachment's own event follows the last detached one. */
  async lockChain(trx: Trx, chainLock: number): Promise<void> {
    await trx.raw('select pg_advisory_xact_lock(?)', [chainLock]);
  }
}

const AUDIT_RETENTION_LOCK = 0x61756472; // 'audr'
