import type { AuditEventInput, AuditLog } from '../../services/audit';
import type { Db, Trx } from '../../services/db';
import { GroupCommitWriter } from '../../services/decisions/group-commit';

// The decision writer's promises: nobody hears "done" before their batch commits, concurrent
// writes share a transaction, two batches may be in flight on PostgreSQL, a batch rolled back as a
// deadlock victim runs again, and any other failure reaches every caller of that batch.

interface FakeTransaction {
  readonly events: AuditEventInput[];
  readonly usage: number[];
  committed: boolean;
}

function fakeDatabase(options: { failFirst?: string[]; hold?: boolean } = {}) {
  const transactions: FakeTransaction[] = [];
  const failures = [...(options.failFirst ?? [])];
  const held: Array<() => void> = [];
  let open = 0;
  let maxOpen = 0;
  const db = {
    async transaction(fn: (trx: Trx) => Promise<void>) {
      open += 1;
      maxOpen = Math.max(maxOpen, open);
      const tx: FakeTransaction = { events: [], usage: [], committed: false };
      try {
        await fn(tx as unknown as Trx);
        if (options.hold) await new Promise<void>((resolve) => held.push(resolve));
        const code = failures.shift();
        if (code) throw Object.assign(new Error(`fake failure ${code}`), { code });
        tx.committed = true;
        transactions.push(tx);
      } finally {
        open -= 1;
      }
    },
  } as unknown as Db;
  const audit = {
    async append(trx: Trx, events: readonly AuditEventInput[]) {
      (trx as unknown as FakeTransaction).events.push(...events);
      return [];
    },
  } as unknown as AuditLog;
  const alsoWrite = async (trx: Trx, usage: number[]) => {
    (trx as unknown as FakeTransaction).usage.push(...usage);
  };
  return { db, audit, alsoWrite, transactions, held, maxOpen: () => maxOpen };
}

/** Lets the writer run what it has scheduled (its batches start on setImmediate), without waiting for a clock. */
async function settle(): Promise<void> {
  for (let turn = 0; turn < 5; turn += 1) await new Promise((resolve) => setImmediate(resolve));
}

const event = (n: number): AuditEventInput => ({
  actorType: 'client',
  actorId: 'pep',
  action: 'decision.made',
  objectType: 'vendor',
  objectId: `v${n}`,
  requestId: `r${n}`,
  details: { n },
});

