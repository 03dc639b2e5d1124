import {
  AUDIT_CHAIN_LOCK,
  AuditChain,
  AuditLog,
  AuditStore,
  type AuditEvent,
  type AuditEventInput,
  type LinkedBatch,
} from '../../services/audit';
import { compactVerify, createLocalJWKSet } from 'jose';
import { createDatabase, type Db } from '../../services/db';
import { createTestApp, expectProblem, type TestApp } from '../helpers/app';

let t: TestApp;
let admin: string;
let auditor: string;
let owner: string;

const onPostgres = process.env.DATABASE_URL ? describe : describe.skip;

beforeAll(async () => {
  t = await createTestApp();
  admin = await t.staffToken('root-admin');
  auditor = await t.staffToken('erin');
  owner = await t.staffToken('olivia');
  await t.http
    .post('/v1/departments')
    .set('Authorization', `Bearer ${admin}`)
    .send({ code: 'RETAIL', name: 'Retail', kind: 'business' })
    .expect(201);
  await t.grantRole('erin', 'auditor', '*');
  await t.grantRole('olivia', 'data_owner', 'RETAIL');
});
afterAll(() => t.close());

const readAudit = (query: string, token = auditor) => t.http.get(`/v1/audit${query}`).set('Authorization', `Bearer ${token}`);
const verify = () => t.http.get('/v1/audit/verify').set('Authorization', `Bearer ${auditor}`).expect(200);

async function allEvents(): Promise<AuditEvent[]> {
  return (await t.database.db('audit_events').orderBy('seq')).map((r: Record<string, unknown>) => ({ seq: r.seq, id: r.id }) as AuditEvent);
}

describe('who may read the audit log', () => {
  it('auditors and admins may read and verify it', async () => {
    for (const token of [auditor, admin]) {
      await readAudit('', token).expect(200);
      await t.http.get('/v1/audit/verify').set('Authorization', `Bearer ${token}`).expect(200);
    }
  });

  it('a data owner may not (403), nor may someone without a role', async () => {
    const nobody = await t.staffToken('nobody');
    for (const token of [owner, nobody]) {
      expectProblem(await readAudit('', token), 403, 'forbidden');
      expectProblem(await t.http.get('/v1/audit/verify').set('Authorization', `Bearer ${token}`), 403, 'forbidden');
    }
  });

  it('an auditor of one department is not an auditor of the bank', async () => {
    await t.grantRole('grace', 'auditor', 'RETAIL');
    expectProblem(await readAudit('', await t.staffToken('grace')), 403);
  });

  it('anonymous callers get 401', async () => {
    expectProblem(await t.http.get('/v1/audit'), 401);
    expectProblem(await t.http.get('/v1/audit/verify'), 401);
  });
});

