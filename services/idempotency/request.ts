import type { Trx } from '../db';
import { ProblemError } from '../shared/errors';

/** Who sent a request with an Idempotency-Key, the key, and what the request was (hashed). */
export interface IdempotencyClaim {
  readonly actorType: 'staff' | 'client';
  readonly actorId: string;
  readonly key: string;
  /** SHA-256 over the canonical method, path, query and body: a retry must send the same request. */
  readonly requestHash: string;
  readonly method: string;
  readonly path: string;
}

/** Writes the key inside the change's transaction; false when a committed request already holds it. */
export interface ClaimWriter {
  insert(trx: Trx, claim: IdempotencyClaim, auditEventId: string): Promise<boolean>;
}

/** Another request with the same key committed first; the router answers with what that one did. */
export class IdempotencyKeyTaken extends ProblemError {
  constructor() {
    super(409, 'idempotent_request_completed', 'Conflict', 'A request with this Idempotency-Key has already been carried out');
  }
}

/** The earlier request that took the key, when this one is a retry that is answered afresh (see `follow`). */
export interface EarlierRequest {
  readonly auditEventId: string;
  /** When the key was taken: the earlier change's audit event is no older than this, give or take the clock. */
  readonly at: string;
}

/** What a retry learns instead of a response that held something shown once (a client secret). */
export interface ShownOnce {
  /** Why the response is not repeated, for the problem's detail. */
  readonly detail: string;
  /** Identifiers (never the secret) that let the caller find what the first request made. */
  readonly extensions?: Record<string, unknown>;
}

/**
 * One POST with an Idempotency-Key, while it runs. The router puts it in the request's change
 * context (ChangeContext.idempotent); the first change made under that context takes the key in the
 * change's own transaction (AuditLog.record, or the group commit), so the key is recorded if and
 * only if the change committed.
 */
export class IdempotentRequest {
  private claimedIn: Trx | undefined;
  private finished = false;
  private earlier: EarlierRequest | undefined;
  private once: ShownOnce | undefined;

  constructor(
    readonly claim: IdempotencyClaim,
    private readonly writer: ClaimWriter,
  ) {}

  /** True once a change of this request has taken the key (and its transaction did not roll back). */
  get claimed(): boolean {
    return this.claimedIn !== undefined;
  }

  /** Set on a retry of a request that took the key before and whose route answers every retry afresh. */
  get retryOf(): EarlierRequest | undefined {
    return this.earlier;
  }

  /**
   * Makes this request a retry of the one that took the key: it takes no key (the earlier request
   * holds it) and its change names the earlier one instead (decisions, which are never replayed).
   */
  follow(earlier: EarlierRequest): void {
    this.earlier = earlier;
  }

  /** Takes the key in `trx` for the request's first change; later changes of the same request pass. */
  async claimIn(trx: Trx, auditEventId: string): Promise<boolean> {
    if (this.finished || this.claimedIn !== undefined || this.earlier !== undefined) return true;
    this.claimedIn = trx;
    trx.executionPromise.catch(() => {
      if (this.claimedIn === trx) this.claimedIn = undefined;
    });
    const inserted = await this.writer.insert(trx, this.claim, auditEventId);
    if (!inserted) this.claimedIn = undefined;
    return inserted;
  }

  /**
   * The response carries something shown once (a client secret): it is never kept, and a retry
   * with the key gets a 409 saying so instead of the response.
   */
  showOnce(note: ShownOnce): void {
    this.once = note;
  }

  get shownOnce(): ShownOnce | undefined {
    return this.once;
  }

  /** After the response: work the request left behind (change-feed handlers) no longer claims. */
  finish(): void {
    this.finished = true;
  }
}
