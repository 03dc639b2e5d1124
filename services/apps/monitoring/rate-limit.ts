import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { TooManyRequestsError } from '../../shared/errors';

/** How many signals one app, and one recorder (client or staff member), may send per window, per replica. */
export interface SignalRateLimits {
  readonly perApp: number;
  readonly perRecorder: number;
  readonly windowSeconds: number;
}

/**
 * Counts signals in this process's memory, before any database work: a flood from a compromised
 * monitoring client is refused with 429 without writing rows or audit events. With N replicas an
 * app gets at most N × the limit.
 */
export class SignalRateLimit {
  private readonly byApp: RateLimiterMemory;
  private readonly byRecorder: RateLimiterMemory;

  constructor(limits: SignalRateLimits) {
    this.byApp = new RateLimiterMemory({ keyPrefix: 'app-signals-app', points: limits.perApp, duration: limits.windowSeconds });
    this.byRecorder = new RateLimiterMemory({
      keyPrefix: 'app-signals-recorder',
      points: limits.perRecorder,
      duration: limits.windowSeconds,
    });
  }

  async consume(appId: string, recorder: string): Promise<void> {
    await take(this.byRecorder, recorder);
    await take(this.byApp, appId);
  }
}

async function take(limiter: RateLimiterMemory, key: string): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) throw new TooManyRequestsError(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)));
    throw rejection;
  }
}