describe('reading the audit log', () => {
  beforeAll(async () => {
    for (const code of ['AUD_A', 'AUD_B', 'AUD_C']) {
      await t.http
        .post('/v1/departments')
        .set('Authorization', `Bearer ${admin}`)
        .send({ code, name: code, kind: 'compliance' })
        .expect(201);
    }
    await t.http.patch('/v1/departments/AUD_B').set('Authorization', `Bearer ${admin}`).send({ name: 'Renamed' }).expect(200);
  });

  it('lists events newest first with their chain links', async () => {
    const res = await readAudit('?limit=5').expect(200);
    const seqs = res.body.items.map((e: AuditEvent) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a: number, b: number) => b - a));
    expect(res.body.items[0]).toMatchObject({
      action: 'department.updated',
      actorType: 'staff',
      actorId: 'root-admin',
      objectType: 'department',
      objectId: 'AUD_B',
      prevHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      occurredAt: expect.stringMatching(/Z$/),
    });
  });

  it('filters by action, actor, object type and object id', async () => {
    const byAction = await readAudit('?action=department.updated').expect(200);
    expect(byAction.body.items.map((e: AuditEvent) => e.objectId)).toEqual(['AUD_B']);
    const byObject = await readAudit('?objectType=department&objectId=AUD_B').expect(200);
    expect(byObject.body.items.map((e: AuditEvent) => e.action)).toEqual(['department.updated', 'department.created']);
    const byActor = await readAudit('?actor=test&objectType=role_assignment').expect(200);
    expect(byActor.body.items.length).toBeGreaterThanOrEqual(2);
    expect(byActor.body.items.every((e: AuditEvent) => e.actorType === 'system' && e.actorId === 'test')).toBe(true);
    const none = await readAudit('?actor=nobody-at-all').expect(200);
    expect(none.body).toEqual({ items: [], nextCursor: null });
  });

  it('filters by time: from is inclusive, to is exclusive', async () => {
    const all = (await readAudit('?limit=200').expect(200)).body.items as AuditEvent[];
    const pivot = all.find((e) => e.objectId === 'AUD_B' && e.action === 'department.updated') as AuditEvent;
    const from = await readAudit(`?from=${encodeURIComponent(pivot.occurredAt)}`).expect(200);
    expect(from.body.items.map((e: AuditEvent) => e.id)).toContain(pivot.id);
    expect(from.body.items.every((e: AuditEvent) => e.occurredAt >= pivot.occurredAt)).toBe(true);
    const to = await readAudit(`?to=${encodeURIComponent(pivot.occurredAt)}`).expect(200);
    expect(to.body.items.map((e: AuditEvent) => e.id)).not.toContain(pivot.id);
    expect(to.body.items.every((e: AuditEvent) => e.occurredAt < pivot.occurredAt)).toBe(true);
  });

  it('pages through everything with a cursor, each event once', async () => {
    const expected = (await allEvents()).map((e) => e.seq).reverse();
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const body: { items: AuditEvent[]; nextCursor: string | null } = (
        await readAudit(`?limit=2${cursor ? `&cursor=${cursor}` : ''}`).expect(200)
      ).body;
      expect(body.items.length).toBeLessThanOrEqual(2);
      seen.push(...body.items.map((e) => e.seq));
      cursor = body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(expected);
  });

  it.each([
    ['an unknown parameter', '?colour=red'],
    ['a cursor it did not issue', '?cursor=!!!'],
    ['a negative cursor', `?cursor=${Buffer.from('-5').toString('base64url')}`],
    ['a page size of 0', '?limit=0'],
    ['a page size over 200', '?limit=201'],
    ['a time that is not ISO 8601', '?from=yesterday'],
  ])('answers 400 for %s', async (_label, query) => {
    expectProblem(await readAudit(query), 400, 'validation_failed');
  });
});

const testEvent = (objectId: string): AuditEventInput => ({
  actorType: 'system',
  actorId: 'test',
  action: 'test.appended',
  objectType: 'test',
  objectId,
  requestId: null,
  details: { objectId },
});

/** Sends a linked batch as its one statement (audit_append_after): true once committed, undefined when refused. */
const sendLinked = (db: Db, linked: LinkedBatch) =>
  linked.send(async () => {
    await db.raw('select audit_append_after(?, ?, ?, ?::jsonb)', [AUDIT_CHAIN_LOCK, linked.after.seq, linked.after.hash, linked.rowsJson]);
    return true;
  });

/** One batch as a replica's group commit appends it: linked ahead when it can be, else (or if the chain moved on) in a transaction. */
async function appendAnyway(db: Db, store: AuditChain, inputs: AuditEventInput[]): Promise<'linked' | 'transaction'> {
  const linked = store.linkAfterKnownEnd(inputs);
  if (linked && (await sendLinked(db, linked))) return 'linked';
  await db.transaction((trx) => store.append(trx, inputs));
  return 'transaction';
}

