import type { AuditEventInput, AuditLog } from '../../audit';
import type { Transactor } from '../../db';
import { isDatabaseUnavailable } from '../../shared/errors';
import { assertionKey, type AssertionClaim, type TokenStoreType } from './store-type';

interface Pending {
  readonly claim?: AssertionClaim;
  readonly events: readonly AuditEventInput[];
  readonly resolve: (fresh: boolean) => void;
  readonly reject: (err: unknown) => void;
}

const MAX_BATCH = 500;
/** How long a batch may wait for requests still on their way (signing, authenticating) to join it. */
const MAX_GATHER_MS = 4;

/**
 * Group commit for the token endpoint: issued tokens' audit events, failed authentications and
 * assertion jti claims from concurrent requests share one commit (AuditLog.commitBatch: one
 * statement when the audit chain's end is known here, else a transaction), so each request still waits until its own record
 * is durable but the database sees one commit per batch, not per token.
 * A batch starts once every token request under way is waiting on the journal (or after
 * MAX_GATHER_MS), so it is as large as the load allows. With `lanes` > 1 (PostgreSQL), the next
 * batch opens its transaction while the previous one commits: the audit chain lock still orders
 * them, but the round trips overlap.
 */
export class IssuanceJournal {
  private queue: Pending[] = [];
  private running = 0;
  private readonly idle: Array<() => void> = [];
  /** Token requests under way, and how many callers are waiting on the journal right now. */
  private underWay = 0;
  private waiting = 0;
  private gathered: (() => void) | undefined;

  constructor(
    private readonly db: Transactor,
    private readonly tokens: Pick<TokenStoreType, 'claimAssertions' | 'recordTokenBatch'>,
    /** The durable-commit module's batch commit (services/audit/commit). */
    private readonly audit: Pick<AuditLog, 'commitBatch'>,
    private readonly lanes = 1,
  ) {}

  /** A token request starts: the next batch waits (briefly) for it to write. Call the result when it ends. */
  begin(): () => void {
    this.underWay += 1;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.underWay -= 1;
      this.nudge();
    };
  }

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
    this.waiting += 1;
    const settled = new Promise<boolean>((resolve, reject) => {
      this.queue.push({ claim, events, resolve, reject });
      if (this.running < this.lanes) {
        this.running += 1;
        void this.lane();
      }
    });
    this.nudge();
    return settled.finally(() => {
      this.waiting -= 1;
    });
  }

  private nudge(): void {
    if (this.gathered && this.waiting >= this.underWay) this.gathered();
  }

  /** Waits until every request under way waits on the journal, or MAX_GATHER_MS. */
  private gather(): Promise<void> {
    if (this.waiting >= this.underWay) return new Promise((resolve) => setImmediate(resolve));
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.gathered = undefined;
        resolve();
      };
      const timer = setTimeout(done, MAX_GATHER_MS);
      this.gathered = done;
    });
  }

  private async lane(): Promise<void> {
    while (this.queue.length > 0) {
      await this.gather();
      const batch = this.queue.splice(0, MAX_BATCH);
      if (batch.length === 0) break;
      try {
        const fresh = await this.commit(batch);
        for (const p of batch) p.resolve(p.claim ? fresh.has(p) : true);
      } catch (err) {
        for (const p of batch) p.reject(err);
        // The database cannot be reached: requests queued meanwhile would only wait as long again (fail fast).
        if (isDatabaseUnavailable(err)) for (const p of this.queue.splice(0)) p.reject(err);
      }
    }
    this.running -= 1;
    if (this.running === 0 && this.queue.length === 0) for (const resolve of this.idle.splice(0)) resolve();
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
    const claims = [...first.values()].map((p) => p.claim as AssertionClaim);
    // Claims alone are one insert; with events, the audit log commits them together (one statement when it can).
    const inserted =
      events.length === 0
        ? await this.tokens.claimAssertions(claims)
        : await this.audit.commitBatch(this.db, events, {
            oneStatement: (linked) => this.tokens.recordTokenBatch(linked, claims),
            inTransaction: (trx) => this.tokens.claimAssertions(claims, trx),
          });
    return new Set([...first.entries()].filter(([key]) => inserted.has(key)).map(([, p]) => p));
  }
}
