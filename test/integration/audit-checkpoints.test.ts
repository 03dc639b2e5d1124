import crypto from 'node:crypto';
import { compactVerify, createLocalJWKSet } from 'jose';
import {
  AuditCheckpointStore,
  AuditCheckpoints,
  AuditLog,
  AuditPartitionStore,
  AuditRetention,
  AuditStore,
  CheckpointKey,
  checkpointDigest,
  hashEvent,
  type AuditEvent,
  type Checkpoint,
  type ChangeContext,
} from '../../services/audit';
import type { Db } from '../../services/db';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { emptyAuditLog, schemaFingerprint } from '../helpers/shared-database';

// The audit chain anchored outside the database: what an attacker with write access to the
// database (and, separately, one who also holds the checkpoint key) can do, and what is detected.

const SYSTEM: ChangeContext = {
  actor: { kind: 'system', name: 'checkpoint-test' },
  requestId: null,
};
const SEED = crypto.randomBytes(32);

interface Replica {
  readonly store: AuditStore;
  readonly log: AuditLog;
  readonly checkpoints: AuditCheckpoints;
  readonly alarms: string[];
}

let database: TestDatabase;
let db: Db;
let clock: Date;

/** One replica of the service: its own audit store, checkpointer and memory, on the shared database. */
function replica(seed = SEED): Replica {
  const alarms: string[] = [];
  const logger = {
    error: (_o: unknown, message: string) => alarms.push(message),
    warn: () => undefined,
  } as never;
  const checkpoints = new AuditCheckpoints(db, new AuditCheckpointStore(db), CheckpointKey.fromSeed(seed), {
    intervalSeconds: 1,
    now: () => clock,
    logger,
  });
  const store = new AuditStore(db, { now: () => clock });
  return { store, log: new AuditLog(store, checkpoints), checkpoints, alarms };
}

async function record(r: Replica, count: number): Promise<void> {
  for (let i = 0; i < count; i++)
    await db.transaction((trx) =>
      r.log.record(trx, SYSTEM, {
        action: 'test.recorded',
        objectType: 'test',
        objectId: `o${i}`,
      }),
    );
}

/** As the table owner with the append-only trigger off: what an attacker with database access could do. */
async function asAttacker(
  table: 'audit_events' | 'audit_checkpoints',
  sql: string,
  bindings: readonly (string | number)[] = [],
): Promise<void> {
  const trigger = table === 'audit_events' ? 'audit_events_no_update_delete' : 'audit_checkpoints_no_update_delete';
  await db.transaction(async (trx) => {
    await trx.raw(`alter table ${table} disable trigger ${trigger}`);
    await trx.raw(sql, bindings);
    await trx.raw(`alter table ${table} enable trigger ${trigger}`);
  });
}

/** Changes the event at `seq` and re-hashes it and every later event with the public algorithm. */
function rewriteFrom(seq: number, details: Record<string, unknown>): Promise<void> {
  return rehashFrom(seq, (e) => (e.seq === seq ? details : e.details));
}

async function rehashFrom(seq: number, edit: (event: AuditEvent) => Record<string, unknown>, firstPrevHash?: string): Promise<void> {
  const events = await new AuditStore(db).readBatch(seq - 1, 10_000);
  let prevHash = firstPrevHash ?? events[0].prevHash;
  for (const event of events) {
    const changed = { ...event, details: edit(event), prevHash };
    const hash = hashEvent(changed);
    await asAttacker('audit_events', 'update audit_events set details = ?::jsonb, prev_hash = ?, hash = ? where seq = ?', [
      JSON.stringify(changed.details),
      prevHash,
      hash,
      event.seq,
    ]);
    prevHash = hash;
  }
}

async function eventIdAt(seq: number): Promise<string> {
  return ((await db('audit_events').where('seq', seq).first('id')) as { id: string }).id;
}

const tick = (r: Replica, seconds: number) => {
  clock = new Date(clock.getTime() + seconds * 1000);
  return r.checkpoints.tick();
};

