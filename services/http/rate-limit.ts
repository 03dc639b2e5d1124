import ipaddr from 'ipaddr.js';
import type { Context, Next } from 'koa';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimitConfig } from '../config';
import { TooManyRequestsError } from '../shared/errors';

type Middleware = (ctx: Context, next: Next) => Promise<void>;

/**
 * The key a caller is counted under: its IPv4 address (IPv4-mapped IPv6 included), or the /64
 * prefix of an IPv6 one (a single customer line is usually given a whole /64, so counting full
 * addresses would be no limit at all). Parsing is ipaddr.js's; anything unparsable counts as itself.
 */
export function addressKey(ip: string): string {
  const bare = ip.split('%')[0];
  if (!ipaddr.isValid(bare)) return ip;
  const address = ipaddr.process(bare);
  if (address.kind() === 'ipv4') return address.toString();
  return `${address.toNormalizedString().split(':').slice(0, 4).join(':')}::/64`;
}

/**
 * Counts requests per client address and answers 429 with Retry-After past the limit. Counters
 * live in this process's memory: no database round trip for an anonymous caller, and the limit
 * keeps working when the database is down; with N replicas an address gets at most N × the limit.
 */
export function perAddressRateLimit(name: string, limit: RateLimitConfig): Middleware {
  const limiter = new RateLimiterMemory({ keyPrefix: name, points: limit.points, duration: limit.windowSeconds });
  return async (ctx, next) => {
    try {
      await limiter.consume(addressKey(ctx.ip));
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) throw new TooManyRequestsError(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)));
      throw rejection;
    }
    return next();
  };
}
