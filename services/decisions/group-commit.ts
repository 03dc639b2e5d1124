import crypto from 'node:crypto';
import type { AuditEventInput, AuditLog } from '../audit';
import type { Db, Trx } from '../db';
import { IdempotencyKeyTaken, currentIdempotentRequest, type IdempotentRequest } from '../idempotency';
import { BatchQueue } from '../platform/batch-queue';
import { isDatabaseUnavailable } from '../shared/errors';
import type { GroupCommitObserver } from '../platform/metrics';

interface Pending<U> {
  readonly event: AuditEventInput;
  readonly usage: U | undefined;
  /** Set when the request carries an Idempotency-Key: the key is taken in the batch's transaction. */
  readonly idempotent: IdempotentRequest | undefined;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

/** Chosen as a deadlock or serialization victim: the batch was rolled back whole and can run again. */
const retryable = (err: unknown): boolean => {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '40001';
};
const MAX_ATTEMPTS = 3;

/**
 * Group commit for decision audit events: every caller waits until its event is durable, but
 * events that arrive while a commit is in flight share the next batch, so durability costs one
 * commit per batch instead of one per decision. A batch is one statement when it can be (the
 * `oneStatement` writer links its events after the chain end this process knows, that of a batch
 * still in flight included: AuditStore.linkAfterKnownEnd). Otherwise it is a transaction (lock, read the chain end,
 * link, insert), and with `lanes` > 1 (PostgreSQL) the next one opens and writes its usage while
 * the previous one commits: the chain lock orders the two.
 */
export class GroupCommitWriter<U> {
  private readonly queue: BatchQueue<Pending<U>>;

  constructor(
    private readonly db: Db,
    private readonly audit: AuditLog,
    /** Extra writes that belong to the same batch (e.g. usage counters), in the same transaction. */
    private readonly alsoWrite: (trx: Trx, usage: U[]) => Promise<void>,
    maxBatch = 1000,
    lanes = 1,
    /**
     * Commits a batch (events and usage) with one statement when it can: true once committed, false
     * when the batch must take the transaction path instead (the chain end is not known, or moved on).
     */
    private readonly oneStatement?: (events: readonly AuditEventInput[], usage: U[]) => Promise<boolean>,
    /** Told each batch's size, latency and committed events (metrics). */
    private readonly observer?: GroupCommitObserver,
  ) {
    this.queue = new BatchQueue((batch) => this.flush(batch), maxBatch, lanes);
  }

  /** Resolves once the event (and its usage) is committed; rejects if the commit failed. */
  write(event: AuditEventInput, usage?: U): Promise<void> {
    const idempotent = currentIdempotentRequest();
    // The key's row names the event, so the event needs its id before it is appended.
    const named = idempotent ? { ...event, id: event.id ?? crypto.randomUUID() } : event;
    return new Promise<void>((resolve, reject) => this.queue.push({ event: named, usage, idempotent, resolve, reject }));
  }

  get pending(): number {
    return this.queue.length;
  }

  private async flush(batch: Pending<U>[]): Promise<void> {
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    try {
      const taken = await this.commit(batch);
      this.observer?.committed(
        taken.size === 0 ? batch.map((p) => p.event) : batch.filter((p) => !taken.has(p)).map((p) => p.event),
        seconds(),
      );
      // A retry whose key another request already used is not decided again: the router replays the first answer.
      for (const p of batch) {
        if (taken.has(p)) p.reject(new IdempotencyKeyTaken());
        else p.resolve();
      }
    } catch (err) {
      this.observer?.failed(batch.length, seconds());
      for (const p of batch) p.reject(err);
      // The database cannot be reached: decisions queued meanwhile would only wait as long again (fail fast).
      if (isDatabaseUnavailable(err) && !retryable(err)) for (const p of this.queue.takeAll()) p.reject(err);
    }
  }

  private async commit(batch: readonly Pending<U>[]): Promise<Set<Pending<U>>> {
    const usage = (accepted: readonly Pending<U>[]) => accepted.flatMap((p) => (p.usage === undefined ? [] : [p.usage]));
    for (let attempt = 1; ; attempt += 1) {
      try {
        // Idempotency keys are claimed in a transaction; a batch without any needs none of its own.
        if (this.oneStatement && attempt === 1 && !batch.some((p) => p.idempotent)) {
          const events = batch.map((p) => p.event);
          if (await this.oneStatement(events, usage(batch))) return new Set();
        }
        const taken = new Set<Pending<U>>();
        await this.db.transaction(async (trx) => {
          for (const p of batch) {
            if (p.idempotent && !(await p.idempotent.claimIn(trx, p.event.id as string))) taken.add(p);
          }
          const accepted = batch.filter((p) => !taken.has(p));
          // Row locks first (in grant id order), the audit chain's lock last: the order every change
          // takes them (a grant revocation updates its row, then appends), so none can wait on another.
          await this.alsoWrite(trx, usage(accepted));
          await this.audit.append(
            trx,
            accepted.map((p) => p.event),
          );
        });
        return taken;
      } catch (err) {
        if (attempt >= MAX_ATTEMPTS || !retryable(err)) throw err;
      }
    }
  }
}
