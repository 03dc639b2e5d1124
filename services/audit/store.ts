import crypto from 'node:crypto';
import type { Db, Trx } from '../db';
import { rowMapper } from '../platform/row-mapper';
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

const rows = rowMapper<AuditEvent, AuditRow>({
  seq: 'seq',
  id: 'id',
  occurredAt: 'occurred_at',
  actorType: 'actor_type',
  actorId: 'actor_id',
  action: 'action',
  objectType: 'object_type',
  objectId: 'object_id',
  requestId: 'request_id',
  details: 'details',
  prevHash: 'prev_hash',
  hash: 'hash',
});

/** JSON.stringify of the event's audit_events row, with its details as already encoded (the same row once PostgreSQL reads it as jsonb). */
function rowJson(e: AuditEvent, details: string | undefined): string {
  const encoded = JSON.stringify({ ...rows.toRow(e), details: undefined });
  return details === undefined ? encoded : `${encoded.slice(0, -1)},"details":${details}}`;
}

/** An event hashed, and its audit_events row as JSON: its details are encoded once, for the hash and the row alike. */
export function sealEvent(unhashed: Omit<AuditEvent, 'hash'>): { event: AuditEvent; rowJson: string } {
  const details = canonicalJson(unhashed.details);
  const event = { ...unhashed, hash: sha256Hex(canonicalEvent(unhashed, details)) };
  return { event, rowJson: rowJson(event, details) };
}

export interface AuditStoreOptions {
  /** The clock events are stamped with (tests put events in other months). */
  readonly now?: () => Date;
}

/**
 * The audit log's SQL: the chain head under its lock, partitions, inserts and reads. Which event
 * follows which is the durable-commit module's business (commit/chain.ts).
 */
// Satisfies AuditChain's ChainStore (checked where the chain is built; importing the type here would make a cycle).
export class AuditStore {
  readonly now: () => Date;

  constructor(
    private readonly db: Db,
    options: AuditStoreOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
  }

  async lockChainHead(trx: Trx): Promise<ChainEnd | undefined> {
    // The chain lock, then the head as the previous holder committed it (db/migrations/…_audit_chain_head.ts).
    const head = await trx.raw<{ rows: Array<Pick<AuditRow, 'seq' | 'hash' | 'occurred_at'>> }>(
      'select seq, hash, occurred_at from audit_chain_head(?)',
      [AUDIT_CHAIN_LOCK],
    );
    const last = head.rows[0];
    return last && { seq: last.seq, hash: last.hash, occurredAt: last.occurred_at };
  }

  async ensurePartitions(trx: Trx, from: Date, until: Date): Promise<void> {
    await trx.raw('select audit_ensure_partitions(?, ?)', [from.toISOString(), until.toISOString()]);
  }

  async insertEvents(trx: Trx, events: readonly AuditEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += 1000)
      await trx('audit_events').insert(events.slice(i, i + 1000).map((e) => ({ ...rows.toRow(e), details: JSON.stringify(e.details) })));
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
    return (await q).map(rows.fromRow);
  }

  /** Reads the chain in order, a batch at a time, from just after `afterSeq`. */
  async readBatch(afterSeq: number, size: number): Promise<AuditEvent[]> {
    const batch = await this.db<AuditRow>('audit_events').where('seq', '>', afterSeq).orderBy('seq', 'asc').limit(size);
    return batch.map(rows.fromRow);
  }
}
