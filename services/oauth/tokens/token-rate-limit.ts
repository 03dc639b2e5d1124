import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimitConfig } from '../../config';
import { OAuthError } from '../errors';
import type { AuthenticatedRequest, TokenStep } from './token-exchange';

/**
 * At most `limit.points` token requests from one authenticated client in each window, whatever
 * their outcome (a refused request costs the server as much as an issued token); past it, 429
 * with Retry-After. Counted right after client authentication, so nobody uses up another client's
 * allowance by naming it and a client in a loop is refused before anything is checked, signed or
 * audited. The counters live in this process's memory: with N replicas a client gets at most N ×
 * the limit.
 */
export function tokenRateLimit(limit: RateLimitConfig): TokenStep<AuthenticatedRequest> {
  const limiter = new RateLimiterMemory({ keyPrefix: 'oauth-token', points: limit.points, duration: limit.windowSeconds });
  return async function checkTokenRateLimit(x) {
    try {
      await limiter.consume(x.client.record.clientId);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      const seconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      // RFC 6749 names no error for this; temporarily_unavailable with 429 and Retry-After is what clients back off on.
      throw new OAuthError('temporarily_unavailable', `Too many token requests for this client; try again in ${seconds} s`, 429, {
        'Retry-After': String(seconds),
      });
    }
    return x;
  };
}
