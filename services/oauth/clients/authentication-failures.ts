import { LRUCache } from 'lru-cache';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { AuditEventInput } from '../../audit';
import type { Logger } from '../../logger';
import { addressKey } from '../../http/rate-limit';
import { unstorable } from '../../shared/validation';
import { OAuthError } from '../errors';
import type { IssuanceJournal } from '../tokens/issuance-journal';
import { AUTHENTICATION_FAILURE_WINDOW_SECONDS, FAILURES_AUDITED_ONE_BY_ONE_PER_ADDRESS } from '../settings';

/** Failed client authentications allowed in each window (OAUTH_AUTH_FAILURES_PER_ADDRESS / _PER_CLIENT). */
export interface AuthenticationFailureLimits {
  readonly perAddress: number;
  readonly perClientId: number;
}

/** One failed (or throttled) client authentication at a protocol endpoint. */
export interface AuthenticationFailureRecord {
  readonly address: string;
  /** The client id the caller claimed; undefined when it named none or one that cannot be stored. */
  readonly clientId: string | undefined;
  readonly endpoint: string;
  readonly method: string | null;
  readonly reason: string;
  readonly requestId: string;
}

/** Failures of one kind (client id × reason, or an address's overflow) counted in one window. */
interface Window {
  readonly clientId: string | null;
  readonly reason: string;
  readonly startedAt: number;
  repeats: number;
  readonly endpoints: Set<string>;
  /** Overflow windows only: how many failures named each client id (at most MAX_NAMED_IN_SUMMARY ids). */
  readonly byClientId?: Map<string, number>;
}

const MAX_TRACKED = 10_000;
const MAX_NAMED_IN_SUMMARY = 50;
const OVERFLOW = '*';

const claimedId = (clientId: string | undefined): string | null => {
  const id = clientId?.slice(0, 200);
  return id !== undefined && unstorable(id) === undefined ? id : null;
};

/**
 * Failed client authentications cost an anonymous caller nothing, so they are throttled and
 * audited by the count, not one by one:
 * - an address with too many failures in the window gets 429 with Retry-After before anything is
 *   looked up or checked (`refuseIfThrottled`);
 * - a claimed client id with too many failures answers 429 instead of 401 to every further
 *   failure (`record` throws it): the client's own valid credentials still work, so nobody can lock
 *   a client out by naming it (secrets are 256 random bits and assertions are signed: there is
 *   nothing to guess);
 * - the first failure of each client id × reason from an address in a window is audited at once
 *   (`oauth.client_authentication_failed`), up to FAILURES_AUDITED_ONE_BY_ONE_PER_ADDRESS kinds;
 *   repeats, kinds past that budget and 429s are counted in memory and written as one
 *   `oauth.client_authentication_failures` event per kind when the window ends (`flush`).
 * Counters live in this process's memory (per replica), like the token rate limit.
 */
export class AuthenticationFailures {
  private readonly byAddress: RateLimiterMemory;
  private readonly byClientId: RateLimiterMemory;
  private readonly windows: LRUCache<string, Window>;
  /** Kinds audited one by one per address in the current window. */
  private readonly budgets = new LRUCache<string, { startedAt: number; used: number }>({ max: MAX_TRACKED });
  private pending: AuditEventInput[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly journal: IssuanceJournal,
    private readonly logger: Logger,
    private readonly limits: AuthenticationFailureLimits,
    private readonly now: () => number = Date.now,
  ) {
    const duration = AUTHENTICATION_FAILURE_WINDOW_SECONDS;
    this.byAddress = new RateLimiterMemory({ keyPrefix: 'oauth-auth-fail-addr', points: limits.perAddress, duration });
    this.byClientId = new RateLimiterMemory({ keyPrefix: 'oauth-auth-fail-client', points: limits.perClientId, duration });
    // A window pushed out by newer ones is summarised, never forgotten.
    this.windows = new LRUCache<string, Window>({
      max: MAX_TRACKED,
      dispose: (window, _key, reason) => {
        if (reason === 'evict' || reason === 'delete') this.summarise(window);
      },
    });
  }

  start(): void {
    this.timer = setInterval(() => void this.flush(), (AUTHENTICATION_FAILURE_WINDOW_SECONDS * 1000) / 6);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush(Number.POSITIVE_INFINITY);
  }

  /** 429 (OAuth JSON, Retry-After) when the address has used up its failures: before anything is looked up. */
  async refuseIfThrottled(address: string, endpoint: string, requestId: string): Promise<void> {
    const used = await this.byAddress.get(addressKey(address));
    if (used === null || used.consumedPoints < this.limits.perAddress) return;
    await this.count({ address, clientId: undefined, endpoint, method: null, reason: 'throttled', requestId }, false);
    throw tooMany(used.msBeforeNext);
  }

