import crypto from 'node:crypto';
import type { Context, Next } from 'koa';
import type { Logger } from '../logger';
import { NotFoundError, ProblemError, ServiceUnavailableError, isDatabaseUnavailable } from '../shared/errors';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * What every request carries: its id and its logger. The logger (a pino child bound to the id) is
 * made only when something logs besides the request line, which is written by the root logger
 * with the same fields: most requests never need a child.
 */
class RequestState {
  private child: Logger | undefined;

  constructor(
    readonly requestId: string,
    private readonly root: Logger,
  ) {}

  get log(): Logger {
    return (this.child ??= this.root.child({ requestId: this.requestId }));
  }
}

/** Accepts a well-formed X-Request-Id or makes one, echoes it, and gives the request a logger. */
export function requestContext(logger: Logger) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const incoming = ctx.get('x-request-id');
    const requestId = REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
    ctx.state = new RequestState(requestId, logger);
    ctx.set('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      if (logger.isLevelEnabled('info')) {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        logger.info(
          {
            requestId,
            method: ctx.method,
            path: ctx.path,
            status: ctx.status,
            ms: Math.round(ms * 10) / 10,
            caller: callerOf(ctx.state.actor),
            address: ctx.ip,
          },
          'request',
        );
      }
    }
  };
}

/** Who called, for the request log: the staff subject or the client id (never a token); undefined when public or unauthenticated. */
function callerOf(actor: unknown): string | undefined {
  const a = actor as { kind?: string; subject?: string; clientId?: string } | undefined;
  if (a?.kind === 'staff') return `staff:${a.subject}`;
  if (a?.kind === 'client') return `client:${a.clientId}`;
  return undefined;
}

/** Maps anything thrown below to RFC 9457 problem+json; unknown errors become a logged, generic 500. */
export function errorHandler() {
  return async (ctx: Context, next: Next): Promise<void> => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw new NotFoundError(`No resource at ${ctx.path}`);
    } catch (thrown) {
      const problem = toProblemError(thrown);
      const log = ctx.state.log as Logger | undefined;
      if (problem.status === 503) {
        // Expected while a dependency is down: one line per request, without a stack trace each time.
        const cause = (problem.cause ?? thrown) as { message?: unknown; code?: unknown };
        log?.warn(
          { code: problem.code, cause: { message: String(cause?.message ?? ''), code: cause?.code } },
          'request refused: service unavailable',
        );
      } else if (problem.status >= 500) {
        log?.error({ err: thrown, code: problem.code }, 'request failed');
      }
      ctx.status = problem.status;
      for (const [name, value] of Object.entries(problem.headers)) ctx.set(name, value);
      ctx.type = 'application/problem+json';
      ctx.body = { ...problem.toProblem(ctx.state.requestId as string | undefined), instance: ctx.path };
    }
  };
}

function toProblemError(thrown: unknown): ProblemError {
  if (thrown instanceof ProblemError) return thrown;
  if (isDatabaseUnavailable(thrown)) return new ServiceUnavailableError(undefined, thrown);
  const e = thrown as { status?: number; expose?: boolean; message?: string };
  // http-errors thrown by koa itself (e.g. ctx.throw, bad headers) carry a client status.
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
    return new ProblemError(e.status, 'bad_request', 'Bad request', e.expose ? e.message : undefined);
  }
  return new ProblemError(500, 'internal_error', 'Internal server error', 'An unexpected error occurred; quote the request id to support');
}
