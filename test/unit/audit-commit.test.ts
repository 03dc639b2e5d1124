import {
  AuditChain,
  AuditLog,
  AuditStore,
  CHAIN_MOVED,
  GroupCommit,
  type AuditEvent,
  type AuditEventInput,
  type ChainEnd,
  type ChainStore,
  type GroupCommitWrites,
  type LinkedBatch,
} from '../../services/audit';
import { commitBatch } from '../../services/audit/commit';
import type { Db, Trx } from '../../services/db';
import { IdempotencyKeyTaken, IdempotentRequest, type ClaimWriter } from '../../services/idempotency/request';
import { settle } from '../fakes/ports';

// The durable-commit module (services/audit/commit). The group commit's promises: nobody hears
// "done" before their batch commits, concurrent writes share a transaction, two batches may be in
// flight on PostgreSQL, a batch rolled back as a deadlock victim runs again, and any other failure
// reaches every caller of that batch. The chain's bookkeeping: what is linked ahead, and when not.
// (Against a real database: test/integration/audit.test.ts, decisions.test.ts, oauth-token.test.ts.)

/** A statement the chain refused (the chain moved on): LinkedBatch.send answers undefined. */
const REFUSED = new Error('refused: the chain moved on');

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
    async transaction<T>(fn: (trx: Trx) => Promise<T>): Promise<T> {
      open += 1;
      maxOpen = Math.max(maxOpen, open);
      const tx: FakeTransaction & { executionPromise: Promise<void> } = {
        events: [],
        usage: [],
        committed: false,
        executionPromise: Promise.resolve(),
      };
      try {
        const result = await fn(tx as unknown as Trx);
        if (options.hold) await new Promise<void>((resolve) => held.push(resolve));
        const code = failures.shift();
        if (code) throw Object.assign(new Error(`fake failure ${code}`), { code });
        tx.committed = true;
        transactions.push(tx);
        return result;
      } finally {
        open -= 1;
      }
    },
  } as unknown as Db;
  const chain = {
    async append(trx: Trx, events: readonly AuditEventInput[]) {
      (trx as unknown as FakeTransaction).events.push(...events);
      return [];
    },
    /** Always links ahead; `send` answers undefined for a REFUSED statement, as the real one does for AU001/AU002. */
    linkAfterKnownEnd(events: readonly AuditEventInput[]): LinkedBatch {
      return {
        after: { seq: 0, hash: '', occurredAt: '' },
        events: [],
        rowsJson: JSON.stringify(events),
        async send<R>(statement: () => Promise<R>) {
          try {
            return await statement();
          } catch (err) {
            if (err === REFUSED) return undefined;
            throw err;
          }
        },
      };
    },
  };
  const writes: GroupCommitWrites<number> = {
    async alongside(trx: Trx, usage: number[]) {
      (trx as unknown as FakeTransaction).usage.push(...usage);
    },
  };
  return { db, chain, writes, transactions, held, maxOpen: () => maxOpen };
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

