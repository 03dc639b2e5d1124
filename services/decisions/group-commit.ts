import type { AuditEventInput, AuditLog } from '../audit';
import type { Db, Trx } from '../db';

interface Pending<U> {
  readonly event: AuditEventInput;
  readonly usage: U | undefined;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

/**
 * Group commit for decision audit events: every caller waits until its event is durable, but
 * events that arrive while a commit is in flight share the next transaction, so durability costs
 * one round trip per batch instead of one per decision.
 */
export class GroupCommitWriter<U> {
  private queue: Pending<U>[] = [];
  private flushing = false;

  constructor(
    private readonly db: Db,
    private readonly audit: AuditLog,
    /** Extra writes that belong to the same batch (e.g. usage counters), in the same transaction. */
    private readonly alsoWrite: (trx: Trx, usage: U[]) => Promise<void>,
    private readonly maxBatch = 1000,
  ) {}

  /** Resolves once the event (and its usage) is committed; rejects if the commit failed. */
  write(event: AuditEventInput, usage?: U): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ event, usage, resolve, reject });
      this.kick();
    });
  }

  get pending(): number {
    return this.queue.length;
  }

  private kick(): void {
    if (this.flushing || this.queue.length === 0) return;
    this.flushing = true;
    // Let the requests already in this tick join the batch.
    setImmediate(() => {
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    const batch = this.queue.splice(0, this.maxBatch);
    try {
      await this.db.transaction(async (trx) => {
        await this.audit.append(
          trx,
          batch.map((p) => p.event),
        );
        await this.alsoWrite(
          trx,
          batch.flatMap((p) => (p.usage === undefined ? [] : [p.usage])),
        );
      });
      for (const p of batch) p.resolve();
    } catch (err) {
      for (const p of batch) p.reject(err);
    } finally {
      this.flushing = false;
      this.kick();
    }
  }
}
