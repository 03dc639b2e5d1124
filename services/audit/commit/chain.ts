import crypto from 'node:crypto';
import type { Trx } from '../../db';
import {
  CHAIN_MOVED,
  CHAIN_SHORT,
  GENESIS_HASH,
  sealEvent,
  monthStart,
  type AuditEvent,
  type AuditEventInput,
  type ChainEnd,
} from '../store';

/** The SQL the chain needs (AuditStore). */
export interface ChainStore {
  /** Takes the chain lock, then reads the head as the previous holder committed it; undefined when the chain is empty. */
  lockChainHead(trx: Trx): Promise<ChainEnd | undefined>;
  /** Makes sure the months from `from` up to `until` have their partition. */
  ensurePartitions(trx: Trx, from: Date, until: Date): Promise<void>;
  insertEvents(trx: Trx, events: readonly AuditEvent[]): Promise<void>;
  /** The clock events are stamped with. */
  now(): Date;
}

/** Events linked after the chain end this process last knew, for one statement to append (audit_append_after). */
export interface LinkedBatch {
  readonly after: ChainEnd;
  readonly events: readonly AuditEvent[];
  /** The events as audit_events rows (a jsonb array). */
  readonly rowsJson: string;
  /**
   * Runs the statement that appends the batch (with audit_append_after) and answers its result once
   * committed. Sent again once if the batch linked before this one reached the chain lock later
   * and has now committed. Undefined, with nothing written, when the batch was refused (the chain
   * moved on, or the batch before failed): append it the usual way. Any other failure rejects.
   */
  send<R>(statement: () => Promise<R>): Promise<R | undefined>;
}

/** After the chain moved on under a linked batch (another replica appends too), link ahead again only after this long. */
const LINK_AHEAD_PAUSE_MS = 1000;

const sqlState = (err: unknown): unknown => (err as { code?: unknown } | null)?.code;

/**
 * The chain-head bookkeeping of this process: numbers and hashes events after the chain end, in a
 * transaction that holds the chain lock (`append`), or ahead of it after the end this process last
 * knew, for one statement that audit_append_after checks under the lock (`linkAfterKnownEnd`).
 */
export class AuditChain {
  /** Months up to here are known to have their partition (audit_ensure_partitions). */
  private partitionsUntil = 0;
  /**
   * The chain end as this process last appended (committed or still in flight). Only a guess:
   * audit_append_after checks it under the chain lock and refuses a batch linked after anything else.
   */
  private known: ChainEnd | undefined;
  private linkAheadPausedUntil = 0;
  /** Transactions of append() not yet ended: they link only once they hold the chain lock, so none may be linked ahead of. */
  private openAppends = 0;
  /** Calls of append() so far: a linked batch that lost the lock to one of them was not refused for another writer. */
  private appendsStarted = 0;
  /** Whether the batch linked last committed (false: it failed), once it has ended. */
  private lastLinked: Promise<boolean> = Promise.resolve(true);

  constructor(private readonly store: ChainStore) {}

  /** Appends events at the end of the chain inside the caller's transaction. */
  async append(trx: Trx, inputs: readonly AuditEventInput[]): Promise<AuditEvent[]> {
    if (inputs.length === 0) return [];
    this.openAppends += 1;
    this.appendsStarted += 1;
    trx.executionPromise.then(
      () => {
        this.openAppends -= 1;
      },
      () => {
        this.openAppends -= 1;
        // Rolled back: what it linked is not the end.
        this.known = undefined;
      },
    );
    const after = (await this.store.lockChainHead(trx)) ?? { seq: 0, hash: GENESIS_HASH, occurredAt: '' };
    const occurredAt = this.stampAfter(after);
    await this.ensurePartitionIn(trx, new Date(occurredAt));
    const { events } = this.link(inputs, after, occurredAt);
    await this.store.insertEvents(trx, events);
    return events;
  }