  /**
   * A failure: counted against the address and the client id, and audited (at once or in the
   * window's count). Throws the 429 to answer instead of 401 when the client id is past its limit.
   */
  async record(failure: AuthenticationFailureRecord): Promise<void> {
    const [, byClient] = await Promise.all([
      consume(this.byAddress, addressKey(failure.address)),
      failure.clientId === undefined ? undefined : consume(this.byClientId, failure.clientId),
    ]);
    if (byClient && byClient.consumedPoints > this.limits.perClientId) {
      await this.count({ ...failure, reason: 'throttled' }, false);
      throw tooMany(byClient.msBeforeNext);
    }
    await this.count(failure, true);
  }

  /** Writes the counts of every window that ended by `now` (all of them with +Infinity). */
  async flush(now = this.now()): Promise<void> {
    const windowMs = AUTHENTICATION_FAILURE_WINDOW_SECONDS * 1000;
    for (const [key, window] of [...this.windows.entries()]) if (window.startedAt + windowMs <= now) this.windows.delete(key);
    if (this.pending.length === 0) return;
    const events = this.pending;
    this.pending = [];
    try {
      await this.journal.record(events);
    } catch (err) {
      // Kept for the next flush (bounded): counts are not dropped because the database blinked.
      this.pending = [...events, ...this.pending].slice(-MAX_TRACKED);
      this.logger.warn({ err: (err as Error).message }, 'could not record failed client authentication counts; will retry');
    }
  }

  private async count(failure: AuthenticationFailureRecord, auditable: boolean): Promise<void> {
    const now = this.now();
    const windowMs = AUTHENTICATION_FAILURE_WINDOW_SECONDS * 1000;
    const address = addressKey(failure.address);
    const clientId = claimedId(failure.clientId);
    const key = JSON.stringify([address, clientId, failure.reason]);
    const current = this.windows.get(key);
    if (current && current.startedAt + windowMs > now) {
      current.repeats += 1;
      current.endpoints.add(failure.endpoint);
      return;
    }
    if (current) this.windows.delete(key);
    let budget = this.budgets.get(address);
    if (!budget || budget.startedAt + windowMs <= now) this.budgets.set(address, (budget = { startedAt: now, used: 0 }));
    if (auditable && budget.used < FAILURES_AUDITED_ONE_BY_ONE_PER_ADDRESS) {
      budget.used += 1;
      await this.journal.record([
        {
          actorType: 'public',
          actorId: 'anonymous',
          requestId: failure.requestId,
          action: 'oauth.client_authentication_failed',
          objectType: 'client',
          objectId: clientId,
          details: { endpoint: failure.endpoint, method: failure.method, reason: failure.reason },
        },
      ]);
      // Only once it is durable: until then the next failure of the kind is audited on its own.
      this.windows.set(key, { clientId, reason: failure.reason, startedAt: now, repeats: 0, endpoints: new Set([failure.endpoint]) });
      return;
    }
    // Past the address's budget (or a throttled request): one overflow count for the address.
    const overflowKey = JSON.stringify([address, OVERFLOW, failure.reason]);
    let overflow = this.windows.get(overflowKey);
    if (!overflow || overflow.startedAt + windowMs <= now) {
      if (overflow) this.windows.delete(overflowKey);
      overflow = { clientId: null, reason: failure.reason, startedAt: now, repeats: 0, endpoints: new Set(), byClientId: new Map() };
      this.windows.set(overflowKey, overflow);
    }
    overflow.repeats += 1;
    overflow.endpoints.add(failure.endpoint);
    const named = clientId ?? '(none)';
    if (overflow.byClientId && (overflow.byClientId.has(named) || overflow.byClientId.size < MAX_NAMED_IN_SUMMARY)) {
      overflow.byClientId.set(named, (overflow.byClientId.get(named) ?? 0) + 1);
    }
  }

  private summarise(window: Window): void {
    if (window.repeats === 0) return;
    const windowMs = AUTHENTICATION_FAILURE_WINDOW_SECONDS * 1000;
    this.pending.push({
      actorType: 'public',
      actorId: 'anonymous',
      requestId: null,
      action: 'oauth.client_authentication_failures',
      objectType: 'client',
      objectId: window.clientId,
      details: {
        reason: window.reason,
        count: window.repeats,
        endpoints: [...window.endpoints].sort(),
        windowStart: new Date(window.startedAt).toISOString(),
        windowEnd: new Date(window.startedAt + windowMs).toISOString(),
        ...(window.byClientId ? { byClientId: Object.fromEntries(window.byClientId) } : {}),
      },
    });
  }
}

/** Counts one failure; the limiter's state after it (past the limit included). */
async function consume(limiter: RateLimiterMemory, key: string): Promise<RateLimiterRes> {
  try {
    return await limiter.consume(key);
  } catch (rejection) {
    if (!(rejection instanceof RateLimiterRes)) throw rejection;
    return rejection;
  }
}

function tooMany(msBeforeNext: number): OAuthError {
  const seconds = Math.max(1, Math.ceil(msBeforeNext / 1000));
  return new OAuthError('temporarily_unavailable', `Too many failed client authentications; try again in ${seconds} s`, 429, {
    'Retry-After': String(seconds),
  });
}