const START = new Date('2026-12-05T09:00:00Z');
let fresh: string[];

// One database for the file: each test starts from an empty audit log and no checkpoints, as on a
// fresh copy of the template, and the schema as it was (the retention test, which detaches months,
// has a database of its own).
beforeAll(async () => {
  database = await createTestDatabase();
  // The months the tests write into exist from the start, as in a template migrated this month.
  await new AuditPartitionStore(database.db).ensure(START, new Date('2027-01-01T00:00:00Z'));
  fresh = await schemaFingerprint(database.db);
});
afterAll(() => database.drop());
beforeEach(async () => {
  db = database.db;
  await emptyAuditLog(db);
  expect(await schemaFingerprint(db)).toEqual(fresh);
  expect([await count('audit_events'), await count('audit_checkpoints')]).toEqual([0, 0]);
  clock = new Date(START);
});

async function count(table: string): Promise<number> {
  return Number(((await db(table).count('* as n')) as Array<{ n: number | string }>)[0].n);
}

describe('making checkpoints', () => {
  it('signs the committed chain head, chained to the previous checkpoint, verifiable with the published key alone', async () => {
    const r = replica();
    expect(await r.checkpoints.tick()).toBeUndefined(); // nothing to anchor yet
    await record(r, 3);
    const first = (await r.checkpoints.tick()) as Checkpoint;
    expect(first).toMatchObject({
      number: 1,
      seq: 3,
      prev: '0'.repeat(64),
      madeAt: clock.toISOString(),
    });
    await record(r, 2);
    const second = (await tick(r, 1)) as Checkpoint;
    expect(second).toMatchObject({
      number: 2,
      seq: 5,
      prev: checkpointDigest(first.jws),
    });
    expect(second.hash).toBe(
      (
        (await db('audit_events').where('seq', 5).first('hash')) as {
          hash: string;
        }
      ).hash,
    );

    // A witness needs only the JWKS: the payload is what the row says.
    const { payload, protectedHeader } = await compactVerify(second.jws, createLocalJWKSet(r.checkpoints.jwks() as never));
    expect(protectedHeader).toMatchObject({
      alg: 'EdDSA',
      typ: 'audit-checkpoint+jws',
      kid: second.kid,
    });
    expect(JSON.parse(new TextDecoder().decode(payload))).toEqual({
      number: 2,
      seq: 5,
      hash: second.hash,
      madeAt: second.madeAt,
      prev: second.prev,
    });
    expect(JSON.stringify(r.checkpoints.jwks())).not.toMatch(/"d"/);
  });

  it('makes none while the chain stands still, and at most one per interval while it moves', async () => {
    const r = replica();
    await record(r, 1);
    expect(await r.checkpoints.tick()).toMatchObject({ number: 1 });
    await record(r, 1);
    expect(await tick(r, 0.5)).toBeUndefined();
    expect(await tick(r, 0.5)).toMatchObject({ number: 2, seq: 2 });
    expect(await tick(r, 5)).toBeUndefined();
  });

  it('is made once per interval across replicas sharing the database', async () => {
    const replicas = [replica(), replica(), replica()];
    await record(replicas[0], 2);
    for (let round = 0; round < 4; round++) {
      const made = await Promise.all(replicas.flatMap((r) => [r.checkpoints.tick(), r.checkpoints.tick()]));
      expect(made.filter((c) => c !== undefined)).toHaveLength(1);
      await record(replicas[round % 3], 1);
      clock = new Date(clock.getTime() + 1000);
    }
    const rows = (await db('audit_checkpoints').orderBy('number')) as Array<{
      number: string | number;
    }>;
    expect(rows.map((c) => Number(c.number))).toEqual([1, 2, 3, 4]);
    expect(await replicas[2].log.verify()).toMatchObject({
      valid: true,
      checkpoints: { checked: 4 },
    });
  });

  it('keeps audit_checkpoints append-only', async () => {
    const r = replica();
    await record(r, 1);
    await r.checkpoints.tick();
    await expect(db.raw('update audit_checkpoints set seq = 9')).rejects.toThrow(/append-only: UPDATE refused/);
    await expect(db.raw('delete from audit_checkpoints')).rejects.toThrow(/append-only: DELETE refused/);
    await expect(db.raw('truncate audit_checkpoints')).rejects.toThrow(/append-only: TRUNCATE refused/);
  });
});