describe('GroupCommitWriter', () => {
  it('puts writes made together into one transaction, and resolves each only after that commit', async () => {
    const f = fakeDatabase();
    const writer = new GroupCommitWriter<number>(f.db, f.audit, f.alsoWrite);
    const settled: number[] = [];
    const writes = Array.from({ length: 10 }, (_, n) => writer.write(event(n), n).then(() => settled.push(n)));
    expect(settled).toEqual([]);
    await Promise.all(writes);
    expect(f.transactions).toHaveLength(1);
    expect(f.transactions[0].events.map((e) => e.objectId)).toEqual(Array.from({ length: 10 }, (_, n) => `v${n}`));
    expect(f.transactions[0].usage).toEqual(Array.from({ length: 10 }, (_, n) => n));
  });

  it('keeps at most `lanes` batches in flight: one by default, two when asked', async () => {
    for (const lanes of [1, 2]) {
      const f = fakeDatabase({ hold: true });
      const writer = new GroupCommitWriter<number>(f.db, f.audit, f.alsoWrite, 1000, lanes);
      const first = writer.write(event(1), 1);
      await settle();
      const second = writer.write(event(2), 2);
      await settle();
      const third = writer.write(event(3), 3);
      await settle();
      expect(f.held).toHaveLength(lanes);
      let done = false;
      const all = Promise.all([first, second, third]).then(() => {
        done = true;
      });
      while (!done) {
        f.held.shift()?.();
        await settle();
      }
      await all;
      expect(f.maxOpen()).toBe(lanes);
      expect(f.transactions.flatMap((t) => t.events.map((e) => e.objectId)).sort()).toEqual(['v1', 'v2', 'v3']);
    }
  });

  it('runs a batch again when PostgreSQL chose it as a deadlock or serialization victim', async () => {
    const f = fakeDatabase({ failFirst: ['40P01', '40001'] });
    const writer = new GroupCommitWriter<number>(f.db, f.audit, f.alsoWrite);
    await Promise.all([writer.write(event(1), 1), writer.write(event(2), 2)]);
    expect(f.transactions).toHaveLength(1);
    expect(f.transactions[0].events).toHaveLength(2);
  });

  it('gives up after three attempts, and any other failure reaches every caller of the batch', async () => {
    const victim = fakeDatabase({ failFirst: ['40P01', '40P01', '40P01'] });
    const writer = new GroupCommitWriter<number>(victim.db, victim.audit, victim.alsoWrite);
    await expect(writer.write(event(1), 1)).rejects.toMatchObject({ code: '40P01' });
    expect(victim.transactions).toHaveLength(0);

    const broken = fakeDatabase({ failFirst: ['23505'] });
    const other = new GroupCommitWriter<number>(broken.db, broken.audit, broken.alsoWrite);
    const results = await Promise.allSettled([other.write(event(1), 1), other.write(event(2), 2)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    // The writer goes on: the next write gets its own transaction.
    await other.write(event(3), 3);
    expect(broken.transactions.map((t) => t.events.map((e) => e.objectId))).toEqual([['v3']]);
  });

  describe('with a one-statement commit', () => {
    /** A one-statement writer the test settles by hand: answers true (committed), false (take the transaction path) or throws. */
    function statements() {
      const calls: Array<{ events: string[]; settle: (answer: boolean | Error) => void }> = [];
      const oneStatement = (events: readonly AuditEventInput[]) =>
        new Promise<boolean>((resolve, reject) => {
          calls.push({
            events: events.map((e) => e.objectId as string),
            settle: (answer) => (answer instanceof Error ? reject(answer) : resolve(answer)),
          });
        });
      return { calls, oneStatement };
    }
    const turns = async (n = 5) => {
      for (let i = 0; i < n; i += 1) await new Promise((resolve) => setImmediate(resolve));
    };

    it('commits a batch by its statement alone, and resolves each write only after it', async () => {
      const f = fakeDatabase();
      const s = statements();
      const writer = new GroupCommitWriter<number>(f.db, f.audit, f.alsoWrite, 1000, 2, s.oneStatement);
      const done: string[] = [];
      const writes = [1, 2, 3].map((n) => writer.write(event(n), n).then(() => done.push(`v${n}`)));
      await turns();
      expect(s.calls.map((c) => c.events)).toEqual([['v1', 'v2', 'v3']]);
      expect(done).toEqual([]);
      s.calls[0].settle(true);
      await Promise.all(writes);
      expect(done).toEqual(['v1', 'v2', 'v3']);
      expect(f.transactions).toHaveLength(0);
    });

    it('takes the transaction path when the statement cannot be used', async () => {
      const f = fakeDatabase();
      const s = statements();
      const writer = new GroupCommitWriter<number>(f.db, f.audit, f.alsoWrite, 1000, 1, s.oneStatement);
      const write = writer.write(event(1), 1);
      await turns();
      s.calls[0].settle(false);
      await write;
      expect(f.transactions.map((t) => t.events.map((e) => e.objectId))).toEqual([['v1']]);
    });

    it('fails the batch when the statement fails, retrying a deadlock victim as a transaction', async () => {
      const f = fakeDatabase();
      const s = statements();
      const writer = new GroupCommitWriter<number>(f.db, f.audit, f.alsoWrite, 1000, 1, s.oneStatement);
      const refused = writer.write(event(1), 1);
      await turns();
      s.calls[0].settle(Object.assign(new Error('disk full'), { code: '53100' }));
      await expect(refused).rejects.toThrow('disk full');
      expect(f.transactions).toHaveLength(0);

      const victim = writer.write(event(2), 2);
      await turns();
      s.calls[1].settle(Object.assign(new Error('deadlock detected'), { code: '40P01' }));
      await victim;
      expect(f.transactions.map((t) => t.events.map((e) => e.objectId))).toEqual([['v2']]);
    });
  });
});
