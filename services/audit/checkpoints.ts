import type { Db } from '../db';
import type { Logger } from '../logger';
import { CHECKPOINT_GENESIS, CheckpointRejected, checkpointDigest, type Checkpoint, type CheckpointKey } from './checkpoint-key';
import type { AuditCheckpointStore } from './checkpoint-store';

export interface AuditCheckpointsOptions {
  /** At most one checkpoint per interval across replicas, and one within it once the chain moves. */
  readonly intervalSeconds: number;
  readonly now?: () => Date;
  readonly logger?: Logger;
}

/** A checkpoint whose own chain is broken, or one a witness holds that the database lost or changed. */
export interface CheckpointProblem {
  readonly number: number;
  readonly reason: string;
}

/** The next checkpoint in number order, checked; or the first problem in their chain. */
export type CheckpointStep = { readonly checkpoint: Checkpoint } | { readonly problem: CheckpointProblem } | undefined;

/**
 * Signed checkpoints of the audit chain head. A checkpoint is made by whichever replica takes the
 * checkpointer's lock, at most once per interval and only when the chain has moved; it reads the
 * committed head and never takes the chain lock, so no write path waits for it. Each checkpoint
 * chains to the previous one (SHA-256 of its JWS), so a witness holding copies sees any deletion.
 */
export class AuditCheckpoints {
  readonly intervalSeconds: number;
  private readonly now: () => Date;
  private readonly logger?: Logger;
  /** The newest checkpoint this process made or read: deleting it from the database does not make it forgotten. */
  private known: Checkpoint | undefined;
  private making: Promise<unknown> = Promise.resolve();
  private pending = 0;
  private timer: NodeJS.Timeout | undefined;
  private lastAlarm: string | undefined;

  constructor(
    private readonly db: Db,
    private readonly store: AuditCheckpointStore,
    private readonly key: CheckpointKey,
    options: AuditCheckpointsOptions,
  ) {
    this.intervalSeconds = options.intervalSeconds;
    this.now = options.now ?? (() => new Date());
    this.logger = options.logger;
  }

  /** The public key (JWKS) that verifies every checkpoint. */
  jwks(): { keys: Array<Record<string, unknown>> } {
    return { keys: [{ ...this.key.publicJwk }] };
  }

  /** Checkpoints numbered after `afterNumber`, oldest first (what a witness downloads). */
  list(afterNumber: number, limit: number): Promise<Checkpoint[]> {
    return this.store.readAfter(afterNumber, limit);
  }

  /** Checks a checkpoint JWS a witness kept; CheckpointRejected when this service's key did not sign it. */
  parse(jws: string): Promise<Checkpoint> {
    return this.key.verify(jws);
  }

  /** Makes a checkpoint every interval while the service runs. */
  start(): void {
    this.timer ??= setInterval(() => {
      this.tick().catch((err: unknown) => this.logger?.warn({ err: (err as Error).message }, 'audit checkpoint failed; will retry'));
    }, this.intervalSeconds * 1000);
    this.timer.unref();
  }

  /** Stops the timer and waits for a checkpoint under way (the database closes next). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.making;
  }

  /** A checkpoint if the chain moved and no replica made one within the interval; skipped while one is under way (a slow or unreachable database never queues ticks). */
  tick(): Promise<Checkpoint | undefined> {
    if (this.pending > 0) return Promise.resolve(undefined);
    return this.serialised(false);
  }

  /** A checkpoint if the chain moved, whatever the interval (tests, operators). */
  checkpointNow(): Promise<Checkpoint | undefined> {
    return this.serialised(true);
  }

  private serialised(force: boolean): Promise<Checkpoint | undefined> {
    this.pending += 1;
    const made = this.making.then(() => this.make(force)).finally(() => (this.pending -= 1));
    this.making = made.catch(() => undefined);
    return made;
  }

