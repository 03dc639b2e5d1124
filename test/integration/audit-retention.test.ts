import {
  AuditLog,
  AuditPartitionStore,
  AuditRetention,
  AuditStore,
  MIN_AUDIT_RETENTION_MONTHS,
  monthsBefore,
  type ChangeContext,
} from '../../services/audit';
import { ConfigError, loadConfig } from '../../services/config';
import type { Db } from '../../services/db';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

// The audit log partitioned by month: events of several months verify as one linear chain, and
// retention detaches (never drops) only months older than the retention period (≥ 36 months),
// after which the retained chain still verifies from the hash recorded at the detachment.

let database: TestDatabase;
let db: Db;
let clock = new Date('2022-01-15T10:00:00Z');
let log: AuditLog;
let store: AuditStore;
const SYSTEM: ChangeContext = { actor: { kind: 'system', name: 'retention-test' }, requestId: null };

async function appendAt(at: string, count: number): Promise<void> {
  clock = new Date(at);
  for (let i = 0; i < count; i++) {
    await db.transaction((trx) => log.record(trx, SYSTEM, { action: 'test.recorded', objectType: 'test', objectId: `${at}#${i}` }));
  }
}

async function eventsByPartition(): Promise<Record<string, number>> {
  const result = (await db.raw('select tableoid::regclass::text as partition, count(*) as n from audit_events group by 1 order by 1')) as {
    rows: Array<{ partition: string; n: number }>;
  };
  return Object.fromEntries(result.rows.map((r) => [r.partition, Number(r.n)]));
}

const retention = (months = MIN_AUDIT_RETENTION_MONTHS) => new AuditRetention(db, new AuditPartitionStore(db), store, log, months);

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
  store = new AuditStore(db, { now: () => clock });
  log = new AuditLog(store);
  await appendAt('2022-01-15T10:00:00Z', 3);
  await appendAt('2022-03-31T23:59:59.999Z', 2);
  await appendAt('2023-10-02T08:00:00Z', 2);
  await appendAt('2023-11-20T08:00:00Z', 2);
  await appendAt('2025-01-01T00:00:00Z', 2);
  await appendAt('2026-11-27T12:00:00Z', 1);
});
afterAll(() => database.drop());

describe('monthly partitions', () => {
  it('puts each event in the partition of its month, none in the default', async () => {
    expect(await eventsByPartition()).toEqual({
      audit_events_2022m01: 3,
      audit_events_2022m03: 2,
      audit_events_2023m10: 2,
      audit_events_2023m11: 2,
      audit_events_2025m01: 2,
      audit_events_2026m11: 1,
    });
    const months = (await new AuditPartitionStore(db).months()).map((m) => m.name);
    // The month of each event and the one after it are created ahead.
    expect(months).toEqual(
      expect.arrayContaining(['audit_events_2022m02', 'audit_events_2022m04', 'audit_events_2025m02', 'audit_events_2026m12']),
    );
  });

  it('verifies as one linear chain across months, in batches that cross partition boundaries', async () => {
    expect(await log.verify(2)).toEqual({ valid: true, checked: 12 });
    expect(await log.verify()).toEqual({ valid: true, checked: 12 });
  });

  it('never stamps an event earlier than the one before it (a replica with a slow clock)', async () => {
    clock = new Date('2026-11-27T11:00:00Z');
    const [event] = await db.transaction((trx) =>
      log.record(trx, SYSTEM, { action: 'test.recorded', objectType: 'test', objectId: 'slow-clock' }),
    );
    expect(event.occurredAt).toBe('2026-11-27T12:00:00.000Z');
    expect((await log.verify()).valid).toBe(true);
  });

  it('keeps every partition append-only, and the default one too', async () => {
    for (const table of ['audit_events_2022m01', 'audit_events_2026m11']) {
      await expect(db.raw(`delete from ${table}`)).rejects.toThrow(/append-only: DELETE refused/);
      await expect(db.raw(`update ${table} set action = 'x'`)).rejects.toThrow(/append-only: UPDATE refused/);
    }
    const partitions = (await db.raw(
      `select c.relname as name, array(select t.tgname::text from pg_trigger t where t.tgrelid = c.oid order by 1) as triggers
         from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'audit_events'::regclass`,
    )) as { rows: Array<{ name: string; triggers: string[] }> };
    expect(partitions.rows.length).toBeGreaterThan(10);
    for (const { name, triggers } of partitions.rows) {
      expect([name, triggers]).toEqual([name, ['audit_events_no_truncate', 'audit_events_no_update_delete']]);
      await expect(db.raw(`truncate ${name}`)).rejects.toThrow(/append-only: TRUNCATE refused/);
    }
  });

  it('creates this month and the next at start-up, and is idempotent', async () => {
    const created = await retention().ensureAhead(new Date('2031-02-10T00:00:00Z'));
    expect(created).toEqual(['audit_events_2031m02', 'audit_events_2031m03']);
    expect(await retention().ensureAhead(new Date('2031-02-10T00:00:00Z'))).toEqual([]);
  });
});

