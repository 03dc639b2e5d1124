import type { Logger } from '../logger';

/** Runs `task` every `ms` (unref'd: never keeps the process alive) and logs, rather than throws, its failures. */
export function every(ms: number, logger: Logger, what: string, task: () => Promise<unknown>): { stop(): void } {
  const timer = setInterval(() => {
    task().catch((err: unknown) => logger.warn({ err: (err as Error).message }, `${what} failed; will retry`));
  }, ms);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
