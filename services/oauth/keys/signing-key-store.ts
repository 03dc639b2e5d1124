import type { Db, Trx } from '../../db';
import { rowMapper } from '../../platform/row-mapper';
import type { SigningAlgorithm } from '../settings';
import type { SigningKeyRecord, SigningKeyStoreType } from './store-type';

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

const rows = rowMapper<SigningKeyRecord, SigningKeyRow>({
  kid: 'kid',
  alg: 'alg',
  publicJwk: 'public_jwk',
  privateKeyEnc: 'private_key_enc',
  createdAt: 'created_at',
  activatesAt: 'activates_at',
  retiresAt: 'retires_at',
  publishedUntil: 'published_until',
});

// Serialises key creation across replicas (two replicas starting at once make one key, not two).
const SIGNING_KEYS_LOCK = 0x6f61756b; // 'oauk'

export class SigningKeyStore implements SigningKeyStoreType {
  constructor(private readonly db: Db) {}

  async lock(trx: Trx): Promise<void> {
    await trx.raw('select pg_advisory_xact_lock(?)', [SIGNING_KEYS_LOCK]);
  }

  /** Keys still published at `at` (or later), oldest activation first. */
  async published(at: Date, trx: Db | Trx = this.db): Promise<SigningKeyRecord[]> {
    const found = await trx<SigningKeyRow>('oauth_signing_keys')
      .where((q) => q.whereNull('published_until').orWhere('published_until', '>', at.toISOString()))
      .orderBy('activates_at');
    return found.map(rows.fromRow);
  }

  async all(): Promise<SigningKeyRecord[]> {
    return (await this.db<SigningKeyRow>('oauth_signing_keys').orderBy('activates_at', 'desc')).map(rows.fromRow);
  }

  /** Keys that have not been given a retirement time yet (the current one, and any not yet active). */
  async unretired(trx: Trx): Promise<SigningKeyRecord[]> {
    return (await trx<SigningKeyRow>('oauth_signing_keys').whereNull('retires_at').orderBy('activates_at')).map(rows.fromRow);
  }

  async insert(trx: Trx, key: SigningKeyRecord): Promise<void> {
    const row = rows.toRow(key);
    await trx('oauth_signing_keys').insert({ ...row, public_jwk: JSON.stringify(row.public_jwk) });
  }

  async retire(trx: Trx, kid: string, retiresAt: string, publishedUntil: string): Promise<void> {
    await trx<SigningKeyRow>('oauth_signing_keys').where({ kid }).update({ retires_at: retiresAt, published_until: publishedUntil });
  }
}