describe('retention', () => {
  it('refuses a retention period shorter than 36 months, in code and in configuration', () => {
    expect(() => retention(35)).toThrow(/at least 36 months/);
    expect(() => loadConfig({ AUDIT_RETENTION_MONTHS: '35' })).toThrow(ConfigError);
    expect(loadConfig({}).auditRetentionMonths).toBe(36);
  });

  it('counts whole months back from now', () => {
    expect(monthsBefore(new Date('2026-11-27T12:00:00Z'), 36).toISOString()).toBe('2023-11-27T12:00:00.000Z');
    expect(monthsBefore(new Date('2027-03-31T00:00:00Z'), 1).toISOString()).toBe('2027-02-28T00:00:00.000Z');
  });

  it('detaches only months entirely older than the period, keeps their rows, and the chain still verifies', async () => {
    const now = new Date('2026-11-27T12:00:00Z');
    clock = now;
    const expired = (await retention().expiredMonths(now)).map((m) => m.name);
    // Cut-off 2023-11-27: October 2023 ended before it; November 2023 did not, so it stays.
    expect(expired).toEqual([
      'audit_events_2022m01',
      'audit_events_2022m02',
      'audit_events_2022m03',
      'audit_events_2022m04',
      'audit_events_2023m10',
    ]);
    expect(expired).not.toContain('audit_events_2023m11');

    const detached = await retention().detachExpired(now);
    expect(detached.map((d) => [d.partition, d.events, d.firstSeq, d.lastSeq])).toEqual([
      ['audit_events_2022m01', 3, 1, 3],
      ['audit_events_2022m02', 0, null, null],
      ['audit_events_2022m03', 2, 4, 5],
      ['audit_events_2022m04', 0, null, null],
      ['audit_events_2023m10', 2, 6, 7],
    ]);
    // Detached, not dropped: the archive tables keep their rows and stay append-only.
    const archived = (await db.raw('select count(*) as n from audit_events_2022m01')) as { rows: Array<{ n: number }> };
    expect(Number(archived.rows[0].n)).toBe(3);
    await expect(db.raw('delete from audit_events_2022m01')).rejects.toThrow(/append-only: DELETE refused/);
    await expect(db.raw('truncate audit_events_2022m01')).rejects.toThrow(/append-only: TRUNCATE refused/);
    expect(Object.keys(await eventsByPartition())).not.toContain('audit_events_2023m10');
    expect(await eventsByPartition()).toMatchObject({ audit_events_2023m11: 2, audit_events_2025m01: 2 });

    // The retained chain verifies from the last detached event, named by the detachments' own events.
    const result = await log.verify(2);
    expect(result).toEqual({ valid: true, checked: 13 - 7 + 5, archivedThroughSeq: 7 });
    const events = await log.list({ action: 'audit.partition_detached' }, 10);
    expect(events.map((e) => e.objectId)).toEqual([
      'audit_events_2023m10',
      'audit_events_2022m04',
      'audit_events_2022m03',
      'audit_events_2022m02',
      'audit_events_2022m01',
    ]);
    expect(events[0].details).toMatchObject({ lastSeq: 7, retentionMonths: 36 });

    // Nothing more is due: running again detaches nothing.
    expect(await retention().detachExpired(now)).toEqual([]);
  });

  it('still names the first retained event that was removed behind its back', async () => {
    await db.transaction(async (trx) => {
      await trx.raw('alter table audit_events disable trigger audit_events_no_update_delete');
      await trx.raw('delete from audit_events where seq = 8');
      await trx.raw('alter table audit_events enable trigger audit_events_no_update_delete');
    });
    expect(await log.verify()).toMatchObject({ valid: false, checked: 0, firstInvalidSeq: 9, reason: 'sequence gap: expected 8, found 9' });
  });
});
