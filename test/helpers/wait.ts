import crypto from 'node:crypto';
import type { TestApp } from './app';

// Waiting for what happens elsewhere, never for a while. Time that must pass is moved on a
// ManualClock (`createTestApp({ clock, feedClock })`); these are for real asynchronous events.

/**
 * Tries `attempt` until it returns something other than undefined, `intervalMs` apart: for an event
 * that nothing in this process announces (a connection pool getting through again, a listener
 * reconnecting). The deadline only turns a hang into a clear failure: it is no time limit on the
 * behaviour under test.
 */
export async function eventually<T>(
  what: string,
  attempt: () => Promise<T | undefined>,
  { intervalMs = 20, deadlineMs = 30_000 }: { intervalMs?: number; deadlineMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const value = await attempt();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * Resolves once `app`'s change feed has delivered a notice on `topic` whose payload `matches` (from
 * another replica, or from this one) and every handler of it has finished: from then on what the
 * app keeps in memory reflects that change. Call it before making the change.
 */
export function delivered(
  app: TestApp,
  topic: string,
  matches: (payload: Record<string, unknown>) => boolean,
  deadlineMs = 30_000,
): Promise<void> {
  const { changes } = app.container;
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${topic} notice delivered within ${deadlineMs} ms`)), deadlineMs).unref();
    changes.subscribe(topic, (payload) => {
      if (!matches(payload)) return;
      clearTimeout(timer);
      resolve();
    });
  }).then(() => changes.settle());
}

/** Resolves once `app`'s change feed has reconnected and every subscriber has reloaded what it missed. */
export function reconnected(app: TestApp, deadlineMs = 30_000): Promise<void> {
  const { changes } = app.container;
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the change feed did not reconnect within ${deadlineMs} ms`)), deadlineMs).unref();
    changes.onReconnect(() => {
      clearTimeout(timer);
      resolve();
    });
  }).then(() => changes.settle());
}

const BARRIER = 'test.barrier';

/**
 * Resolves once `to` has handled every notice `from` published so far: `from` publishes a marker
 * after them and `to` hears it (PostgreSQL delivers notices in commit order). Before `delivered`, so
 * a late notice of an earlier change is not taken for the one awaited.
 */
export async function caughtUp(from: TestApp, to: TestApp): Promise<void> {
  const id = crypto.randomUUID();
  const heard = delivered(to, BARRIER, (p) => p.id === id);
  const { changes, db } = from.container;
  await changes.transaction(db, (trx) => changes.publish(trx, BARRIER, { id }));
  await heard;
}
