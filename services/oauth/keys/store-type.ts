import type { Db, Trx } from '../../db';
import type { SigningAlgorithm } from '../settings';

export interface SigningKeyRecord {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly publicJwk: Record<string, unknown>;
  /** AES-256-GCM ciphertext of the private JWK (see key-encryption.ts). */
  readonly privateKeyEnc: string;
  readonly createdAt: string;
  readonly activatesAt: string;
  readonly retiresAt: string | null;
  readonly publishedUntil: string | null;
}

/** What the signing-key service needs of storage (signing-key-store.ts on the database, fake-store.ts in memory). */
export interface SigningKeyStoreType {
  /** Serialises key creation and rotation across replicas until the transaction ends. */
  lock(trx: Trx): Promise<void>;
  /** Keys still published at `at` (or later), oldest activation first. */
  published(at: Date, trx?: Db | Trx): Promise<SigningKeyRecord[]>;
  /** Every key, newest activation first. */
  all(): Promise<SigningKeyRecord[]>;
  /** Keys that have not been given a retirement time yet (the current one, and any not yet active), oldest activation first. */
  unretired(trx: Trx): Promise<SigningKeyRecord[]>;
  insert(trx: Trx, key: SigningKeyRecord): Promise<void>;
  retire(trx: Trx, kid: string, retiresAt: string, publishedUntil: string): Promise<void>;
}
