import type { Checkpoint } from './checkpoint-key';
import type { AuditCheckpoints, CheckpointStep } from './checkpoints';
import { GENESIS_HASH, hashEvent, type AuditEvent, type AuditStore } from './store';

export interface VerifyResult {
  valid: boolean;
  checked: number;
  /** Events up to this seq were detached by retention; the walk started after them. */
  archivedThroughSeq?: number;
  firstInvalidEventId?: string;
  firstInvalidSeq?: number;
  /** The checkpoint whose check failed (missing, altered, or not matching the chain). */
  invalidCheckpoint?: number;
  reason?: string;
  /** Present when the service signs checkpoints. */
  checkpoints?: CheckpointSummary;
}

export interface CheckpointSummary {
  /** Checkpoints whose signature, number and link were checked. */
  checked: number;
  intervalSeconds: number;
  /** The newest checkpoint the chain was checked against. */
  last: { number: number; seq: number; hash: string; madeAt: string } | null;
  /** Events after the newest checkpoint: protected by the hash chain only. */
  unanchoredEvents: number;
  /** What this result does and does not prove about truncation. */
  statement: string;
}

type Anchors = AsyncGenerator<CheckpointStep>;

/**
 * Walks the chain from the first retained event, and beside it the signed checkpoints: every link
 * and hash must hold, and the event at each checkpoint's seq must carry the checkpoint's hash. Names
 * the first event (or checkpoint) that breaks and why.
 */
export async function verifyChain(
  store: AuditStore,
  checkpoints: AuditCheckpoints | undefined,
  batchSize: number,
  held: readonly Checkpoint[],
): Promise<VerifyResult> {
  const anchors = checkpoints?.walk(held, batchSize);
  const walk = new AnchorWalk(anchors);
  let checked = 0;
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  let archived: { lastSeq: number; lastHash: string } | undefined;
  const done = (result: Omit<VerifyResult, 'checked'>): VerifyResult => ({
    ...result,
    checked,
    ...(archived ? { archivedThroughSeq: archived.lastSeq } : {}),
    ...(checkpoints
      ? {
          checkpoints: walk.summary(checkpoints.intervalSeconds, expectedSeq - 1),
        }
      : {}),
  });
  for (;;) {
    const batch = await store.readBatch(expectedSeq - 1, batchSize);
    if (checked === 0 && batch.length > 0 && batch[0].seq !== 1) {
      const anchor = await store.retentionAnchor();
      if (anchor) {
        archived = anchor;
        expectedSeq = anchor.lastSeq + 1;
        prevHash = anchor.lastHash;
      }
    }
    if (batch.length === 0) {
      // Checkpoints past the end of the chain: the events they vouch for are gone.
      const beyond = await walk.upTo(Number.MAX_SAFE_INTEGER, archived);
      if (beyond && 'problem' in beyond)
        return done({
          valid: false,
          invalidCheckpoint: beyond.problem.number,
          reason: beyond.problem.reason,
        });
      if (beyond) {
        const c = beyond.checkpoint;
        return done({
          valid: false,
          firstInvalidSeq: expectedSeq,
          invalidCheckpoint: c.number,
          reason: `the chain ends at seq ${expectedSeq - 1} but checkpoint ${c.number} (made at ${c.madeAt}) vouches for seq ${c.seq}: events ${expectedSeq} to ${c.seq} were deleted`,
        });
      }
      return done({ valid: true });
    }
    for (const event of batch) {
      const reason = linkProblem(event, expectedSeq, prevHash);
      if (reason)
        return done({
          valid: false,
          firstInvalidEventId: event.id,
          firstInvalidSeq: event.seq,
          reason,
        });
      const step = await walk.upTo(event.seq, archived);
      if (step && 'problem' in step)
        return done({
          valid: false,
          invalidCheckpoint: step.problem.number,
          reason: step.problem.reason,
        });
      if (step && step.checkpoint.hash !== event.hash) {
        const c = step.checkpoint;
        return done({
          valid: false,
          firstInvalidEventId: event.id,
          firstInvalidSeq: event.seq,
          invalidCheckpoint: c.number,
          reason: `hash differs from checkpoint ${c.number} (signed at ${c.madeAt}): events after seq ${walk.lastGoodSeq(archived)} were rewritten and re-hashed`,
        });
      }
      if (step) walk.passed(step.checkpoint);
      checked += 1;
      prevHash = event.hash;
      expectedSeq += 1;
    }
  }
}

