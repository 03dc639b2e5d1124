import type { Trx } from '../db';
import { IdempotencyKeyTaken, currentIdempotentRequest } from '../idempotency/request';
import type { Actor } from '../shared/route';
import { AuditStore, GENESIS_HASH, hashEvent, type AuditEvent, type AuditEventInput, type AuditFilter, type LinkedBatch } from './store';

/** Who did it and under which request: passed from the route to every service call that changes state. */
export interface ChangeContext {
  readonly actor: Actor | { readonly kind: 'system'; readonly name: string };
  readonly requestId: string | null;
}

export interface Change {
  readonly action: string;
  readonly objectType: string;
  readonly objectId: string | null;
  readonly details?: Record<string, unknown>;
}

export interface VerifyResult {
  valid: boolean;
  checked: number;
  /** Events up to this seq were detached by retention; the walk started after them. */
  archivedThroughSeq?: number;
  firstInvalidEventId?: string;
  firstInvalidSeq?: number;
  reason?: string;
}

export function actorOf(ctx: ChangeContext): Pick<AuditEventInput, 'actorType' | 'actorId'> {
  const a = ctx.actor;
  switch (a.kind) {
    case 'staff':
      return { actorType: 'staff', actorId: a.subject };
    case 'client':
      return { actorType: 'client', actorId: a.clientId };
    case 'public':
      // The caller's address is personal information; the audit log does not keep it.
      return { actorType: 'public', actorId: 'anonymous' };
    case 'system':
      return { actorType: 'system', actorId: a.name };
  }
}

export class AuditLog {
  constructor(private readonly store: AuditStore) {}

  /**
   * Records changes in the caller's transaction: they commit together or not at all. When the
   * request carries an Idempotency-Key, its first change takes the key in the same transaction.
   */
  async record(trx: Trx, ctx: ChangeContext, ...changes: Change[]): Promise<AuditEvent[]> {
    const actor = actorOf(ctx);
    const events = await this.store.append(
      trx,
      changes.map((c) => ({ ...actor, ...c, details: c.details ?? {}, requestId: ctx.requestId })),
    );
    const idempotent = currentIdempotentRequest();
    if (idempotent && events.length > 0 && !(await idempotent.claimIn(trx, events[0].id))) throw new IdempotencyKeyTaken();
    return events;
  }

  /** Appends pre-built events (used by the decision group-commit writer). */
  append(trx: Trx, inputs: readonly AuditEventInput[]): Promise<AuditEvent[]> {
    return this.store.append(trx, inputs);
  }

  /** Links pre-built events after the chain end this process last knew, for one statement to append (see AuditStore). */
  linkAfterKnownEnd(inputs: readonly AuditEventInput[]): LinkedBatch | undefined {
    return this.store.linkAfterKnownEnd(inputs);
  }

  list(filter: AuditFilter, limit: number): Promise<AuditEvent[]> {
    return this.store.list(filter, limit);
  }

  /**
   * Walks the whole chain from the first event; names the first event whose link or hash is wrong.
   * When retention has detached older months, the walk starts after the last detached event, as
   * recorded (inside the chain) by the detachment's own audit event.
   */
  async verify(batchSize = 5000): Promise<VerifyResult> {
    let checked = 0;
    let prevHash = GENESIS_HASH;
    let expectedSeq = 1;
    let archivedThroughSeq: number | undefined;
    for (;;) {
      const batch = await this.store.readBatch(expectedSeq - 1, batchSize);
      if (checked === 0 && batch.length > 0 && batch[0].seq !== 1) {
        const anchor = await this.store.retentionAnchor();
        if (anchor) {
          archivedThroughSeq = anchor.lastSeq;
          expectedSeq = anchor.lastSeq + 1;
          prevHash = anchor.lastHash;
        }
      }
      if (batch.length === 0) return { valid: true, checked, ...(archivedThroughSeq === undefined ? {} : { archivedThroughSeq }) };
      for (const event of batch) {
        let reason: string | undefined;
        if (event.seq !== expectedSeq) reason = `sequence gap: expected ${expectedSeq}, found ${event.seq}`;
        else if (event.prevHash !== prevHash) reason = 'prev_hash does not match the previous event';
        else if (hashEvent(event) !== event.hash) reason = 'hash does not match the event contents';
        if (reason) return { valid: false, checked, firstInvalidEventId: event.id, firstInvalidSeq: event.seq, reason };
        checked += 1;
        prevHash = event.hash;
        expectedSeq += 1;
      }
    }
  }
}