describe('GroupCommit', () => {
  it('puts writes made together into one transaction, and resolves each only after that commit', async () => {
    const f = fakeDatabase();
    const writer = new GroupCommit<number>(f.db, f.chain, f.writes);
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
      const writer = new GroupCommit<number>(f.db, f.chain, f.writes, { lanes });
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
    const writer = new GroupCommit<number>(f.db, f.chain, f.writes);
    await Promise.all([writer.write(event(1), 1), writer.write(event(2), 2)]);
    expect(f.transactions).toHaveLength(1);
    expect(f.transactions[0].events).toHaveLength(2);
  });

  it('gives up after three attempts, and any other failure reaches every caller of the batch', async () => {
    const victim = fakeDatabase({ failFirst: ['40P01', '40P01', '40P01'] });
    const writer = new GroupCommit<number>(victim.db, victim.chain, victim.writes);
    await expect(writer.write(event(1), 1)).rejects.toMatchObject({ code: '40P01' });
    expect(victim.transactions).toHaveLength(0);

    const broken = fakeDatabase({ failFirst: ['23505'] });
    const other = new GroupCommit<number>(broken.db, broken.chain, broken.writes);
    const results = await Promise.allSettled([other.write(event(1), 1), other.write(event(2), 2)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    // The writer goes on: the next write gets its own transaction.
    await other.write(event(3), 3);
    expect(broken.transactions.map((t) => t.events.map((e) => e.objectId))).toEqual([['v3']]);
  });

  describe('with a one-statement commit', () => {
    /** One-statement writes the test settles by hand: true (committed), false (refused: take the transaction path) or an error. */
    function statements(writes: GroupCommitWrites<number>) {
      const calls: Array<{ events: string[]; settle: (answer: boolean | Error) => void }> = [];
      const withStatement: GroupCommitWrites<number> = {
        alongside: writes.alongside,
        oneStatement: () => (linked) =>
          new Promise<void>((resolve, reject) => {
            calls.push({
              events: (JSON.parse(linked.rowsJson) as AuditEventInput[]).map((e) => e.objectId as string),
              settle: (answer) => (answer instanceof Error ? reject(answer) : answer ? resolve() : reject(REFUSED)),
            });
          }),
      };
      return { calls, writes: withStatement };
    }
    const turns = async (n = 5) => {
      for (let i = 0; i < n; i += 1) await new Promise((resolve) => setImmediate(resolve));
    };

    it('commits a batch by its statement alone, and resolves each write only after it', async () => {
      const f = fakeDatabase();
      const s = statements(f.writes);
      const writer = new GroupCommit<number>(f.db, f.chain, s.writes, { lanes: 2 });
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
      const s = statements(f.writes);
      const writer = new GroupCommit<number>(f.db, f.chain, s.writes);
      const write = writer.write(event(1), 1);
      await turns();
      s.calls[0].settle(false);
      await write;
      expect(f.transactions.map((t) => t.events.map((e) => e.objectId))).toEqual([['v1']]);
    });

    it('fails the batch when the statement fails, retrying a deadlock victim as a transaction', async () => {
      const f = fakeDatabase();
      const s = statements(f.writes);
      const writer = new GroupCommit<number>(f.db, f.chain, s.writes);
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

/** A transaction whose end the test decides. */
function fakeTrx() {
  let end: (committed: boolean) => void = () => {};
  const executionPromise = new Promise<void>((resolve, reject) => {
    end = (committed) => (committed ? resolve() : reject(new Error('rolled back')));
  });
  executionPromise.catch(() => undefined);
  return { trx: { executionPromise } as unknown as Trx, commit: () => end(true), rollBack: () => end(false) };
}

/** The chain's SQL over an array. */
class MemoryChainStore implements ChainStore {
  readonly events: AuditEvent[] = [];
  partitionCalls = 0;
  async lockChainHead(): Promise<ChainEnd | undefined> {
    const last = this.events.at(-1);
    return last && { seq: last.seq, hash: last.hash, occurredAt: last.occurredAt };
  }
  async ensurePartitions(): Promise<void> {
    this.partitionCalls += 1;
  }
  async insertEvents(_trx: Trx, events: readonly AuditEvent[]): Promise<void> {
    this.events.push(...events);
  }
  rowsJson(events: readonly AuditEvent[]): string {
    return JSON.stringify(events);
  }
  now(): Date {
    return new Date('2026-12-05T10:00:00.000Z');
  }
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('AuditChain', () => {
  it('links ahead only once this process knows the end, continuing its numbering and hashes', async () => {
    const chain = new AuditChain(new MemoryChainStore());
    expect(chain.linkAfterKnownEnd([event(0)])).toBeUndefined();
    const t1 = fakeTrx();
    const [first] = await chain.append(t1.trx, [event(1)]);
    // An append still open: it links once it holds the lock, so nothing may be linked ahead of it.
    expect(chain.linkAfterKnownEnd([event(2)])).toBeUndefined();
    t1.commit();
    await turn();
    const linked = chain.linkAfterKnownEnd([event(2), event(3)]) as LinkedBatch;
    expect(linked.after).toMatchObject({ seq: first.seq, hash: first.hash });
    expect(linked.events.map((e) => e.seq)).toEqual([2, 3]);
    expect(linked.events[0].prevHash).toBe(first.hash);
    // The next batch links after this one, still on its way.
    expect((chain.linkAfterKnownEnd([event(4)]) as LinkedBatch).after.seq).toBe(3);
  });

  it('forgets the end when an append rolls back, and when a linked batch is refused; then pauses linking ahead', async () => {
    const store = new MemoryChainStore();
    const chain = new AuditChain(store);
    const t1 = fakeTrx();
    await chain.append(t1.trx, [event(1)]);
    t1.rollBack();
    await turn();
    expect(chain.linkAfterKnownEnd([event(2)])).toBeUndefined();
    const t2 = fakeTrx();
    await chain.append(t2.trx, [event(2)]);
    t2.commit();
    await turn();
    const moved = chain.linkAfterKnownEnd([event(3)]) as LinkedBatch;
    const refusal = Object.assign(new Error('the chain moved on'), { code: CHAIN_MOVED });
    await expect(moved.send(() => Promise.reject(refusal))).resolves.toBeUndefined();
    const t3 = fakeTrx();
    await chain.append(t3.trx, [event(3)]);
    t3.commit();
    await turn();
    // Moved on by another writer: the transaction path for a while, though the end is known again.
    expect(chain.linkAfterKnownEnd([event(4)])).toBeUndefined();
  });

  it('passes any other failure of a linked batch on, and makes sure of the month’s partitions once', async () => {
    const store = new MemoryChainStore();
    const chain = new AuditChain(store);
    for (const n of [1, 2]) {
      const t = fakeTrx();
      await chain.append(t.trx, [event(n)]);
      t.commit();
      await turn();
    }
    expect(store.partitionCalls).toBe(1);
    const linked = chain.linkAfterKnownEnd([event(3)]) as LinkedBatch;
    await expect(linked.send(() => Promise.reject(Object.assign(new Error('disk full'), { code: '53100' })))).rejects.toThrow('disk full');
    expect(chain.linkAfterKnownEnd([event(4)])).toBeUndefined();
  });
});

describe('commitBatch', () => {
  it('commits by one statement when the chain end is known, else writes first and appends the events last', async () => {
    const f = fakeDatabase();
    const order: string[] = [];
    const writes = {
      oneStatement: async () => 'by statement',
      inTransaction: async () => {
        order.push('writes');
        return 'by transaction';
      },
    };
    await expect(commitBatch(f.db, f.chain, [event(1)], writes)).resolves.toBe('by statement');
    const unknownEnd = { ...f.chain, linkAfterKnownEnd: () => undefined };
    await expect(commitBatch(f.db, unknownEnd, [event(2)], writes)).resolves.toBe('by transaction');
    const refused = { ...writes, oneStatement: () => Promise.reject(REFUSED) };
    await expect(commitBatch(f.db, f.chain, [event(3)], refused)).resolves.toBe('by transaction');
    expect(order).toEqual(['writes', 'writes']);
    expect(f.transactions.map((t) => t.events.map((e) => e.objectId))).toEqual([['v2'], ['v3']]);
  });
});

describe('the Idempotency-Key claim, carried in the change context', () => {
  /** A claim writer that lets `free` keys be taken once. */
  function claims(free: boolean) {
    const taken: string[] = [];
    const writer: ClaimWriter = {
      insert: async (_trx, _claim, auditEventId) => {
        taken.push(auditEventId);
        return free;
      },
    };
    const claim = { actorType: 'client' as const, actorId: 'pep', key: 'k1', requestHash: 'h', method: 'POST', path: '/v1/x' };
    return { taken, request: new IdempotentRequest(claim, writer) };
  }

  it('AuditLog.record takes the key with the first change of the request, in its transaction; later changes pass', async () => {
    const log = new AuditLog(new MemoryChainStore() as unknown as AuditStore);
    const { taken, request } = claims(true);
    const ctx = { actor: { kind: 'system' as const, name: 'test' }, requestId: 'r1', idempotent: request };
    const t = fakeTrx();
    const [first] = await log.record(t.trx, ctx, { action: 'x.created', objectType: 'x', objectId: '1' });
    await log.record(t.trx, ctx, { action: 'x.updated', objectType: 'x', objectId: '1' });
    expect(taken).toEqual([first.id]);
    expect(request.claimed).toBe(true);
    // Without the key in the context, nothing is claimed.
    await log.record(t.trx, { actor: ctx.actor, requestId: 'r2' }, { action: 'x.created', objectType: 'x', objectId: '2' });
    expect(taken).toHaveLength(1);
  });

  it('AuditLog.record refuses the change when another request took the key first', async () => {
    const log = new AuditLog(new MemoryChainStore() as unknown as AuditStore);
    const { request } = claims(false);
    const ctx = { actor: { kind: 'system' as const, name: 'test' }, requestId: 'r1', idempotent: request };
    await expect(log.record(fakeTrx().trx, ctx, { action: 'x.created', objectType: 'x', objectId: '1' })).rejects.toBeInstanceOf(
      IdempotencyKeyTaken,
    );
  });

  it('the group commit claims keys in the batch’s transaction (never by one statement) and refuses the writes whose key was taken', async () => {
    const f = fakeDatabase();
    let statements = 0;
    const writer = new GroupCommit<number>(f.db, f.chain, {
      ...f.writes,
      oneStatement: () => async () => {
        statements += 1;
      },
    });
    const free = claims(true);
    const lost = claims(false);
    const results = await Promise.allSettled([writer.write(event(1), 1, free.request), writer.write(event(2), 2, lost.request)]);
    expect(results[0]).toMatchObject({ status: 'fulfilled' });
    expect(results[1]).toMatchObject({ status: 'rejected', reason: expect.any(IdempotencyKeyTaken) });
    expect(statements).toBe(0);
    expect(f.transactions.map((t) => ({ events: t.events.map((e) => e.objectId), usage: t.usage }))).toEqual([
      { events: ['v1'], usage: [1] },
    ]);
    // The key's row names the event: it had its id before it was appended.
    expect(free.taken).toEqual([f.transactions[0].events[0].id]);
  });
});