  /**
   * Links events after the chain end this process last knew (which may be the end of a batch still
   * on its way), without a round trip: the caller sends them with audit_append_after in the
   * statement that commits its batch, through `send`. Undefined when the end is not known (nothing
   * appended yet, a linked batch failed), a transaction of append() is open (it links when it gets
   * the lock, after whatever was linked ahead), the month's partition has not been made sure of, or
   * another writer moved the chain on less than a second ago: then append().
   */
  linkAfterKnownEnd(inputs: readonly AuditEventInput[]): LinkedBatch | undefined {
    const after = this.known;
    const occurredAt = after && this.stampAfter(after);
    if (
      after === undefined ||
      occurredAt === undefined ||
      inputs.length === 0 ||
      this.openAppends > 0 ||
      Date.now() < this.linkAheadPausedUntil ||
      new Date(occurredAt).getTime() >= this.partitionsUntil
    ) {
      return undefined;
    }
    const { events, rowsJson } = this.link(inputs, after, occurredAt);
    const appendsBefore = this.appendsStarted;
    const previousCommitted = this.lastLinked;
    let ended = (_committed: boolean) => {};
    this.lastLinked = new Promise<boolean>((resolve) => (ended = resolve));
    const failed = (err: unknown) => {
      this.known = undefined;
      // Moved on by nothing of this process's: another replica appends too, so linking ahead would mostly miss.
      if (sqlState(err) === CHAIN_MOVED && this.appendsStarted === appendsBefore)
        this.linkAheadPausedUntil = Date.now() + LINK_AHEAD_PAUSE_MS;
      ended(false);
    };
    return {
      after,
      events,
      rowsJson,
      async send<R>(statement: () => Promise<R>): Promise<R | undefined> {
        for (let attempt = 1; ; attempt += 1) {
          try {
            const result = await statement();
            ended(true);
            return result;
          } catch (err) {
            const state = sqlState(err);
            // The batch before got the lock after this one: once it has committed, this one follows it.
            if (state === CHAIN_SHORT && attempt === 1 && (await previousCommitted)) continue;
            failed(err);
            if (state === CHAIN_MOVED || state === CHAIN_SHORT) return undefined;
            throw err;
          }
        }
      },
    };
  }

  /** Now, but never before the previous event (replicas' clocks differ a little): each month then holds one run of the chain. */
  private stampAfter(after: ChainEnd): string {
    const stamped = this.store.now().toISOString();
    return after.occurredAt > stamped ? after.occurredAt : stamped;
  }

  /**
   * Numbers and hashes events after `after`, and encodes them as a JSON array of audit_events rows
   * (each event's details encoded once for both); what the next batch links to is then the last of them.
   */
  private link(inputs: readonly AuditEventInput[], after: ChainEnd, occurredAt: string): { events: AuditEvent[]; rowsJson: string } {
    let seq = after.seq;
    let prevHash = after.hash;
    const rowsJson: string[] = [];
    const events = inputs.map((input) => {
      seq += 1;
      const { event, rowJson } = sealEvent({ ...input, seq, id: input.id ?? crypto.randomUUID(), occurredAt, prevHash });
      prevHash = event.hash;
      rowsJson.push(rowJson);
      return event;
    });
    this.known = { seq, hash: prevHash, occurredAt };
    return { events, rowsJson: `[${rowsJson.join(',')}]` };
  }

  /**
   * Makes sure the month of `at` and the next one have their partition. Normally a catalog look-up
   * (start-up and the hourly housekeeping create them ahead); once per process and month's turn.
   */
  private async ensurePartitionIn(trx: Trx, at: Date): Promise<void> {
    if (at.getTime() < this.partitionsUntil) return;
    const previous = this.partitionsUntil;
    this.partitionsUntil = monthStart(at, 2).getTime();
    trx.executionPromise.catch(() => {
      this.partitionsUntil = previous;
    });
    await this.store.ensurePartitions(trx, at, monthStart(at, 1));
  }
}
