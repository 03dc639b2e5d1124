import type { Db, Trx } from '../db';
import type { LegalBasis, Purpose, PurposeStatus } from './schemas';

export interface PurposeFilter {
  legalBasis?: LegalBasis;
  status?: PurposeStatus;
  afterKey?: string;
}

/** What the purpose service needs of storage (store.ts on the database, fake-store.ts in memory). */
export interface PurposeStoreType {
  findByKey(key: string, trx?: Db | Trx): Promise<Purpose | undefined>;
  /** Locks the purpose's row until the transaction ends (changes to one purpose are serialised). */
  lockByKey(trx: Trx, key: string): Promise<Purpose | undefined>;
  /** The status of each listed key that exists; share-locked so a purpose cannot retire while it is being used. */
  lockStatuses(trx: Trx, keys: readonly string[]): Promise<Map<string, PurposeStatus>>;
  /** Approved grants for the purpose that have not ended at `now`: they depend on it staying live. */
  grantsDependingOn(trx: Trx, key: string, now: string): Promise<string[]>;
  list(filter: PurposeFilter, limit: number): Promise<Purpose[]>;
  insert(trx: Trx, purpose: Purpose): Promise<void>;
  update(trx: Trx, purpose: Purpose): Promise<void>;
}
