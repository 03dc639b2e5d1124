import { AuditLog, AuditStore, GENESIS_HASH, hashEvent, type AuditEvent, type AuditEventInput } from '../../services/audit';
import type { Trx } from '../../services/db';

// The chain rules on an in-memory store: what verification accepts and what it names.

function chain(n: number): AuditEvent[] {
  const events: AuditEvent[] = [];
  let prevHash = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const unhashed = {
      seq,
      id: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
      occurredAt: new Date(Date.UTC(2026, 10, 27, 9, 0, seq)).toISOString(),
      actorType: 'staff' as const,
      actorId: 'ada',
      action: 'department.created',
      objectType: 'department',
      objectId: `D${seq}`,
      requestId: `r-${seq}`,
      details: { after: { code: `D${seq}`, kind: 'business' } },
      prevHash,
    };
    const event = { ...unhashed, hash: hashEvent(unhashed) };
    events.push(event);
    prevHash = event.hash;
  }
  return events;
}

/** The part of AuditStore that AuditLog uses, over an array. */
class MemoryStore {
  appended: AuditEventInput[] = [];
  constructor(public events: AuditEvent[]) {}
  async readBatch(afterSeq: number, size: number): Promise<AuditEvent[]> {
    return this.events.filter((e) => e.seq > afterSeq).slice(0, size);
  }
  async lockChainHead() {
    return undefined;
  }
  async ensurePartitions() {}
  async insertEvents(_trx: Trx, events: readonly AuditEvent[]): Promise<void> {
    this.appended.push(
      ...events.map(({ actorType, actorId, action, objectType, objectId, requestId, details }) => ({
        actorType,
        actorId,
        action,
        objectType,
        objectId,
        requestId,
        details,
      })),
    );
  }
  now() {
    return new Date();
  }
}

const logOver = (events: AuditEvent[]) => {
  const store = new MemoryStore(events);
  return { store, log: new AuditLog(store as unknown as AuditStore) };
};

describe('hashEvent', () => {
  const [event] = chain(1);

  it('is a SHA-256 over the canonical encoding: key order does not matter', () => {
    expect(event.hash).toMatch(/^[0-9a-f]{64}$/);
    const reordered = { ...event, details: { after: { kind: 'business', code: 'D1' } } };
    expect(hashEvent(reordered)).toBe(event.hash);
  });

  it.each([
    ['seq', 2],
    ['id', '00000000-0000-4000-8000-000000000099'],
    ['occurredAt', '2026-11-27T09:00:02.000Z'],
    ['actorType', 'client'],
    ['actorId', 'eve'],
    ['action', 'department.deleted'],
    ['objectType', 'vendor'],
    ['objectId', null],
    ['requestId', null],
    ['details', { after: { code: 'D1', kind: 'privacy' } }],
    ['prevHash', 'f'.repeat(64)],
  ])('changes when %s changes', (field, value) => {
    expect(hashEvent({ ...event, [field]: value })).not.toBe(event.hash);
  });
});

describe('AuditLog.verify', () => {
  it('accepts an empty log', async () => {
    await expect(logOver([]).log.verify()).resolves.toEqual({ valid: true, checked: 0 });
  });

  it('accepts an intact chain across batch boundaries', async () => {
    for (const batch of [1, 2, 3, 7, 100]) {
      await expect(logOver(chain(7)).log.verify(batch)).resolves.toEqual({ valid: true, checked: 7 });
    }
  });

  it('names an event whose contents were changed', async () => {
    const events = chain(7);
    events[4] = { ...events[4], details: { after: { code: 'D5', kind: 'privacy' } } };
    await expect(logOver(events).log.verify(3)).resolves.toEqual({
      valid: false,
      checked: 4,
      firstInvalidEventId: events[4].id,
      firstInvalidSeq: 5,
      reason: 'hash does not match the event contents',
    });
  });

  it('names an event rehashed after a change, through its successor’s broken link', async () => {
    const events = chain(7);
    const changed = { ...events[2], actorId: 'someone-else' };
    events[2] = { ...changed, hash: hashEvent(changed) };
    const result = await logOver(events).log.verify();
    expect(result).toMatchObject({ valid: false, checked: 3, firstInvalidSeq: 4, reason: 'prev_hash does not match the previous event' });
  });

  it('names the event after a deleted one', async () => {
    const events = chain(7);
    events.splice(2, 1);
    await expect(logOver(events).log.verify()).resolves.toMatchObject({
      valid: false,
      checked: 2,
      firstInvalidSeq: 4,
      firstInvalidEventId: events[2].id,
      reason: 'sequence gap: expected 3, found 4',
    });
  });

  it('refuses a chain that does not start from the genesis hash', async () => {
    const events = chain(3)
      .slice(1)
      .map((e) => ({ ...e, seq: e.seq - 1 }));
    await expect(logOver(events).log.verify()).resolves.toMatchObject({ valid: false, checked: 0, firstInvalidSeq: 1 });
  });
});

describe('AuditLog.record', () => {
  const change = { action: 'thing.changed', objectType: 'thing', objectId: 't-1' };

  it.each([
    [{ kind: 'staff', subject: 'ada' } as const, { actorType: 'staff', actorId: 'ada' }],
    [
      { kind: 'client', clientId: 'pep-1', roles: ['enforcement_point'], scopes: [], vendorId: null, tokenId: 'j' } as const,
      { actorType: 'client', actorId: 'pep-1' },
    ],
    [{ kind: 'public', address: '203.0.113.9' } as const, { actorType: 'public', actorId: 'anonymous' }],
    [{ kind: 'system', name: 'bootstrap' } as const, { actorType: 'system', actorId: 'bootstrap' }],
  ])('records the actor %j without personal data', async (actor, expected) => {
    const { store, log } = logOver([]);
    await log.record({ executionPromise: Promise.resolve() } as unknown as Trx, { actor, requestId: 'r-9' }, change);
    expect(store.appended).toEqual([{ ...expected, ...change, details: {}, requestId: 'r-9' }]);
    expect(JSON.stringify(store.appended)).not.toContain('203.0.113.9');
  });
});