function linkProblem(event: AuditEvent, expectedSeq: number, prevHash: string): string | undefined {
  if (event.seq !== expectedSeq) return `sequence gap: expected ${expectedSeq}, found ${event.seq}`;
  if (event.prevHash !== prevHash) return 'prev_hash does not match the previous event';
  if (hashEvent(event) !== event.hash) return 'hash does not match the event contents';
  return undefined;
}

/** The checkpoints beside the event walk: each handed out when the walk reaches its seq. */
class AnchorWalk {
  private pending: CheckpointStep;
  private started = false;
  private checked = 0;
  private last: Checkpoint | undefined;

  constructor(private readonly anchors: Anchors | undefined) {}

  /**
   * The checkpoint at `seq` (to compare with the event there), a problem, or undefined. Checkpoints
   * before the retained chain are checked against the detachment's recorded hash where they meet it.
   */
  async upTo(seq: number, archived: { lastSeq: number; lastHash: string } | undefined): Promise<CheckpointStep> {
    for (;;) {
      const step = await this.peek();
      if (!step) return undefined;
      if ('problem' in step) return step;
      const c = step.checkpoint;
      if (c.seq > seq) return undefined;
      if (archived && c.seq <= archived.lastSeq) {
        if (c.seq === archived.lastSeq && c.hash !== archived.lastHash) {
          return {
            problem: {
              number: c.number,
              reason: `checkpoint ${c.number} does not match the hash recorded for seq ${c.seq} when its month was detached`,
            },
          };
        }
        this.passed(c);
        continue;
      }
      this.pending = undefined;
      if (c.seq === seq || seq === Number.MAX_SAFE_INTEGER) return step;
      // Behind the walk only if its seq was never walked: impossible for a contiguous chain.
      return {
        problem: {
          number: c.number,
          reason: `checkpoint ${c.number} vouches for seq ${c.seq}, which the chain does not hold`,
        },
      };
    }
  }

  passed(c: Checkpoint): void {
    this.pending = undefined;
    this.checked += 1;
    this.last = c;
  }

  /** The seq of the last checkpoint that matched: the chain is proven up to there. */
  lastGoodSeq(archived: { lastSeq: number } | undefined): number {
    return this.last?.seq ?? archived?.lastSeq ?? 0;
  }

  summary(intervalSeconds: number, lastSeq: number): CheckpointSummary {
    const last = this.last;
    const unanchoredEvents = Math.max(0, lastSeq - (last?.seq ?? 0));
    return {
      checked: this.checked,
      intervalSeconds,
      last: last
        ? {
            number: last.number,
            seq: last.seq,
            hash: last.hash,
            madeAt: last.madeAt,
          }
        : null,
      unanchoredEvents,
      statement:
        `Events up to seq ${last?.seq ?? 0} match signed checkpoints. ` +
        `The ${unanchoredEvents} event(s) after it are protected by the hash chain only: deleting or rewriting them is not detected here. ` +
        `While the service runs a checkpoint covers new events within ${intervalSeconds} s, which bounds that window; ` +
        'deleted checkpoints are detected by comparing with copies kept outside the database (pass the newest as ?checkpoint=).',
    };
  }

  private async peek(): Promise<CheckpointStep> {
    if (!this.anchors) return undefined;
    if (!this.started || this.pending === undefined) {
      this.started = true;
      const next = await this.anchors.next();
      this.pending = next.done ? undefined : next.value;
    }
    return this.pending;
  }
}
