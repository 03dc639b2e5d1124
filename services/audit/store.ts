import crypto from 'node:crypto';
import canonicalize from 'canonicalize';
import type { Db, Trx } from '../db';

export type ActorType = 'staff' | 'client' | 'public' | 'system';

export interface AuditEventInput {
  /** Set by callers that must name the event before it is appended (idempotency claims); a random UUID otherwise. */
  readonly id?: string;
  readonly actorType: ActorType;
  readonly actorId: string;
  readonly action: string;
  readonly objectType: string;
  readonly objectId: string | null;
  readonly requestId: string | null;
  /** Before/after summaries and decision facts; never customer field values or raw customer ids. */
  readonly details: Record<string, unknown>;
}

export interface AuditEvent extends AuditEventInput {
  readonly seq: number;
  readonly id: string;
  readonly occurredAt: string;
  readonly prevHash: string;
  readonly hash: string;
}

export interface AuditFilter {
  action?: string;
  actorId?: string;
  objectType?: string;
  objectId?: string;
  from?: string;
  to?: string;
  beforeSeq?: number;
}

/** The chain starts from this value; the first event's prev_hash. */
export const GENESIS_HASH = '0'.repeat(64);
/** Serialises appenders (across processes) so the chain stays linear: seq n+1 always follows seq n. */
export const AUDIT_CHAIN_LOCK = 0x61756469; // 'audi'

/** Where the retained chain starts once older months were detached (see AuditRetention). */
export interface RetentionAnchor {
  /** The last event of the detached months: the retained chain continues from it. */
  readonly lastSeq: number;
  readonly lastHash: string;
}

/** The first instant of the month `months` after the month of `at` (UTC). */
export function monthStart(at: Date, months = 0): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + months, 1));
}

interface AuditRow {
  seq: number;
  id: string;
  occurred_at: string;
  actor_type: ActorType;
  actor_id: string;
  action: string;
  object_type: string;
  object_id: string | null;
  request_id: string | null;
  details: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

/** The event that records months of the log detached by retention; it anchors the retained chain. */
export const RETENTION_ACTION = 'audit.partition_detached';

/** The hash of an event over its canonical (RFC 8785) encoding, chained to the previous hash. */
export function hashEvent(event: Omit<AuditEvent, 'hash'>): string {
  const canonical = canonicalize({
    seq: event.seq,
    id: event.id,
    occurredAt: event.occurredAt,
    actorType: event.actorType,
    actorId: event.actorId,
    action: event.action,
    objectType: event.objectType,
    objectId: event.objectId,
    requestId: event.requestId,
    details: event.details,
    prevHash: event.prevHash,
  });
  return crypto.createHash('sha256').update(canonical ?? '').digest('hex');
}

const fromRow = (r: AuditRow): AuditEvent => ({
  seq: r.seq,
  id: r.id,
  occurredAt: r.occurred_at,
  actorType: r.actor_type,
  actorId: r.actor_id,
  action: r.action,
  objectType: r.object_type,
  objectId: r.object_id,
  requestId: r.request_id,
  details: r.details,
  prevHash: r.prev_hash,
  hash: r.hash,
});

export interface AuditStoreOptions {
  /** The clock events are stamped with (tests put events in other months). */
  readonly now?: () => Date;
}

/** The audit store offers append and read, nothing else. */
export class AuditStore {
  private readonly now: () => Date;
  /** Months up to here are known to have their partition (audit_ensure_partitions). */
  private partitionsUntil = 0;

  constructor(
    private readonly db: Db,
    options: AuditStoreOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
  }

  /** Appends events at the end of the chain inside the caller's transaction. */
  async append(trx: Trx, inputs: readonly AuditEventInput[]): Promise<AuditEvent[]> {
    if (inputs.length === 0) return [];
    // The chain lock, then the head as the previous holder committed it (db/migrations/…_audit_chain_head.ts).
    const head = (await trx.raw('select seq, hash, occurred_at from audit_chain_head(?)', [AUDIT_CHAIN_LOCK])) as {
      rows: Array<{ seq: number; hash: string; occurred_at: string }>;
    };
    const last = head.rows[0];
    let seq = last?.seq ?? 0;
    let prevHash = last?.hash ?? GENESIS_HASH;
    const stamped = this.now().toISOString();
    // Never before the previous event (replicas' clocks differ a little): each month then holds one run of the chain.
    const occurredAt = last && last.occurred_at > stamped ? last.occurred_at : stamped;
    await this.ensurePartitionIn(trx, new Date(occurredAt));
    const events: AuditEvent[] = inputs.map((input) => {
      seq += 1;
      const unhashed = { ...input, seq, id: input.id ?? crypto.randomUUID(), occurredAt, prevHash };
      const hash = hashEvent(unhashed);
      prevHash = hash;
      return { ...unhashed, hash };
    });
    const rows = events.map((e) => ({
      seq: e.seq,
      id: e.id,
      occurred_at: e.occurredAt,
      actor_type: e.actorType,
      actor_id: e.actorId,
      action: e.action,
      object_type: e.objectType,
      object_id: e.objectId,
      request_id: e.requestId,
      details: JSON.stringify(e.details),
      prev_hash: e.prevHash,
      hash: e.hash,
    }));
    for (let i = 0; i < rows.length; i += 1000) await trx('audit_events').insert(rows.slice(i, i + 1000));
    return events;
  }

  /**
   * Makes sure the month of `at` and the next one have their partition. Normally a catalog look-up
   * (start-up and the hourly housekeeping create them ahead); once per process and month's turn.
   */
  private async ensurePartitionIn(trx: Trx, at: Date): Promise<void> {
    if (at.getTime() < this.partitionsUntil) return;
    const previous = this.partitionsUntil;
    this.partitionsUntil = monthStart(at, 2).getTime();
    trx.executionPromise.catch(() => {
      this.partitionsUntil = previous;
    });
    await trx.raw('select audit_ensure_partitions(?, ?)', [at.toISOString(), monthStart(at, 1).toISOString()]);
  }

  /** Where the retained chain starts when older months have been detached; undefined when it starts at seq 1. */
  async retentionAnchor(): Promise<RetentionAnchor | undefined> {
    const row = (await this.db('audit_events')
      .where('action', RETENTION_ACTION)
      .whereRaw("details->>'lastSeq' is not null")
      .orderBy('seq', 'desc')
      .first('details')) as { details: { lastSeq: number; lastHash: string } } | undefined;
    return row ? { lastSeq: Number(row.details.lastSeq), lastHash: String(row.details.lastHash) } : undefined;
  }

  async list(filter: AuditFilter, limit: number): Promise<AuditEvent[]> {
    const q = this.db<AuditRow>('audit_events').orderBy('seq', 'desc').limit(limit);
    if (filter.action) q.where('action', filter.action);
    if (filter.actorId) q.where('actor_id', filter.actorId);
    if (filter.objectType) q.where('object_type', filter.objectType);
    if (filter.objectId) q.where('object_id', filter.objectId);
    if (filter.from) q.where('occurred_at', '>=', filter.from);
    if (filter.to) q.where('occurred_at', '<', filter.to);
    if (filter.beforeSeq !== undefined) q.where('seq', '<', filter.beforeSeq);
    return ((await q) as AuditRow[]).map(fromRow);
  }

  /** Reads the chain in order, a batch at a time, from just after `afterSeq`. */
  async readBatch(afterSeq: number, size: number): Promise<AuditEvent[]> {
    const rows = (await this.db('audit_events').where('seq', '>', afterSeq).orderBy('seq', 'asc').limit(size)) as AuditRow[];
    return rows.map(fromRow);
  }
}
