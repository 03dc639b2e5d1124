/**
 * Work that concurrent callers queue and that is done a batch at a time: whatever is queued when a
 * lane is free leaves as one batch on the next turn of the event loop (so everything queued in the
 * same turn joins it), at most `maxBatch` at once, with up to `lanes` batches in flight. Items
 * queued while a batch is in flight wait for the next one. The group commits and the batched reads
 * are built on it.
 */
export class BatchQueue<T> {
  private queue: T[] = [];
  private running = 0;

  constructor(
    /** Does one batch; must not throw (it settles its own items). */
    private readonly flush: (batch: T[]) => Promise<void>,
    private readonly maxBatch: number,
    private readonly lanes: number,
  ) {}

  push(item: T): void {
    this.queue.push(item);
    this.kick();
  }

  get length(): number {
    return this.queue.length;
  }

  /** Takes out everything still waiting (e.g. to fail it at once when the database is down). */
  takeAll(): T[] {
    return this.queue.splice(0);
  }

  private kick(): void {
    if (this.running >= this.lanes || this.queue.length === 0) return;
    this.running += 1;
    // Let what is queued in this turn of the event loop join the batch.
    setImmediate(() => {
      void this.lane();
    });
  }

  private async lane(): Promise<void> {
    try {
      while (this.queue.length > 0) await this.flush(this.queue.splice(0, this.maxBatch));
    } finally {
      this.running -= 1;
      this.kick();
    }
  }
}
