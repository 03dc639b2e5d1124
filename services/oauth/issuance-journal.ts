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
 * A batch is whatever queued while earlier batches were committing; an idle journal waits one turn
 * of the event loop, so requests already under way join it. With `lanes` > 1 (PostgreSQL), the
 * next batch opens its transaction while the previous one commits: the audit chain lock still
 * orders them, but the round trips overlap.
 */
export class IssuanceJournal {
  private queue: Pending[] = [];
  private running = 0;
  private readonly idle: Array<() => void> = [];

  constructor(
    private readonly db: Db,
    private readonly tokens: TokenStore,
    private readonly audit: AuditLog,
    private readonly lanes = 1,
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
  drain(): Promise<void> {
    if (this.running === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private enqueue(claim: AssertionClaim | undefined, events: readonly AuditEventInput[]): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.queue.push({ claim, events, resolve, reject });
      if (this.running < this.lanes) {
        this.running += 1;
        void this.lane();
      }
    });
  }

  private async lane(): Promise<void> {
    // Let the requests already under way in this turn of the event loop join the batch.
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
    this.running -= 1;
    if (this.running === 0) for (const resolve of this.idle.splice(0)) resolve();
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
