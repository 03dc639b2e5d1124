import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimitConfig } from '../../config';
import { OAuthError } from '../errors';
import type { TokenExchange, TokenStep } from './token-endpoint';

const clientIdOf = (x: TokenExchange): string => {
  if (!x.client) throw new Error('the token rate limit runs after client authentication');
  return x.client.record.clientId;
};

/**
 * At most `limit.points` token requests from one authenticated client in each window, whatever
 * their outcome (a refused request costs the server as much as an issued token); past it, 429
 * with Retry-After. Counted right after client authentication, so nobody uses up another client's
 * allowance by naming it and a client in a loop is refused before anything is checked, signed or
 * audited. The counters live in this process's memory: with N replicas a client gets at most N ×
 * the limit.
 */
export function tokenRateLimit(limit: RateLimitConfig): TokenStep {
  const limiter = new RateLimiterMemory({ keyPrefix: 'oauth-token', points: limit.points, duration: limit.windowSeconds });
  return async function checkTokenRateLimit(x) {
    try {
      await limiter.consume(clientIdOf(x));
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      const seconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      // RFC 6749 names no error for this; temporarily_unavailable with 429 and Retry-After is what clients back off on.
      throw new OAuthError('temporarily_unavailable', `Too many token requests for this client; try again in ${seconds} s`, 429, {
        'Retry-After': String(seconds),
      });
    }
  };
}
