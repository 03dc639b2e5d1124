import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimitConfig } from '../config';
import { OAuthError } from './errors';
import type { TokenExchange, TokenStep } from './token-endpoint';

export interface TokenRateLimit {
  /** Refuses (429) a client that already has its window's tokens; runs right after client authentication. */
  readonly check: TokenStep;
  /** Counts a token once it is issued; runs last. */
  readonly count: TokenStep;
}

const clientIdOf = (x: TokenExchange): string => {
  if (!x.client) throw new Error('the token rate limit runs after client authentication');
  return x.client.record.clientId;
};

/**
 * At most `limit.points` access tokens issued to one client in each window; past it, 429 with
 * Retry-After. Checked after client authentication, so nobody uses up another client's allowance
 * by naming it and a client in a loop is refused before anything is signed or audited; counted
 * once a token is issued, so refusals and database outages use up nothing. The counters live in
 * this process's memory: with N replicas a client gets at most N × the limit.
 */
export function tokenRateLimit(limit: RateLimitConfig): TokenRateLimit {
  const limiter = new RateLimiterMemory({ keyPrefix: 'oauth-token', points: limit.points, duration: limit.windowSeconds });
  return {
    check: async function checkTokenRateLimit(x) {
      const used = await limiter.get(clientIdOf(x));
      if (used !== null && used.consumedPoints >= limit.points) {
        const seconds = Math.max(1, Math.ceil(used.msBeforeNext / 1000));
        // RFC 6749 names no error for this; temporarily_unavailable with 429 and Retry-After is what clients back off on.
        throw new OAuthError('temporarily_unavailable', `Too many tokens for this client; try again in ${seconds} s`, 429, { 'Retry-After': String(seconds) });
      }
    },
    count: async function countIssuedToken(x) {
      try {
        await limiter.consume(clientIdOf(x));
      } catch (rejection) {
        // Concurrent requests may overshoot by the few in flight: the token is issued and stays issued.
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
      }
    },
  };
}
