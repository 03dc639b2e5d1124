import type { Transactor, Trx } from '../../db';
import type { AuditEventInput } from '../store';
import type { AuditChain, LinkedBatch } from './chain';

/** What a feature writes with a batch of audit events; its SQL lives in the feature's store. */
export interface BatchWrites<R> {
  /**
   * One statement that commits the feature's writes and the linked events together (e.g.
   * record_decisions, record_token_batch: they call audit_append_after); undefined when this batch
   * cannot be written so (then the transaction path).
   */
  readonly oneStatement?: (linked: LinkedBatch) => Promise<R>;
  /** The feature's writes inside the batch's transaction; the events are appended after them (row locks first, the chain lock last). */
  readonly inTransaction: (trx: Trx) => Promise<R>;
}

/**
 * Runs `statement` for events linked after the chain end this process knows: its result once
 * committed, or undefined, with nothing written, when the events could not be linked ahead or the
 * statement was refused because the chain had moved on (then append them in a transaction).
 */
export async function sendLinked<R>(
  chain: Pick<AuditChain, 'linkAfterKnownEnd'>,
  events: readonly AuditEventInput[],
  statement: (linked: LinkedBatch) => Promise<R>,
): Promise<{ readonly value: R } | undefined> {
  const linked = chain.linkAfterKnownEnd(events);
  if (!linked) return undefined;
  return linked.send(async () => ({ value: await statement(linked) }));
}

/**
 * Commits a batch of events with the feature's writes: by one statement when the chain end is
 * known here, otherwise by a transaction (the feature's writes, then the events at the chain end).
 */
export async function commitBatch<R>(
  db: Transactor,
  chain: Pick<AuditChain, 'append' | 'linkAfterKnownEnd'>,
  events: readonly AuditEventInput[],
  writes: BatchWrites<R>,
): Promise<R> {
  if (writes.oneStatement && events.length > 0) {
    const sent = await sendLinked(chain, events, writes.oneStatement);
    if (sent) return sent.value;
  }
  return db.transaction(async (trx) => {
    const result = await writes.inTransaction(trx);
    await chain.append(trx, events);
    return result;
  });
}