  private async make(force: boolean): Promise<Checkpoint | undefined> {
    const made = await this.db.transaction(async (trx) => {
      if (!(await this.store.tryLock(trx))) return undefined;
      const previous = this.previousOf(await this.store.latest(trx));
      const now = this.now();
      if (!force && previous && now.getTime() - Date.parse(previous.madeAt) < this.intervalSeconds * 1000) return undefined;
      const head = await this.store.chainHead(trx);
      if (!head || (previous && head.seq === previous.seq && head.hash === previous.hash)) return undefined;
      if (previous && head.seq <= previous.seq) {
        this.alarm(
          `the audit chain ends at seq ${head.seq} but checkpoint ${previous.number} vouches for seq ${previous.seq} with another hash`,
        );
        return undefined;
      }
      const atPrevious = previous && (await this.store.eventHash(trx, previous.seq));
      // Still anchored: the later events deserve a checkpoint, and the earlier one keeps naming the rewrite.
      if (previous && atPrevious !== undefined && atPrevious !== previous.hash)
        this.alarm(`the audit event at seq ${previous.seq} no longer matches checkpoint ${previous.number}`);
      const checkpoint = await this.key.sign({
        number: (previous?.number ?? 0) + 1,
        seq: head.seq,
        hash: head.hash,
        madeAt: now.toISOString(),
        prev: previous ? checkpointDigest(previous.jws) : CHECKPOINT_GENESIS,
      });
      await this.store.insert(trx, checkpoint);
      return checkpoint;
    });
    if (made) this.known = made;
    return made;
  }

  /** What the next checkpoint follows: the stored newest, or this process's newest when the database lost it. */
  private previousOf(stored: Checkpoint | undefined): Checkpoint | undefined {
    const known = this.known;
    if (known && (!stored || stored.number < known.number)) {
      // Keep the numbering: the gap stays in the database for verification to name.
      this.alarm(
        `audit checkpoints after ${stored?.number ?? 0} were deleted from the database (this process made or read checkpoint ${known.number})`,
      );
      return known;
    }
    this.known = stored;
    return stored;
  }

  /** Logged once per distinct finding, not every second. */
  private alarm(message: string): void {
    if (message === this.lastAlarm) return;
    this.lastAlarm = message;
    this.logger?.error({ alarm: 'audit_tampering' }, message);
  }

  /**
   * Walks the stored checkpoints in number order, checking each one's signature, number and link
   * to the one before; then those a witness (or this process) holds that the database no longer
   * does. `held` are checkpoints known from outside the database: each must be stored unchanged.
   */
  async *walk(held: readonly Checkpoint[], batchSize: number): AsyncGenerator<CheckpointStep> {
    const outside = new Map<number, Checkpoint>();
    for (const c of [...held, ...(this.known ? [this.known] : [])]) outside.set(c.number, c);
    const newest = await this.store.latest();
    const through = newest?.number ?? 0;
    let previous: Checkpoint | undefined;
    for (let after = 0; after < through;) {
      const batch = await this.store.readAfter(after, batchSize, through);
      if (batch.length === 0) break;
      for (const row of batch) {
        const problem = await this.check(row, previous, outside.get(row.number));
        if (problem) {
          yield { problem };
          return;
        }
        yield { checkpoint: row };
        previous = row;
        after = row.number;
      }
    }
    const lost = [...outside.values()].filter((c) => c.number > (previous?.number ?? 0)).sort((a, b) => a.number - b.number);
    for (const c of lost) yield { checkpoint: c };
    if (lost.length > 0)
      yield {
        problem: {
          number: lost[0].number,
          reason: `checkpoint ${lost[0].number} (made at ${lost[0].madeAt}) is held outside the database but missing from it: checkpoints were deleted`,
        },
      };
  }

  private async check(
    row: Checkpoint,
    previous: Checkpoint | undefined,
    copy: Checkpoint | undefined,
  ): Promise<CheckpointProblem | undefined> {
    const expected = (previous?.number ?? 0) + 1;
    const problem = (reason: string) => ({
      number: row.number,
      reason: `checkpoint ${row.number}: ${reason}`,
    });
    if (row.number !== expected)
      return {
        number: expected,
        reason: `checkpoint ${expected} is missing: checkpoints were deleted`,
      };
    let signed: Checkpoint;
    try {
      signed = await this.key.verify(row.jws);
    } catch (err) {
      if (err instanceof CheckpointRejected) return problem(err.message);
      throw err;
    }
    if (
      signed.number !== row.number ||
      signed.seq !== row.seq ||
      signed.hash !== row.hash ||
      signed.prev !== row.prev ||
      Date.parse(signed.madeAt) !== Date.parse(row.madeAt)
    ) {
      return problem('its columns differ from its signed payload');
    }
    if (copy && copy.jws !== row.jws) return problem('it differs from the copy held outside the database');
    if (signed.prev !== (previous ? checkpointDigest(previous.jws) : CHECKPOINT_GENESIS))
      return problem('it does not link to the checkpoint before it');
    if (previous && signed.seq <= previous.seq)
      return problem(`it vouches for seq ${signed.seq}, not after checkpoint ${previous.number}'s seq ${previous.seq}`);
    return undefined;
  }
}