describe('the chain under concurrent writers', () => {
  it('links batches ahead of ones still on their way, and appends each in the order it was linked', async () => {
    const db = t.container.db;
    const store = new AuditChain(new AuditStore(db));
    const before = (await t.container.audit.verify()).checked;
    expect(store.linkAfterKnownEnd([testEvent('a0')])).toBeUndefined(); // the end is not known yet
    await db.transaction((trx) => store.append(trx, [testEvent('a1')]));

    const first = store.linkAfterKnownEnd([testEvent('a2'), testEvent('a3')]) as LinkedBatch;
    const second = store.linkAfterKnownEnd([testEvent('a4')]) as LinkedBatch;
    expect(second.after.seq).toBe(first.events[1].seq);
    // The second reaches the chain lock first: refused (AU002), then sent again once the first committed.
    const secondIssued = new Promise<void>((resolve) => {
      const issued = (q: { sql: string }) => {
        if (!q.sql.includes('audit_append_after')) return;
        db.off('query', issued);
        resolve();
      };
      db.on('query', issued);
    });
    const secondSent = sendLinked(db, second);
    await secondIssued;
    await expect(sendLinked(db, first)).resolves.toBe(true);
    await expect(secondSent).resolves.toBe(true);
    expect(await t.container.audit.verify()).toMatchObject({ valid: true, checked: before + 4 });
  });

  it('refuses a batch linked after one that failed (AU002), or after an end that moved on (AU001); then appends the usual way', async () => {
    const db = t.container.db;
    const store = new AuditChain(new AuditStore(db));
    const before = (await t.container.audit.verify()).checked;
    await db.transaction((trx) => store.append(trx, [testEvent('c1')]));
    const failing = store.linkAfterKnownEnd([testEvent('c2')]) as LinkedBatch;
    const after = store.linkAfterKnownEnd([testEvent('c3')]) as LinkedBatch;
    await expect(failing.send(() => Promise.reject(Object.assign(new Error('disk full'), { code: '53100' })))).rejects.toThrow('disk full');
    await expect(sendLinked(db, after)).resolves.toBeUndefined();
    expect(store.linkAfterKnownEnd([testEvent('c4')])).toBeUndefined(); // the end is not known any more
    await db.transaction((trx) => store.append(trx, [testEvent('c4')]));

    // Another replica appends first: the next batch's end is no longer the end.
    const moved = store.linkAfterKnownEnd([testEvent('c5')]) as LinkedBatch;
    await db.transaction((trx) => new AuditChain(new AuditStore(db)).append(trx, [testEvent('d1')]));
    await expect(sendLinked(db, moved)).resolves.toBeUndefined();
    // Another writer is about: this store appends the usual way for a while.
    await db.transaction((trx) => store.append(trx, [testEvent('c6')]));
    expect(store.linkAfterKnownEnd([testEvent('c7')])).toBeUndefined();
    expect(await t.container.audit.verify()).toMatchObject({ valid: true, checked: before + 4 });
  });

  it('stays linear when many requests change things at once', async () => {
    const before = (await verify()).body.checked as number;
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        t.http
          .post('/v1/departments')
          .set('Authorization', `Bearer ${admin}`)
          .send({ code: `CONC_${i}`, name: `Concurrent ${i}`, kind: 'business' }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(30).fill(201));
    const after = (await verify()).body;
    expect(after).toMatchObject({ valid: true, checked: before + 30 });
    const seqs = (await allEvents()).map((e) => e.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
  });

  onPostgres('two processes (separate pools) appending at once', () => {
    let pools: Db[] = [];
    beforeAll(() => {
      pools = [createDatabase({ databaseUrl: t.database.url, poolMax: 5 }), createDatabase({ databaseUrl: t.database.url, poolMax: 5 })];
    });
    afterAll(async () => {
      await Promise.all(pools.map((p) => p.destroy()));
    });

    it('keeps one linear, verifiable chain', async () => {
      const logs = pools.map((db) => new AuditLog(new AuditStore(db)));
      const before = (await t.container.audit.verify()).checked;
      const write = (p: number, i: number) =>
        pools[p].transaction((trx) =>
          logs[p].record(
            trx,
            { actor: { kind: 'system', name: `writer-${p}` }, requestId: null },
            ...Array.from({ length: 1 + (i % 3) }, (_, k) => ({ action: 'test.appended', objectType: 'test', objectId: `${p}-${i}-${k}` })),
          ),
        );
      // Both processes write at once, each keeping its pool full (5 in flight) without queueing past the acquire timeout.
      const writer = async (p: number) => {
        const out = [];
        for (let i = 0; i < 40; i += 5) out.push(...(await Promise.all([0, 1, 2, 3, 4].map((k) => write(p, i + k)))).flat());
        return out;
      };
      const appended = (await Promise.all([writer(0), writer(1)])).flat();
      const expectedCount = 2 * (14 * 1 + 13 * 2 + 13 * 3);
      expect(appended).toHaveLength(expectedCount);
      expect(new Set(appended.map((e) => e.seq)).size).toBe(expectedCount);
      expect(await t.container.audit.verify()).toMatchObject({ valid: true, checked: before + expectedCount });
    });

    it('keeps one linear, verifiable chain when both link batches ahead', async () => {
      const stores = pools.map((db) => new AuditChain(new AuditStore(db)));
      const before = (await t.container.audit.verify()).checked;
      const writer = async (p: number) => {
        const ways: string[] = [];
        for (let i = 0; i < 30; i += 1)
          ways.push(await appendAnyway(pools[p], stores[p], [testEvent(`linked-${p}-${i}-a`), testEvent(`linked-${p}-${i}-b`)]));
        return ways;
      };
      const ways = (await Promise.all([writer(0), writer(1)])).flat();
      expect(ways).toContain('transaction');
      expect(await t.container.audit.verify()).toMatchObject({ valid: true, checked: before + 120 });
      const objects = (await t.container
        .db('audit_events')
        .where('action', 'test.appended')
        .whereLike('object_id', 'linked-%')
        .pluck('object_id')) as string[];
      expect(new Set(objects).size).toBe(120);
    });
  });
});

describe('the audit table refuses changes', () => {
  it('refuses UPDATE, DELETE and TRUNCATE, even for the table owner', async () => {
    const db = t.database.db;
    await expect(db.raw("update audit_events set action = 'x' where seq = 1")).rejects.toThrow(/append-only: UPDATE refused/);
    await expect(db.raw('delete from audit_events where seq = 1')).rejects.toThrow(/append-only: DELETE refused/);
    await expect(db.raw('truncate audit_events')).rejects.toThrow(/append-only: TRUNCATE refused/);
    expect((await t.container.audit.verify()).valid).toBe(true);
  });
});

describe('verification after tampering', () => {
  /** As the table owner, with the trigger off for one statement: what an attacker with database access could do. */
  async function tamper(sql: string, bindings: readonly (string | number)[]): Promise<void> {
    await t.database.db.transaction(async (trx) => {
      await trx.raw('alter table audit_events disable trigger audit_events_no_update_delete');
      await trx.raw(sql, bindings);
      await trx.raw('alter table audit_events enable trigger audit_events_no_update_delete');
    });
  }

  it('names the event whose row was altered, and passes again once it is restored', async () => {
    const events = await allEvents();
    const victim = events[Math.floor(events.length / 2)];
    const original = await t.database.db('audit_events').where('seq', victim.seq).first('details');
    await tamper(`update audit_events set details = '{"after": {"name": "forged"}}'::jsonb where seq = ?`, [victim.seq]);

    const res = await verify();
    expect(res.body).toMatchObject({
      valid: false,
      checked: victim.seq - 1,
      firstInvalidEventId: victim.id,
      firstInvalidSeq: victim.seq,
      reason: 'hash does not match the event contents',
    });

    await tamper('update audit_events set details = ?::jsonb where seq = ?', [JSON.stringify(original.details), victim.seq]);
    expect((await verify()).body).toMatchObject({ valid: true, checked: events.length });
  });

  it('names the event after a deleted one', async () => {
    const events = await allEvents();
    const victim = events[3];
    const row = await t.database.db('audit_events').where('seq', victim.seq).first();
    await tamper('delete from audit_events where seq = ?', [victim.seq]);
    expect((await verify()).body).toMatchObject({
      valid: false,
      checked: 3,
      firstInvalidEventId: events[4].id,
      firstInvalidSeq: events[4].seq,
    });
    await t.database.db.transaction(async (trx) => {
      await trx('audit_events').insert({ ...row, details: JSON.stringify(row.details) });
    });
    expect((await verify()).body).toMatchObject({ valid: true, checked: events.length });
  });
});

describe('signed checkpoints for witnesses', () => {
  const get = (path: string, token = auditor) => t.http.get(path).set('Authorization', `Bearer ${token}`);

  it('lists checkpoints oldest first, page by page, each verifiable with the published key', async () => {
    await t.http
      .post('/v1/departments')
      .set('Authorization', `Bearer ${admin}`)
      .send({ code: 'CKPT_A', name: 'Checkpoint A', kind: 'compliance' })
      .expect(201);
    await t.container.auditCheckpoints.checkpointNow();
    await t.http
      .post('/v1/departments')
      .set('Authorization', `Bearer ${admin}`)
      .send({ code: 'CKPT_B', name: 'Checkpoint B', kind: 'compliance' })
      .expect(201);
    await t.container.auditCheckpoints.checkpointNow();

    const jwks = (await get('/v1/audit/checkpoints/jwks').expect(200)).body;
    expect(jwks.keys).toEqual([expect.objectContaining({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' })]);
    expect(jwks.keys[0]).not.toHaveProperty('d');
    const keySet = createLocalJWKSet(jwks);

    const seen: Array<{ number: number; seq: number; hash: string; jws: string }> = [];
    let cursor: string | null = null;
    do {
      const body: { items: typeof seen; nextCursor: string | null } = (
        await get(`/v1/audit/checkpoints?limit=1${cursor ? `&cursor=${cursor}` : ''}`).expect(200)
      ).body;
      seen.push(...body.items);
      cursor = body.nextCursor;
    } while (cursor);
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen.map((c) => c.number)).toEqual(seen.map((_, i) => i + 1));
    for (const c of seen) {
      const { payload } = await compactVerify(c.jws, keySet);
      expect(JSON.parse(new TextDecoder().decode(payload))).toMatchObject({ number: c.number, seq: c.seq, hash: c.hash });
    }

    // The witness hands its newest copy back: still there, unchanged, and the chain still matches it.
    const newest = seen[seen.length - 1];
    const res = (await get(`/v1/audit/verify?checkpoint=${newest.jws}`).expect(200)).body;
    expect(res).toMatchObject({ valid: true, checkpoints: { checked: seen.length, intervalSeconds: 1 } });
    expect(res.checkpoints.last.number).toBeGreaterThanOrEqual(newest.number);
  });

  it('refuses a witness checkpoint this service did not sign (400)', async () => {
    const { jws } = (await get('/v1/audit/checkpoints?limit=1').expect(200)).body.items[0];
    const [header, payload, signature] = jws.split('.');
    const flipped = `${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`;
    for (const bad of ['not-a-jws', `${header}.${payload}.${flipped}`, `${header}.${payload}`]) {
      expectProblem(await get(`/v1/audit/verify?checkpoint=${encodeURIComponent(bad)}`), 400, 'validation_failed');
    }
    expectProblem(await get(`/v1/audit/verify?checkpoint=${'x'.repeat(4001)}`), 400, 'validation_failed');
    expectProblem(await get('/v1/audit/checkpoints?cursor=%%%'), 400, 'validation_failed');
    expectProblem(await get('/v1/audit/checkpoints?limit=0'), 400, 'validation_failed');
  });

  it('only auditors and admins read checkpoints and their key', async () => {
    for (const path of ['/v1/audit/checkpoints', '/v1/audit/checkpoints/jwks']) {
      await get(path, admin).expect(200);
      expectProblem(await get(path, owner), 403, 'forbidden');
      expectProblem(await t.http.get(path), 401);
    }
  });
});
