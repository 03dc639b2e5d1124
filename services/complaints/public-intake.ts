import { bodyParser } from '@koa/bodyparser';
import type { Context, Next } from 'koa';
import { PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from '../shared/errors';

type Middleware = (ctx: Context, next: Next) => Promise<void>;

/**
 * Parses a JSON body under a smaller limit than the service-wide one; the router's own parser then
 * finds the body parsed and leaves it (it still answers 415 for other media types).
 */
export function smallJsonBody(limitBytes: number): Middleware {
  const parser = bodyParser({
    enableTypes: ['json'],
    jsonLimit: limitBytes,
    jsonStrict: true,
    onError: (err: Error) => {
      const e = err as Error & { status?: number; type?: string };
      if (e.status === 413 || e.type === 'entity.too.large') throw new PayloadTooLargeError(limitBytes);
      if (e.status === 415) throw new UnsupportedMediaTypeError('application/json');
      throw new ValidationError('The body is not valid JSON', []);
    },
  });
  return async (ctx, next) => (ctx.is('application/json') ? parser(ctx, next) : next());
}
