import type { Db, Trx } from '../db';
import { ReadBatcher } from '../platform/read-batcher';
import type { ConsentEvidence } from './schemas';
import type { ConsentEventRecord, ConsentStoreType, HistoryFilter, LatestConsentEvent } from './store-type';

export type { ConsentEventRecord, HistoryFilter, LatestConsentEvent } from './store-type';

interface ConsentEventRow {
  seq: number;
  id: string;
  kind: 'given' | 'withdrawn';
  subject_ref: string;
  purpose_key: string;
  notice_id: string | null;
  notice_version: number | null;
  notice_app_id: string | null;
  separate: boolean;
  channel: string | null;
  evidence: ConsentEvidence | null;
  withdraws: string | null;
  client_id: string;
  recorded_at: string;
}

const fromRow = (r: ConsentEventRow): ConsentEventRecord => ({
  seq: r.seq,
  id: r.id,
  kind: r.kind,
  subjectRef: r.subject_ref,
  purposeKey: r.purpose_key,
  noticeId: r.notice_id,
  noticeVersion: r.notice_version,
  noticeAppId: r.notice_app_id,
  separate: r.separate,
  channel: r.channel,
  evidence: r.evidence,
  withdraws: r.withdraws,
  clientId: r.client_id,
  recordedAt: r.recorded_at,
});

// The hot path of consent checks and consent-aware decisions: one index probe (consent_events_latest_idx)
// per customer and purpose, for any number of them. Inside a transaction (a withdrawal locks what it
// reads) for one key; otherwise concurrent checks share the statement (ReadBatcher).
const LATEST_MANY_SQL = `select q.i, e.id, e.kind, e.notice_version, e.notice_app_id, e.separate, e.withdraws, e.recorded_at
  from unnest(?::text[], ?::text[]) with ordinality as q (subject_ref, purpose_key, i)
  left join lateral (
    select c.id, c.kind, c.notice_version, c.notice_app_id, c.separate, c.withdraws, c.recorded_at
      from consent_events c where c.subject_ref = q.subject_ref and c.purpose_key = q.purpose_key
     order by c.seq desc limit 1) e on true`;

type LatestRow = Pick<ConsentEventRow, 'id' | 'kind' | 'notice_version' | 'notice_app_id' | 'separate' | 'withdraws' | 'recorded_at'>;

const latestFromRow = (r: LatestRow): LatestConsentEvent => ({
  id: r.id,
  kind: r.kind,
  noticeVersion: r.notice_version,
  noticeAppId: r.notice_app_id,
  separate: r.separate,
  withdraws: r.withdraws,
  recordedAt: r.recorded_at,
});

interface LatestKey {
  readonly subjectRef: string;
  readonly purposeKey: string;
}

export class ConsentStore implements ConsentStoreType {
  private readonly latestReads: ReadBatcher<LatestKey, LatestConsentEvent>;

  constructor(
    private readonly db: Db,
    /** Batched latest-event reads in flight at once (PostgreSQL: 2; PGlite has one connection: 1). */
    readLanes = 1,
  ) {
    this.latestReads = new ReadBatcher(
      (keys) => this.latestMany(keys),
      (k) => `${k.purposeKey}\n${k.subjectRef}`,
      500,
      readLanes,
    );
  }

  /** The latest event of a customer and purpose; inside `trx` when given, else batched with concurrent reads. */
  async latest(subjectRef: string, purposeKey: string, trx?: Trx): Promise<LatestConsentEvent | undefined> {
    if (trx === undefined) return this.latestReads.read({ subjectRef, purposeKey });
    return (await this.latestMany([{ subjectRef, purposeKey }], trx))[0];
  }

  /** The latest event of each customer (pseudonym) for one purpose, with one statement for the whole list. */
  latestOf(subjectRefs: readonly string[], purposeKey: string): Promise<Array<LatestConsentEvent | undefined>> {
    return this.latestMany(subjectRefs.map((subjectRef) => ({ subjectRef, purposeKey })));
  }

  private async latestMany(keys: readonly LatestKey[], executor: Db | Trx = this.db): Promise<Array<LatestConsentEvent | undefined>> {
    // A named (prepared) statement on PostgreSQL: parsed and planned once per connection, not per batch.
    const { rows } = (await executor
      .raw(LATEST_MANY_SQL, [keys.map((k) => k.subjectRef), keys.map((k) => k.purposeKey)])
      .options({ name: 'consent_events_latest_many' })) as { rows: Array<{ i: number | string } & Partial<LatestRow>> };
    const answers = new Array<LatestConsentEvent | undefined>(keys.length).fill(undefined);
    for (const r of rows) if (r.id) answers[Number(r.i) - 1] = latestFromRow(r as LatestRow);
    return answers;
  }

  async get(id: string): Promise<ConsentEventRecord | undefined> {
    const row = (await this.db('consent_events').where({ id }).first()) as ConsentEventRow | undefined;
    return row && fromRow(row);
  }

  /** The first event of the same customer and purpose after `seq`: what ended or replaced that consent. */
  async nextAfter(subjectRef: string, purposeKey: string, seq: number): Promise<ConsentEventRecord | undefined> {
    const row = (await this.db('consent_events')
      .where({ subject_ref: subjectRef, purpose_key: purposeKey })
      .andWhere('seq', '>', seq)
      .orderBy('seq', 'asc')
      .first()) as ConsentEventRow | undefined;
    return row && fromRow(row);
  }

  async history(filter: HistoryFilter, limit: number): Promise<ConsentEventRecord[]> {
    const q = this.db('consent_events as e').select('e.*').where('e.subject_ref', filter.subjectRef).orderBy('e.seq', 'desc').limit(limit);
    if (filter.departments) {
      const held = filter.departments;
      // A consent concerns the department owning the app of the notice it was given under; a withdrawal, the consent it withdraws.
      if (held.length === 0) q.whereRaw('false');
      else
        q.whereRaw(
          `exists (select 1 from apps p where p.id = coalesce(e.notice_app_id, (select w.notice_app_id from consent_events w where w.id = e.withdraws))
             and p.owning_department in (${held.map(() => '?').join(', ')}))`,
          [...held],
        );
    }
    if (filter.purposeKey) q.where('e.purpose_key', filter.purposeKey);
    if (filter.clientId) q.where('e.client_id', filter.clientId);
    if (filter.beforeSeq !== undefined) q.where('e.seq', '<', filter.beforeSeq);
    return ((await q) as ConsentEventRow[]).map(fromRow);
  }

  /** Serialises changes to one customer's consent to one purpose until the transaction ends. */
  async lockSubject(trx: Trx, subjectRef: string, purposeKey: string): Promise<void> {
    await trx.raw(`select pg_advisory_xact_lock(hashtext('consent:' || ? || ':' || ?))`, [subjectRef, purposeKey]);
  }

  async insert(trx: Trx, e: Omit<ConsentEventRecord, 'seq'>): Promise<void> {
    await trx('consent_events').insert({
      id: e.id,
      kind: e.kind,
      subject_ref: e.subjectRef,
      purpose_key: e.purposeKey,
      notice_id: e.noticeId,
      notice_version: e.noticeVersion,
      notice_app_id: e.noticeAppId,
      separate: e.separate,
      channel: e.channel,
      evidence: e.evidence === null ? null : JSON.stringify(e.evidence),
      withdraws: e.withdraws,
      client_id: e.clientId,
      recorded_at: e.recordedAt,
    });
  }
}
