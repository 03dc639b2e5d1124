import type { AuditEvent, AuditRecorder, Change, ChangeContext } from '../../services/audit';
import type { Transactor, Trx } from '../../services/db';
import type { ChangeHandler, ChangePublisher, ChangeSubscriber } from '../../services/platform/change-feed';
import { ProblemError } from '../../services/shared/errors';

/** Stands for a transaction in fast tests: fakes ignore it, and nothing may run SQL on it. */
export const FAKE_TRX = new Proxy(
  {},
  {
    get(_target, name) {
      if (name === 'executionPromise') return Promise.resolve();
      if (name === 'then') return undefined;
      throw new Error(`a fake transaction has no ${String(name)}: this code needs a database test`);
    },
  },
) as Trx;

/** Runs the callback as "the transaction"; counts them. No rollback: rule tests look at answers and errors. */
export class FakeTransactor implements Transactor {
  transactions = 0;

  async transaction<T>(fn: (trx: Trx) => Promise<T>): Promise<T> {
    this.transactions += 1;
    return fn(FAKE_TRX);
  }
}

/** Keeps the changes recorded, in order, as the audit log would number them. */
export class RecordingAudit implements AuditRecorder {
  readonly events: AuditEvent[] = [];

  async record(_trx: Trx, ctx: ChangeContext, ...changes: Change[]): Promise<AuditEvent[]> {
    const actor = ctx.actor;
    const actorId =
      actor.kind === 'staff'
        ? actor.subject
        : actor.kind === 'client'
          ? actor.clientId
          : actor.kind === 'system'
            ? actor.name
            : 'anonymous';
    const recorded = changes.map((c) => {
      const seq = this.events.length + 1;
      const event: AuditEvent = {
        seq,
        id: `event-${seq}`,
        occurredAt: new Date(0).toISOString(),
        actorType: actor.kind,
        actorId,
        action: c.action,
        objectType: c.objectType,
        objectId: c.objectId,
        requestId: ctx.requestId,
        details: c.details ?? {},
        prevHash: '',
        hash: '',
      };
      this.events.push(event);
      return event;
    });
    return recorded;
  }

  actions(): string[] {
    return this.events.map((e) => e.action);
  }
}

/** Keeps what was published, in order, and hands it to this process's subscribers at once (as after a commit). */
export class RecordingChangeFeed implements ChangePublisher, ChangeSubscriber {
  readonly published: Array<{ topic: string; payload: Record<string, unknown> }> = [];
  readonly connected = true;
  private readonly handlers: Array<{ topic: string; handler: ChangeHandler }> = [];

  subscribe(topic: string, handler: ChangeHandler): void {
    this.handlers.push({ topic, handler });
  }

  onReconnect(): void {}

  transaction<T>(db: Transactor, fn: (trx: Trx) => Promise<T>): Promise<T> {
    return db.transaction(fn);
  }

  async publish(_trx: Trx, topic: string, payload: Record<string, unknown>): Promise<void> {
    this.published.push({ topic, payload });
    for (const h of this.handlers) if (h.topic === topic) await h.handler(payload);
  }
}

export const staff = (subject: string): ChangeContext => ({ actor: { kind: 'staff', subject }, requestId: 'req-test' });

/** The problem `work` fails with (fails the test when it succeeds or throws something else). */
export async function problemOf(work: Promise<unknown>): Promise<ProblemError> {
  const err: unknown = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ProblemError)) throw new Error(`expected a problem, got ${String(err)}`);
  return err;
}

/** The stable code of the problem `work` fails with (fails the test when it succeeds or throws something else). */
export async function problemCode(work: Promise<unknown>): Promise<string> {
  return (await problemOf(work)).code;
}
