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

interface SigningKeyRow {
  kid: string;
  alg: SigningAlgorithm;
  public_jwk: Record<string, unknown>;
  private_key_enc: string;
  created_at: string;
  activates_at: string;
  retires_at: string | null;
  published_until: string | null;
}

const fromRow = (r: SigningKeyRow): SigningKeyRecord => ({
  kid: r.kid,
  alg: r.alg,
  publicJwk: r.public_jwk,
  privateKeyEnc: r.private_key_enc,
  createdAt: r.created_at,
  activatesAt: r.activates_at,
  retiresAt: r.retires_at,
  publishedUntil: r.published_until,
});

// Serialises key creation across replicas (two replicas starting at once make one key, not two).
const SIGNING_KEYS_LOCK = 0x6f61756b; // 'oauk'

export class SigningKeyStore {
  constructor(private readonly db: Db) {}

  async lock(trx: Trx): Promise<void> {
    await trx.raw('select pg_advisory_xact_lock(?)', [SIGNING_KEYS_LOCK]);
  }

  /** Keys still published at `at` (or later), oldest activation first. */
  async published(at: Date, trx: Db | Trx = this.db): Promise<SigningKeyRecord[]> {
    const rows = (await trx('oauth_signing_keys')
      .where((q) => q.whereNull('published_until').orWhere('published_until', '>', at.toISOString()))
      .orderBy('activates_at')) as SigningKeyRow[];
    return rows.map(fromRow);
  }

  async all(): Promise<SigningKeyRecord[]> {
    return ((await this.db('oauth_signing_keys').orderBy('activates_at', 'desc')) as SigningKeyRow[]).map(fromRow);
  }

  /** Keys that have not been given a retirement time yet (the current one, and any not yet active). */
  async unretired(trx: Trx): Promise<SigningKeyRecord[]> {
    return ((await trx('oauth_signing_keys').whereNull('retires_at').orderBy('activates_at')) as SigningKeyRow[]).map(fromRow);
  }

  async insert(trx: Trx, key: SigningKeyRecord): Promise<void> {
    await trx('oauth_signing_keys').insert({
      kid: key.kid,
      alg: key.alg,
      public_jwk: JSON.stringify(key.publicJwk),
      private_key_enc: key.privateKeyEnc,
      created_at: key.createdAt,
      activates_at: key.activatesAt,
      retires_at: key.retiresAt,
      published_until: key.publishedUntil,
    });
  }

  async retire(trx: Trx, kid: string, retiresAt: string, publishedUntil: string): Promise<void> {
    await trx('oauth_signing_keys').where({ kid }).update({ retires_at: retiresAt, published_until: publishedUntil });
  }
}
