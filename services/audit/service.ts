import type { Transactor, Trx } from '../db';
import { IdempotencyKeyTaken } from '../idempotency/request';
import type { ChangeContext } from '../http/route';
import type { Checkpoint } from './checkpoint-key';
import type { AuditCheckpoints } from './checkpoints';
import { AuditChain, GroupCommit, commitBatch, type BatchWrites, type GroupCommitOptions, type GroupCommitWrites } from './commit';
import type { AuditStore, AuditEvent, AuditEventInput, AuditFilter } from './store';
import { verifyChain, type VerifyResult } from './verify';

export type { ChangeContext } from '../http/route';

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

/**
 * The audit log: the one way events reach the chain. A change records its events in its own
 * transaction (`record`); a feature that commits many small events at a high rate uses a group
 * commit (`groupCommit`) or commits a batch with its own writes (`commitBatch`). The chain-head
 * bookkeeping (`chain`) is the durable-commit module's (commit/); features never touch it.
 */
export class AuditLog implements AuditRecorder {
  /** This process's view of the chain end (tests reach it to force the transaction path). */
  readonly chain: AuditChain;

  constructor(
    private readonly store: AuditStore,
    /** Signed checkpoints of the chain head; without them verification is the hash chain alone. */
    private readonly checkpoints?: AuditCheckpoints,
  ) {
    this.chain = new AuditChain(store);
  }

  /**
   * Records changes in the caller's transaction: they commit together or not at all. When the
   * change context carries an Idempotency-Key, its first change takes the key in the same transaction.
   */
  async record(trx: Trx, ctx: ChangeContext, ...changes: Change[]): Promise<AuditEvent[]> {
    const actor = actorOf(ctx);
    const events = await this.chain.append(
      trx,
      changes.map((c) => ({ ...actor, ...c, details: c.details ?? {}, requestId: ctx.requestId })),
    );
    const idempotent = ctx.idempotent;
    if (idempotent && events.length > 0 && !(await idempotent.claimIn(trx, events[0].id))) throw new IdempotencyKeyTaken();
    return events;
  }

  /** A group commit of pre-built events and the feature's extras (decisions and their usage counters). */
  groupCommit<U>(db: Transactor, writes: GroupCommitWrites<U>, options: GroupCommitOptions = {}): GroupCommit<U> {
    return new GroupCommit(db, this.chain, writes, options);
  }

  /** Commits a batch of pre-built events with the feature's writes (the token endpoint's journal). */
  commitBatch<R>(db: Transactor, events: readonly AuditEventInput[], writes: BatchWrites<R>): Promise<R> {
    return commitBatch(db, this.chain, events, writes);
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
