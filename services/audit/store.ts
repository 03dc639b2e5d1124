import crypto from 'node:crypto';
import type { Db, Trx } from '../db';
import { canonicalJson } from './canonical-json';

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
  /** One event by id (with `from`, or another filter its index serves, to keep the read short). */
  id?: string;
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

/** SQLSTATE of audit_append_after when the chain end it was given is no longer the end. */
export const CHAIN_MOVED = 'AU001';
/** SQLSTATE of audit_append_after when the chain does not reach the end it was given yet. */
export const CHAIN_SHORT = 'AU002';

/** The last event of the chain: what the next event links to. */
export interface ChainEnd {
  readonly seq: number;
  readonly hash: string;
  readonly occurredAt: string;
}

/** Events linked after the chain end this process last knew, for one statement to append (audit_append_after). */
export interface LinkedBatch {
  readonly after: ChainEnd;
  readonly events: readonly AuditEvent[];
  /** The events as audit_events rows (a jsonb array). */
  readonly rowsJson: string;
  /**
   * Runs the statement that appends the batch (with audit_append_after) and answers its result once
   * committed. Sent again once if the batch linked before this one reached the chain lock later
   * and has now committed. Undefined, with nothing written, when the batch was refused (the chain
   * moved on, or the batch before failed): append it the usual way. Any other failure rejects.
   */
  send<R>(statement: () => Promise<R>): Promise<R | undefined>;
}

/** After the chain moved on under a linked batch (another replica appends too), link ahead again only after this long. */
const LINK_AHEAD_PAUSE_MS = 1000;

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

/** An event's members in the order RFC 8785 sorts them (UTF-16 code units): its canonical encoding is written in this order. */
const CANONICAL_ORDER = [
  'action',
  'actorId',
  'actorType',
  'details',
  'id',
  'objectId',
  'objectType',
  'occurredAt',
  'prevHash',
  'requestId',
  'seq',
] as const satisfies readonly (keyof AuditEvent)[];

/**
 * An event's canonical (RFC 8785) encoding, hash excluded, with its details already encoded
 * (`details`): the details are encoded once per event, for the hash and for the row alike.
 */
function canonicalEvent(event: Omit<AuditEvent, 'hash'>, details: string | undefined): string {
  let out = '';
  for (const key of CANONICAL_ORDER) {
    const value = key === 'details' ? details : canonicalJson(event[key]);
    if (value === undefined) continue;
    out += `${out.length === 0 ? '' : ','}"${key}":${value}`;
  }
  return `{${out}}`;
}

const sha256Hex = (text: string): string => crypto.createHash('sha256').update(text).digest('hex');

/** The hash of an event over its canonical (RFC 8785) encoding, chained to the previous hash. */
export function hashEvent(event: Omit<AuditEvent, 'hash'>): string {
  return sha256Hex(canonicalEvent(event, canonicalJson(event.details)));
}

const sqlState = (err: unknown): unknown => (err as { code?: unknown } | null)?.code;

const toRow = (e: AuditEvent) => ({
  seq: e.seq,
  id: e.id,
  occurred_at: e.occurredAt,
  actor_type: e.actorType,
  actor_id: e.actorId,
  action: e.action,
  object_type: e.objectType,
  object_id: e.objectId,
  request_id: e.requestId,
  details: e.details,
  prev_hash: e.prevHash,
  hash: e.hash,
});

