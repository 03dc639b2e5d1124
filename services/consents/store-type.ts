import type { Trx } from '../db';
import type { ConsentEvidence } from './schemas';

/** One row of the append-only consent log. */
export interface ConsentEventRecord {
  seq: number;
  id: string;
  kind: 'given' | 'withdrawn';
  subjectRef: string;
  purposeKey: string;
  noticeId: string | null;
  noticeVersion: number | null;
  noticeAppId: string | null;
  separate: boolean;
  channel: string | null;
  evidence: ConsentEvidence | null;
  withdraws: string | null;
  clientId: string;
  recordedAt: string;
}

/** What a consent check reads: the latest event of one customer and purpose. */
export interface LatestConsentEvent {
  readonly id: string;
  readonly kind: 'given' | 'withdrawn';
  readonly noticeVersion: number | null;
  readonly noticeAppId: string | null;
  readonly separate: boolean;
  readonly withdraws: string | null;
  readonly recordedAt: string;
}

export interface HistoryFilter {
  subjectRef: string;
  purposeKey?: string;
  clientId?: string;
  /** Only events given through (or withdrawing a consent given through) an app one of these departments owns. */
  departments?: readonly string[];
  beforeSeq?: number;
}

/** What the consent service needs of storage (store.ts on the database, fake-store.ts in memory). */
export interface ConsentStoreType {
  /** The latest event of a customer and purpose; inside `trx` when given. */
  latest(subjectRef: string, purposeKey: string, trx?: Trx): Promise<LatestConsentEvent | undefined>;
  /** The latest event of each customer (pseudonym) for one purpose. */
  latestOf(subjectRefs: readonly string[], purposeKey: string): Promise<Array<LatestConsentEvent | undefined>>;
  get(id: string): Promise<ConsentEventRecord | undefined>;
  /** The first event of the same customer and purpose after `seq`: what ended or replaced that consent. */
  nextAfter(subjectRef: string, purposeKey: string, seq: number): Promise<ConsentEventRecord | undefined>;
  /** Newest first. */
  history(filter: HistoryFilter, limit: number): Promise<ConsentEventRecord[]>;
  /** Serialises changes to one customer's consent to one purpose until the transaction ends. */
  lockSubject(trx: Trx, subjectRef: string, purposeKey: string): Promise<void>;
  insert(trx: Trx, event: Omit<ConsentEventRecord, 'seq'>): Promise<void>;
}
