import type { Trx } from '../db';
import type { Actor } from '../shared/route';
import { AuditStore, GENESIS_HASH, hashEvent, type AuditEvent, type AuditEventInput, type AuditFilter } from './store';

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

  /** Records changes in the caller's transaction: they commit together or not at all. */
  record(trx: Trx, ctx: ChangeContext, ...changes: Change[]): Promise<AuditEvent[]> {
    const actor = actorOf(ctx);
    return this.store.append(
      trx,
      changes.map((c) => ({ ...actor, ...c, details: c.details ?? {}, requestId: ctx.requestId })),
    );
  }

  /** Appends pre-built events (used by the decision group-commit writer). */
  append(trx: Trx, inputs: readonly AuditEventInput[]): Promise<AuditEvent[]> {
    return this.store.append(trx, inputs);
  }

  list(filter: AuditFilter, limit: number): Promise<AuditEvent[]> {
    return this.store.list(filter, limit);
  }

  /** Walks the whole chain from the first event; names the first event whose link or hash is wrong. */
  async verify(batchSize = 5000): Promise<VerifyResult> {
    let checked = 0;
    let prevHash = GENESIS_HASH;
    let expectedSeq = 1;
    for (;;) {
      const batch = await this.store.readBatch(expectedSeq - 1, batchSize);
      if (batch.length === 0) return { valid: true, checked };
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