/** JSON.stringify(toRow(e)) with the details as already encoded (the same row once PostgreSQL reads it as jsonb). */
function rowJson(e: AuditEvent, details: string | undefined): string {
  const row = { ...toRow(e), details: undefined };
  const encoded = JSON.stringify(row);
  return details === undefined ? encoded : `${encoded.slice(0, -1)},"details":${details}}`;
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
  /**
   * The chain end as this process last appended (committed or still in flight). Only a guess:
   * audit_append_after checks it under the chain lock and refuses a batch linked after anything else.
   */
  private known: ChainEnd | undefined;
  private linkAheadPausedUntil = 0;
  /** Transactions of append() not yet ended: they link only once they hold the chain lock, so none may be linked ahead of. */
  private openAppends = 0;
  /** Calls of append() so far: a linked batch that lost the lock to one of them was not refused for another writer. */
  private appendsStarted = 0;
  /** Whether the batch linked last committed (false: it failed), once it has ended. */
  private lastLinked: Promise<boolean> = Promise.resolve(true);

  constructor(
    private readonly db: Db,
    options: AuditStoreOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
  }

  /** Appends events at the end of the chain inside the caller's transaction. */
  async append(trx: Trx, inputs: readonly AuditEventInput[]): Promise<AuditEvent[]> {
    if (inputs.length === 0) return [];
    this.openAppends += 1;
    this.appendsStarted += 1;
    trx.executionPromise.then(
      () => {
        this.openAppends -= 1;
      },
      () => {
        this.openAppends -= 1;
        // Rolled back: what it linked is not the end.
        this.known = undefined;
      },
    );
    // The chain lock, then the head as the previous holder committed it (db/migrations/…_audit_chain_head.ts).
    const head = (await trx.raw('select seq, hash, occurred_at from audit_chain_head(?)', [AUDIT_CHAIN_LOCK])) as {
      rows: Array<{ seq: number; hash: string; occurred_at: string }>;
    };
    const last = head.rows[0];
    const after: ChainEnd = last
      ? { seq: last.seq, hash: last.hash, occurredAt: last.occurred_at }
      : { seq: 0, hash: GENESIS_HASH, occurredAt: '' };
    const occurredAt = this.stampAfter(after);
    await this.ensurePartitionIn(trx, new Date(occurredAt));
    const events = this.link(inputs, after, occurredAt);
    for (let i = 0; i < events.length; i += 1000)
      await trx('audit_events').insert(events.slice(i, i + 1000).map((e) => ({ ...toRow(e), details: JSON.stringify(e.details) })));
    return events;
  }

  /**
   * Links events after the chain end this process last knew (which may be the end of a batch still
   * on its way), without a round trip: the caller sends them with audit_append_after in the
   * statement that commits its batch, through `send`. Undefined when the end is not known (nothing
   * appended yet, a linked batch failed), a transaction of append() is open (it links when it gets
   * the lock, after whatever was linked ahead), the month's partition has not been made sure of, or
   * another writer moved the chain on less than a second ago: then append().
   */
  linkAfterKnownEnd(inputs: readonly AuditEventInput[]): LinkedBatch | undefined {
    const after = this.known;
    const occurredAt = after && this.stampAfter(after);
    if (
      after === undefined ||
      occurredAt === undefined ||
      inputs.length === 0 ||
      this.openAppends > 0 ||
      Date.now() < this.linkAheadPausedUntil ||
      new Date(occurredAt).getTime() >= this.partitionsUntil
    ) {
      return undefined;
    }
    const { events, rowsJson } = this.linkEncoded(inputs, after, occurredAt);
    const appendsBefore = this.appendsStarted;
    const previousCommitted = this.lastLinked;
    let ended = (_committed: boolean) => {};
    this.lastLinked = new Promise<boolean>((resolve) => (ended = resolve));
    const failed = (err: unknown) => {
      this.known = undefined;
      // Moved on by nothing of this process's: another replica appends too, so linking ahead would mostly miss.
      if (sqlState(err) === CHAIN_MOVED && this.appendsStarted === appendsBefore)
        this.linkAheadPausedUntil = Date.now() + LINK_AHEAD_PAUSE_MS;
      ended(false);
    };
    return {
      after,
      events,
      rowsJson,
      async send<R>(statement: () => Promise<R>): Promise<R | undefined> {
        for (let attempt = 1; ; attempt += 1) {
          try {
            const result = await statement();
            ended(true);
            return result;
          } catch (err) {
            const state = sqlState(err);
            // The batch before got the lock after this one: once it has committed, this one follows it.
            if (state === CHAIN_SHORT && attempt === 1 && (await previousCommitted)) continue;
            failed(err);
            if (state === CHAIN_MOVED || state === CHAIN_SHORT) return undefined;
            throw err;
          }
        }
      },
    };
  }

  /** Now, but never before the previous event (replicas' clocks differ a little): each month then holds one run of the chain. */
  private stampAfter(after: ChainEnd): string {
    const stamped = this.now().toISOString();
    return after.occurredAt > stamped ? after.occurredAt : stamped;
  }

  /** Numbers and hashes events after `after`; what the next batch links to is then the last of them. */
  private link(inputs: readonly AuditEventInput[], after: ChainEnd, occurredAt: string): AuditEvent[] {
    return this.linkEncoded(inputs, after, occurredAt).events;
  }

  /** link(), and the events as a JSON array of audit_events rows, each event's details encoded once for both. */
  private linkEncoded(inputs: readonly AuditEventInput[], after: ChainEnd, occurredAt: string): { events: AuditEvent[]; rowsJson: string } {
    let seq = after.seq;
    let prevHash = after.hash;
    let rowsJson = '';
    const events = inputs.map((input) => {
      seq += 1;
      const unhashed = { ...input, seq, id: input.id ?? crypto.randomUUID(), occurredAt, prevHash };
      const details = canonicalJson(unhashed.details);
      const hash = sha256Hex(canonicalEvent(unhashed, details));
      prevHash = hash;
      const event = { ...unhashed, hash };
      rowsJson += `${rowsJson.length === 0 ? '' : ','}${rowJson(event, details)}`;
      return event;
    });
    this.known = { seq, hash: prevHash, occurredAt };
    return { events, rowsJson: `[${rowsJson}]` };
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
    if (filter.id) q.where('id', filter.id);
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
