import type { Db, Trx } from '../db';
import type { Checkpoint } from './checkpoint-key';

interface CheckpointRow {
  number: number | string;
  seq: number | string;
  hash: string;
  made_at: string | Date;
  prev_hash: string;
  kid: string;
  jws: string;
}

/** One checkpointer at a time across replicas; never the chain lock, so appenders never wait for it. */
const AUDIT_CHECKPOINT_LOCK = 0x61756463; // 'audc'

const fromRow = (r: CheckpointRow): Checkpoint => ({
  number: Number(r.number),
  seq: Number(r.seq),
  hash: r.hash,
  madeAt: new Date(r.made_at).toISOString(),
  prev: r.prev_hash,
  kid: r.kid,
  jws: r.jws,
});

/** The audit chain's signed checkpoints (SQL only here): append and read, nothing else. */
export class AuditCheckpointStore {
  constructor(private readonly db: Db) {}

  /** Takes the checkpointer's lock for this transaction, or answers false when another replica holds it. */
  async tryLock(trx: Trx): Promise<boolean> {
    const result = (await trx.raw('select pg_try_advisory_xact_lock(?) as locked', [AUDIT_CHECKPOINT_LOCK])) as {
      rows: Array<{ locked: boolean }>;
    };
    return result.rows[0].locked;
  }

  /** The committed end of the chain (appenders commit in seq order under the chain lock, so nothing before it is missing). */
  async chainHead(trx: Trx): Promise<{ seq: number; hash: string } | undefined> {
    const row = (await trx('audit_events').orderBy('seq', 'desc').first('seq', 'hash')) as
      { seq: number | string; hash: string } | undefined;
    return row ? { seq: Number(row.seq), hash: row.hash } : undefined;
  }

  /** The hash of the event at `seq`, if the retained chain holds it. */
  async eventHash(trx: Trx, seq: number): Promise<string | undefined> {
    const row = (await trx('audit_events').where('seq', seq).first('hash')) as { hash: string } | undefined;
    return row?.hash;
  }

  async latest(trx: Db | Trx = this.db): Promise<Checkpoint | undefined> {
    const row = (await trx('audit_checkpoints').orderBy('number', 'desc').first()) as CheckpointRow | undefined;
    return row ? fromRow(row) : undefined;
  }

  async byNumber(number: number): Promise<Checkpoint | undefined> {
    const row = (await this.db('audit_checkpoints').where('number', number).first()) as CheckpointRow | undefined;
    return row ? fromRow(row) : undefined;
  }

  /** Checkpoints numbered after `afterNumber` (up to `throughNumber`), oldest first. */
  async readAfter(afterNumber: number, limit: number, throughNumber = Number.MAX_SAFE_INTEGER): Promise<Checkpoint[]> {
    const rows = (await this.db('audit_checkpoints')
      .where('number', '>', afterNumber)
      .andWhere('number', '<=', throughNumber)
      .orderBy('number', 'asc')
      .limit(limit)) as CheckpointRow[];
    return rows.map(fromRow);
  }

  async insert(trx: Trx, checkpoint: Checkpoint): Promise<void> {
    await trx('audit_checkpoints').insert({
      number: checkpoint.number,
      seq: checkpoint.seq,
      hash: checkpoint.hash,
      made_at: checkpoint.madeAt,
      prev_hash: checkpoint.prev,
      kid: checkpoint.kid,
      jws: checkpoint.jws,
    });
  }
}
