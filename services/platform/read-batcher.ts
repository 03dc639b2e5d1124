import { BatchQueue } from './batch-queue';

/**
 * Coalesces concurrent point reads into one query per batch: every read that arrives while no
 * batch is being gathered joins the next one, which is sent on the next turn of the event loop.
 * A database round trip costs far more than the index probe it carries (the client's and the
 * server's per-statement work, a loopback write each way), so under load one statement for many
 * keys is what keeps a hot read path cheap.
 *
 * Never stale: a read joins only a batch that has not been sent yet, so its answer comes from a
 * statement that started after the read did, and sees everything committed before that.
 */
interface PendingRead<K, V> {
  readonly key: K;
  readonly resolve: (value: V | undefined) => void;
  readonly reject: (err: unknown) => void;
}

export class ReadBatcher<K, V> {
  private readonly pending: BatchQueue<PendingRead<K, V>>;

  constructor(
    /** Answers for the distinct keys, in the same order (undefined where there is none). */
    private readonly readMany: (keys: readonly K[]) => Promise<ReadonlyArray<V | undefined>>,
    /** Identifies equal keys, so a key asked twice in one batch is read once. */
    private readonly identify: (key: K) => string,
    maxBatch = 500,
    /** Batches that may be in flight at once (one per pooled connection that the reads may use). */
    lanes = 1,
  ) {
    this.pending = new BatchQueue((batch) => this.flush(batch), maxBatch, lanes);
  }

  read(key: K): Promise<V | undefined> {
    return new Promise((resolve, reject) => this.pending.push({ key, resolve, reject }));
  }

  private async flush(batch: ReadonlyArray<PendingRead<K, V>>): Promise<void> {
    const slot = new Map<string, number>();
    const keys: K[] = [];
    for (const p of batch) {
      const id = this.identify(p.key);
      if (!slot.has(id)) {
        slot.set(id, keys.length);
        keys.push(p.key);
      }
    }
    try {
      const values = await this.readMany(keys);
      if (values.length !== keys.length) throw new Error(`a batched read answered ${values.length} values for ${keys.length} keys`);
      for (const p of batch) p.resolve(values[slot.get(this.identify(p.key)) as number]);
    } catch (err) {
      for (const p of batch) p.reject(err);
    }
  }
}
