import type { Trx } from '../db';
import { IdempotencyKeyTaken, currentIdempotentRequest } from '../idempotency/request';
import type { Actor } from '../http/route';
import type { Checkpoint } from './checkpoint-key';
import type { AuditCheckpoints } from './checkpoints';
import type { AuditStore, AuditEvent, AuditEventInput, AuditFilter, LinkedBatch } from './store';
import { verifyChain, type VerifyResult } from './verify';

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

/** What a feature needs of the audit log to make a change: record it in the change's transaction. */
export interface AuditRecorder {
  record(trx: Trx, ctx: ChangeContext, ...changes: Change[]): Promise<AuditEvent[]>;
}

export class AuditLog implements AuditRecorder {
  constructor(
    private readonly store: AuditStore,
    /** Signed checkpoints of the chain head; without them verification is the hash chain alone. */
    private readonly checkpoints?: AuditCheckpoints,
  ) {}

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
   * Walks the whole chain from the first retained event (after months detached by retention, from
   * the hash their detachment recorded) and checks it against the signed checkpoints, and against
   * `held`: checkpoints a witness kept. Names the first event or checkpoint that breaks, and why.
   */
  verify(batchSize = 5000, held: readonly Checkpoint[] = []): Promise<VerifyResult> {
    return verifyChain(this.store, this.checkpoints, batchSize, held);
  }
}
