import type { AuditEventInput, AuditLog } from '../audit';
import type { Db } from '../db';
import { assertionKey, type AssertionClaim, type TokenStore } from './token-store';

interface Pending {
  readonly claim?: AssertionClaim;
  readonly events: readonly AuditEventInput[];
  readonly resolve: (fresh: boolean) => void;
  readonly reject: (err: unknown) => void;
}

const MAX_BATCH = 500;

/**
 * Group commit for the token endpoint: issued tokens' audit events, failed authentications and
 * assertion jti claims from concurrent requests share one transaction, so each request still waits
 * until its own record is durable but the database sees one commit per batch, not per token.
 * A batch is whatever queued while the previous one was committing; an idle journal waits one turn of
 * the event loop, so requests already under way join it.
 */
export class IssuanceJournal {
  private queue: Pending[] = [];
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly db: Db,
    private readonly tokens: TokenStore,
    private readonly audit: AuditLog,
  ) {}

  /** Durably records audit events (resolves after commit). */
  async record(events: readonly AuditEventInput[]): Promise<void> {
    await this.enqueue(undefined, events);
  }

  /** Durably records a client assertion's jti; false when it was seen before (a replay). */
  claimAssertion(claim: AssertionClaim): Promise<boolean> {
    return this.enqueue(claim, []);
  }

  /** Resolves when everything queued so far has been committed (or failed). */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private enqueue(claim: AssertionClaim | undefined, events: readonly AuditEventInput[]): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.queue.push({ claim, events, resolve, reject });
      this.flushing ??= this.flush().finally(() => {
        this.flushing = undefined;
      });
    });
  }

  private async flush(): Promise<void> {
    // Let the requests already under way in this turn of the event loop join the first batch.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      try {
        const fresh = await this.commit(batch);
        for (const p of batch) p.resolve(p.claim ? fresh.has(p) : true);
      } catch (err) {
        for (const p of batch) p.reject(err);
      }
    }
  }

  private async commit(batch: readonly Pending[]): Promise<Set<Pending>> {
    // The first claim of a (client, jti) in the batch may win; any repeat in the same batch is a replay.
    const first = new Map<string, Pending>();
    for (const p of batch) {
      if (!p.claim) continue;
      const key = assertionKey(p.claim.clientId, p.claim.jti);
      if (!first.has(key)) first.set(key, p);
    }
    const events = batch.flatMap((p) => p.events);
    const inserted = await this.db.transaction(async (trx) => {
      const fresh = await this.tokens.claimAssertions(trx, [...first.values()].map((p) => p.claim as AssertionClaim));
      if (events.length > 0) await this.audit.append(trx, events);
      return fresh;
    });
    return new Set([...first.entries()].filter(([key]) => inserted.has(key)).map(([, p]) => p));
  }
}