describe('an attacker with write access to the database (not the key)', () => {
  let r: Replica;
  beforeEach(async () => {
    r = replica();
    await record(r, 4);
    await r.checkpoints.tick(); // checkpoint 1 at seq 4
    await record(r, 4);
    await tick(r, 1); // checkpoint 2 at seq 8
    await record(r, 2); // seq 9, 10: not yet anchored
  });

  it('verifies an untouched chain against every checkpoint, and says what is not anchored yet', async () => {
    const result = await replica().log.verify(3);
    expect(result).toMatchObject({
      valid: true,
      checked: 10,
      checkpoints: {
        checked: 2,
        intervalSeconds: 1,
        last: { number: 2, seq: 8 },
        unanchoredEvents: 2,
      },
    });
    expect(result.checkpoints?.statement).toMatch(/within 1 s/);
  });

  it('a naive edit is named at the edited event', async () => {
    await asAttacker('audit_events', `update audit_events set details = '{"forged": true}'::jsonb where seq = 6`);
    expect(await replica().log.verify()).toMatchObject({
      valid: false,
      firstInvalidSeq: 6,
      firstInvalidEventId: await eventIdAt(6),
      reason: 'hash does not match the event contents',
    });
  });

  it.each([2, 5])('an edit at seq %i re-hashed with the public algorithm is named at the first checkpoint it crosses', async (seq) => {
    await rewriteFrom(seq, { forged: true });
    // The plain hash chain is consistent again: only the checkpoints tell.
    const anchoredAt = seq <= 4 ? 4 : 8;
    const result = await replica().log.verify(3);
    expect(result).toMatchObject({
      valid: false,
      firstInvalidSeq: anchoredAt,
      firstInvalidEventId: await eventIdAt(anchoredAt),
      invalidCheckpoint: anchoredAt === 4 ? 1 : 2,
    });
    expect(result.reason).toContain(`events after seq ${anchoredAt === 4 ? 0 : 4} were rewritten and re-hashed`);
    expect(result.checked).toBe(anchoredAt - 1);
  });

  it('deleting the newest anchored events is named at the first missing seq', async () => {
    await asAttacker('audit_events', 'delete from audit_events where seq > 6');
    const result = await replica().log.verify();
    expect(result).toMatchObject({
      valid: false,
      checked: 6,
      firstInvalidSeq: 7,
      invalidCheckpoint: 2,
    });
    expect(result.reason).toBe(
      'the chain ends at seq 6 but checkpoint 2 (made at 2026-12-05T09:00:01.000Z) vouches for seq 8: events 7 to 8 were deleted',
    );
  });

  it('deleting every event is named too', async () => {
    await db.transaction(async (trx) => {
      await trx.raw('alter table audit_events disable trigger audit_events_no_update_delete');
      await trx.raw('delete from audit_events');
      await trx.raw('alter table audit_events enable trigger audit_events_no_update_delete');
    });
    expect(await replica().log.verify()).toMatchObject({
      valid: false,
      checked: 0,
      firstInvalidSeq: 1,
      invalidCheckpoint: 1,
    });
  });

  it('deleting events after the last checkpoint is bounded by the interval, and said so', async () => {
    await asAttacker('audit_events', 'delete from audit_events where seq > 8');
    const result = await replica().log.verify();
    expect(result).toMatchObject({
      valid: true,
      checked: 8,
      checkpoints: { last: { seq: 8 }, unanchoredEvents: 0 },
    });
    expect(result.checkpoints?.statement).toMatch(/not detected here/);
  });

  it('a checkpoint deleted from the middle is named', async () => {
    await record(r, 1);
    await tick(r, 1); // checkpoint 3
    await asAttacker('audit_checkpoints', 'delete from audit_checkpoints where number = 2');
    expect(await replica().log.verify()).toMatchObject({
      valid: false,
      invalidCheckpoint: 2,
      reason: 'checkpoint 2 is missing: checkpoints were deleted',
    });
  });

  it('checkpoints whose columns or signature were altered are named', async () => {
    await asAttacker('audit_checkpoints', 'update audit_checkpoints set seq = 7 where number = 2');
    expect(await replica().log.verify()).toMatchObject({
      valid: false,
      invalidCheckpoint: 2,
      reason: 'checkpoint 2: its columns differ from its signed payload',
    });
    await asAttacker('audit_checkpoints', 'update audit_checkpoints set seq = 8 where number = 2');

    const jws = (
      (await db('audit_checkpoints').where('number', 2).first('jws')) as {
        jws: string;
      }
    ).jws;
    const [header, payload] = jws.split('.');
    const forgedPayload = Buffer.from(
      JSON.stringify({
        ...JSON.parse(Buffer.from(payload, 'base64url').toString()),
        seq: 7,
      }),
    ).toString('base64url');
    await asAttacker('audit_checkpoints', 'update audit_checkpoints set jws = ?, seq = 7 where number = 2', [
      `${header}.${forgedPayload}.${jws.split('.')[2]}`,
    ]);
    expect(await replica().log.verify()).toMatchObject({
      valid: false,
      invalidCheckpoint: 2,
      reason: 'checkpoint 2: its signature does not verify with the checkpoint key',
    });
  });

  it('a checkpoint the attacker signed with a key of their own is refused', async () => {
    await rewriteFrom(9, { forged: true });
    const rewritten = (await db('audit_events').where('seq', 10).first('hash')) as { hash: string };
    const latest = (await db('audit_checkpoints').where('number', 2).first('jws')) as { jws: string };
    const forged = await CheckpointKey.fromSeed(crypto.randomBytes(32)).sign({
      number: 3,
      seq: 10,
      hash: rewritten.hash,
      madeAt: clock.toISOString(),
      prev: checkpointDigest(latest.jws),
    });
    await db('audit_checkpoints').insert({
      number: 3,
      seq: 10,
      hash: forged.hash,
      made_at: forged.madeAt,
      prev_hash: forged.prev,
      kid: forged.kid,
      jws: forged.jws,
    });
    expect(await replica().log.verify()).toMatchObject({
      valid: false,
      invalidCheckpoint: 3,
      reason: expect.stringMatching(/^checkpoint 3: (its signature does not verify|it is not a checkpoint)/),
    });
  });

  it('deleting the newest checkpoints and the events they anchor: named by the replica that made them, and by a witness', async () => {
    const witnessCopy = (await db('audit_checkpoints').where('number', 2).first()) as { jws: string };
    await asAttacker('audit_checkpoints', 'delete from audit_checkpoints where number = 2');
    await asAttacker('audit_events', 'delete from audit_events where seq > 6');

    // A replica that never saw checkpoint 2 cannot tell from the database alone…
    const stranger = replica();
    expect(await stranger.log.verify()).toMatchObject({
      valid: true,
      checked: 6,
      checkpoints: { last: { number: 1, seq: 4 } },
    });
    // …the replica that made it can, and so can a witness holding a copy.
    expect(await r.log.verify()).toMatchObject({
      valid: false,
      firstInvalidSeq: 7,
      invalidCheckpoint: 2,
    });
    const held = await stranger.checkpoints.parse(witnessCopy.jws);
    const withWitness = await stranger.log.verify(undefined, [held]);
    expect(withWitness).toMatchObject({
      valid: false,
      checked: 6,
      firstInvalidSeq: 7,
      invalidCheckpoint: 2,
    });
    expect(withWitness.reason).toMatch(/events 7 to 8 were deleted/);
  });

  it('the checkpointer keeps the numbering after its checkpoints were deleted, so the gap stays named', async () => {
    await asAttacker('audit_checkpoints', 'delete from audit_checkpoints where number = 2');
    await record(r, 1);
    expect(await tick(r, 1)).toMatchObject({ number: 3, seq: 11 });
    expect(r.alarms.join('\n')).toMatch(/checkpoints after 1 were deleted from the database \(this process made or read checkpoint 2\)/);
    expect(await replica().log.verify()).toMatchObject({
      valid: false,
      invalidCheckpoint: 2,
      reason: 'checkpoint 2 is missing: checkpoints were deleted',
    });
  });

  it('a witness copy that the database still holds unchanged verifies', async () => {
    const copy = await r.checkpoints.parse(
      (
        (await db('audit_checkpoints').where('number', 1).first('jws')) as {
          jws: string;
        }
      ).jws,
    );
    expect(await replica().log.verify(undefined, [copy])).toMatchObject({
      valid: true,
      checked: 10,
    });
  });
});

