import crypto from 'node:crypto';
import type { Transactor, Trx } from '../../db';
import { IdempotencyKeyTaken, type IdempotentRequest } from '../../idempotency/request';
import { BatchQueue } from '../../platform/batch-queue';
import type { GroupCommitObserver } from '../../platform/metrics';
import { isDatabaseUnavailable } from '../../shared/errors';
import type { AuditEventInput } from '../store';
import { sendLinked } from './batch';
import type { AuditChain, LinkedBatch } from './chain';

/** What a feature writes with each batch of its events (e.g. decisions' usage counters); SQL in its store. */
export interface GroupCommitWrites<U> {
  /** The batch's extras inside its transaction, before the events are appended. */
  alongside(trx: Trx, extras: U[]): Promise<void>;
  /**
   * The statement that commits these extras with the linked events at once, or undefined when they
   * cannot be (then the transaction path).
   */
  oneStatement?(extras: U[]): ((linked: LinkedBatch) => Promise<unknown>) | undefined;
}

export interface GroupCommitOptions {
  readonly maxBatch?: number;
  /** Batches in flight at once: 2 on PostgreSQL (the round trips overlap), 1 on PGlite (one connection). */
  readonly lanes?: number;
  /** Told each batch's size, latency and committed events (metrics). */
  readonly observer?: GroupCommitObserver;
}

interface Pending<U> {
  readonly event: AuditEventInput;
  readonly extra: U | undefined;
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
 * Group commit: every caller waits until its event is durable, but events that arrive while a
 * commit is in flight share the next batch, so durability costs one commit per batch instead of one
 * per event. A batch is one statement when it can be (its events linked after the chain end this
 * process knows, that of a batch still in flight included: AuditChain.linkAfterKnownEnd). Otherwise
 * it is a transaction (lock, read the chain end, link, insert), and with `lanes` > 1 (PostgreSQL)
 * the next one opens and writes its extras while the previous one commits: the chain lock orders the two.
 */
export class GroupCommit<U> {
  private readonly queue: BatchQueue<Pending<U>>;
  private readonly observer: GroupCommitObserver | undefined;

  constructor(
    private readonly db: Transactor,
    private readonly chain: Pick<AuditChain, 'append' | 'linkAfterKnownEnd'>,
    private readonly writes: GroupCommitWrites<U>,
    options: GroupCommitOptions = {},
  ) {
    this.observer = options.observer;
    this.queue = new BatchQueue((batch) => this.flush(batch), options.maxBatch ?? 1000, options.lanes ?? 1);
  }

  /**
   * Resolves once the event (and its extra) is committed; rejects if the commit failed, or with
   * IdempotencyKeyTaken when `idempotent`'s key was taken by another request first.
   */
  write(event: AuditEventInput, extra?: U, idempotent?: IdempotentRequest): Promise<void> {
    // The key's row names the event, so the event needs its id before it is appended.
    const named = idempotent ? { ...event, id: event.id ?? crypto.randomUUID() } : event;
    return new Promise<void>((resolve, reject) => this.queue.push({ event: named, extra, idempotent, resolve, reject }));
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
      // A retry whose key another request already used is not written again: the router answers for the first.
      for (const p of batch) {
        if (taken.has(p)) p.reject(new IdempotencyKeyTaken());
        else p.resolve();
      }
    } catch (err) {
      this.observer?.failed(batch.length, seconds());
      for (const p of batch) p.reject(err);
      // The database cannot be reached: events queued meanwhile would only wait as long again (fail fast).
      if (isDatabaseUnavailable(err) && !retryable(err)) for (const p of this.queue.takeAll()) p.reject(err);
    }
  }

  private async commit(batch: readonly Pending<U>[]): Promise<Set<Pending<U>>> {
    const extras = (accepted: readonly Pending<U>[]) => accepted.flatMap((p) => (p.extra === undefined ? [] : [p.extra]));
    for (let attempt = 1; ; attempt += 1) {
      try {
        // Idempotency keys are claimed in a transaction; a batch without any needs none of its own.
        const statement = attempt === 1 && !batch.some((p) => p.idempotent) ? this.writes.oneStatement?.(extras(batch)) : undefined;
        if (
          statement &&
          (await sendLinked(
            this.chain,
            batch.map((p) => p.event),
            statement,
          ))
        )
          return new Set();
        const taken = new Set<Pending<U>>();
        await this.db.transaction(async (trx) => {
          for (const p of batch) {
            if (p.idempotent && !(await p.idempotent.claimIn(trx, p.event.id as string))) taken.add(p);
          }
          const accepted = batch.filter((p) => !taken.has(p));
          // Row locks first (e.g. in grant id order), the audit chain's lock last: the order every change
          // takes them (a grant revocation updates its row, then appends), so none can wait on another.
          await this.writes.alongside(trx, extras(accepted));
          await this.chain.append(
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
