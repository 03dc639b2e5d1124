import net from 'node:net';
import type { Context, Next } from 'koa';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimitConfig } from '../config';
import { TooManyRequestsError } from './errors';

type Middleware = (ctx: Context, next: Next) => Promise<void>;

/**
 * The key a caller is counted under: its IPv4 address, or the /64 prefix of an IPv6 one (a single
 * customer line is usually given a whole /64, so counting full addresses would be no limit at all).
 */
export function addressKey(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1];
  if (!net.isIPv6(ip)) return ip;
  const [head, tail = ''] = ip.toLowerCase().split('%')[0].split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = ip.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
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