describe('an attacker with the database and the checkpoint key', () => {
  it('can rewrite and re-sign everything; only copies kept outside (a witness) tell', async () => {
    const r = replica();
    await record(r, 3);
    const original = (await r.checkpoints.tick()) as Checkpoint;
    await rewriteFrom(2, { forged: true });
    const head = (await db('audit_events').where('seq', 3).first('hash')) as {
      hash: string;
    };
    const resigned = await CheckpointKey.fromSeed(SEED).sign({
      number: 1,
      seq: 3,
      hash: head.hash,
      madeAt: original.madeAt,
      prev: original.prev,
    });
    await asAttacker('audit_checkpoints', 'update audit_checkpoints set hash = ?, jws = ? where number = 1', [resigned.hash, resigned.jws]);

    expect(await replica().log.verify()).toMatchObject({ valid: true });
    expect(await replica().log.verify(undefined, [original])).toMatchObject({
      valid: false,
      invalidCheckpoint: 1,
      reason: 'checkpoint 1: it differs from the copy held outside the database',
    });
  });
});

describe('checkpoints and retention', () => {
  let own: TestDatabase;
  beforeAll(async () => {
    own = await createTestDatabase();
  });
  afterAll(() => own.drop());
  beforeEach(() => {
    db = own.db;
  });

  it('verifies from the first retained event; a checkpoint of detached months is checked where the detachment recorded its hash', async () => {
    const r = replica();
    clock = new Date('2022-01-10T00:00:00Z');
    await record(r, 3);
    await r.checkpoints.tick(); // at seq 3: inside the detached months
    clock = new Date('2022-02-10T00:00:00Z');
    await record(r, 2);
    await r.checkpoints.tick(); // at seq 5: the last detached event
    clock = new Date('2026-12-05T09:00:00Z');
    await record(r, 2);
    const detached = await new AuditRetention(db, new AuditPartitionStore(db), r.store, r.log, 36).detachExpired(clock);
    expect(detached.filter((d) => d.events > 0).map((d) => d.lastSeq)).toEqual([3, 5]);
    await tick(r, 1);

    const result = await replica().log.verify(2);
    expect(result).toMatchObject({
      valid: true,
      archivedThroughSeq: 5,
      checked: 4,
      checkpoints: { checked: 3, unanchoredEvents: 0 },
    });

    // Re-rooting the retained chain on a forged hash (the detachment's record and everything after it
    // re-hashed) is named at the checkpoint of the last detached event.
    const forgedRoot = 'a'.repeat(64);
    await rehashFrom(
      6,
      (e) => (e.action === 'audit.partition_detached' && e.details.lastSeq === 5 ? { ...e.details, lastHash: forgedRoot } : e.details),
      forgedRoot,
    );
    expect(await replica().log.verify()).toMatchObject({
      valid: false,
      invalidCheckpoint: 2,
      reason: 'checkpoint 2 does not match the hash recorded for seq 5 when its month was detached',
    });
  });
});
