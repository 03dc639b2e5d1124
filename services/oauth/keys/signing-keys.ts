import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import type { AuditRecorder, ChangeContext } from '../../audit';
import type { Transactor, Trx } from '../../db';
import type { ChangePublisher } from '../../platform/change-feed';
import { systemClock, type Clock } from '../../platform/clock';
import { ServiceUnavailableError } from '../../shared/errors';
import { decryptPrivateKey, encryptPrivateKey } from './key-encryption';
import type { RotateSigningKey, SigningKey } from '../schemas';
import {
  DEFAULT_KEY_ACTIVATION_DELAY_SECONDS,
  KEY_RETIREMENT_MARGIN_SECONDS,
  MAX_ACCESS_TOKEN_TTL_SECONDS,
  type SigningAlgorithm,
} from '../settings';
import type { SigningKeyRecord, SigningKeyStoreType } from './store-type';

/** Change-feed topic: a signing key was created or retired; every replica reloads its key set. */
export const SIGNING_KEYS_CHANGED = 'oauth.signing_keys_changed';

/** A published key, ready in memory: signs between activatesAt and retiresAt, verifies until publishedUntil. */
export interface LoadedSigningKey {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  readonly publicJwk: Record<string, unknown>;
  readonly activatesAt: number;
  readonly retiresAt: number | null;
  readonly publishedUntil: number | null;
}

const RELOAD_COOLDOWN_MS = 30_000;
const ms = (iso: string | null) => (iso === null ? null : Date.parse(iso));
const SYSTEM: ChangeContext = { actor: { kind: 'system', name: 'oauth-signing-keys' }, requestId: null };

/**
 * The authorization server's signing keys. They live in the database encrypted under the
 * key-encryption key and in memory decrypted; choosing the key to sign with is a matter of time
 * (activation and retirement times are stored), so replicas switch keys together without talking.
 */
export class SigningKeyService {
  private keys: LoadedSigningKey[] = [];
  private loaded = false;
  private loadedAt = 0;

  constructor(
    private readonly db: Transactor,
    private readonly store: SigningKeyStoreType,
    private readonly audit: AuditRecorder,
    private readonly changes: ChangePublisher,
    private readonly keyEncryptionKey: Buffer,
    private readonly clock: Clock = systemClock,
  ) {}

  get ready(): boolean {
    return this.loaded && this.keys.length > 0;
  }

  /** Loads the published keys into memory (start-up, change notices, reconnects). */
  async load(): Promise<void> {
    const records = await this.store.published(this.clock.now());
    this.keys = await Promise.all(records.map((r) => this.open(r)));
    this.loaded = true;
    this.loadedAt = this.clock.now().getTime();
  }

  /**
   * A kid we do not know may be a key another replica just added whose notice we missed: reload,
   * at most once per RELOAD_COOLDOWN_MS, so unknown kids cannot make us hammer the database.
   */
  async verificationKeyOrReload(kid: string): Promise<LoadedSigningKey | undefined> {
    const known = this.verificationKey(kid);
    if (known || this.clock.now().getTime() - this.loadedAt < RELOAD_COOLDOWN_MS) return known;
    this.loadedAt = this.clock.now().getTime();
    await this.load();
    return this.verificationKey(kid);
  }

  /** Start-up: creates the first key when there is none that signs now or later, then loads. */
  async ensureKey(): Promise<void> {
    await this.changes.transaction(this.db, async (trx) => {
      await this.store.lock(trx);
      if ((await this.store.unretired(trx)).length > 0) return;
      const key = await this.create('ES256', this.clock.now());
      await this.store.insert(trx, key);
      await this.audit.record(trx, SYSTEM, {
        action: 'signing_key.created',
        objectType: 'signing_key',
        objectId: key.kid,
        details: { after: this.view(key), reason: 'no signing key existed at start-up' },
      });
      await this.changes.publish(trx, SIGNING_KEYS_CHANGED, { kid: key.kid });
    });
    await this.load();
  }

  /**
   * Adds a key that is published now and signs after `activateAfterSeconds`; the keys it replaces
   * stop signing then and stay published until every token they signed has expired.
   */
  async rotate(ctx: ChangeContext, input: Partial<RotateSigningKey> = {}): Promise<SigningKey> {
    const now = this.clock.now();
    const delay = input.activateAfterSeconds ?? DEFAULT_KEY_ACTIVATION_DELAY_SECONDS;
    const generated = await this.create(input.alg ?? 'ES256', now);
    return this.changes.transaction(this.db, async (trx: Trx) => {
      await this.store.lock(trx);
      const replaced = await this.store.unretired(trx);
      // With no key to take over from there is nothing to announce ahead: the new key signs at once.
      const activatesAt = new Date(replaced.length === 0 ? now.getTime() : now.getTime() + delay * 1000);
      const key: SigningKeyRecord = { ...generated, activatesAt: activatesAt.toISOString() };
      const retired = [];
      for (const old of replaced) {
        // A key still waiting for its own activation retires then, so it never signs.
        const retiresAt = new Date(Math.max(activatesAt.getTime(), Date.parse(old.activatesAt)));
        const publishedUntil = new Date(retiresAt.getTime() + (MAX_ACCESS_TOKEN_TTL_SECONDS + KEY_RETIREMENT_MARGIN_SECONDS) * 1000);
        await this.store.retire(trx, old.kid, retiresAt.toISOString(), publishedUntil.toISOString());
        retired.push({ kid: old.kid, retiresAt: retiresAt.toISOString(), publishedUntil: publishedUntil.toISOString() });
      }
      await this.store.insert(trx, key);
      await this.audit.record(trx, ctx, {
        action: 'signing_key.rotated',
        objectType: 'signing_key',
        objectId: key.kid,
        details: { after: this.view(key), retired },
      });
      await this.changes.publish(trx, SIGNING_KEYS_CHANGED, { kid: key.kid });
      return this.view(key);
    });
  }

  /** Every key, published or not, newest first (for administrators). */
  async list(): Promise<SigningKey[]> {
    return (await this.store.all()).map((k) => this.view(k));
  }

  /** The key that signs at `now`: the most recently activated one that has not retired. */
  signingKey(now = this.clock.now().getTime()): LoadedSigningKey {
    let chosen: LoadedSigningKey | undefined;
    for (const key of this.keys) {
      if (key.activatesAt <= now && (key.retiresAt === null || key.retiresAt > now) && (!chosen || key.activatesAt > chosen.activatesAt)) {
        chosen = key;
      }
    }
    if (!chosen) throw new ServiceUnavailableError('No signing key is active; the authorization server cannot issue tokens');
    return chosen;
  }

  /** A key that may still verify tokens at `now` (published and not past its publication). */
  verificationKey(kid: string, now = this.clock.now().getTime()): LoadedSigningKey | undefined {
    return this.keys.find((k) => k.kid === kid && (k.publishedUntil === null || k.publishedUntil > now));
  }

  /** The public JWK set: every key that signs, will sign, or signed tokens that may not have expired. */
  jwks(now = this.clock.now().getTime()): { keys: Record<string, unknown>[] } {
    return { keys: this.keys.filter((k) => k.publishedUntil === null || k.publishedUntil > now).map((k) => k.publicJwk) };
  }

  private async create(alg: SigningAlgorithm, now: Date): Promise<SigningKeyRecord> {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
    const publicJwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    const privateJwk = await exportJWK(privateKey);
    return {
      kid,
      alg,
      publicJwk: { ...publicJwk, kid, alg, use: 'sig' },
      privateKeyEnc: encryptPrivateKey(this.keyEncryptionKey, kid, JSON.stringify(privateJwk)),
      createdAt: now.toISOString(),
      activatesAt: now.toISOString(),
      retiresAt: null,
      publishedUntil: null,
    };
  }

  private async open(record: SigningKeyRecord): Promise<LoadedSigningKey> {
    const privateJwk = JSON.parse(decryptPrivateKey(this.keyEncryptionKey, record.kid, record.privateKeyEnc)) as JWK;
    return {
      kid: record.kid,
      alg: record.alg,
      privateKey: (await importJWK(privateJwk, record.alg)) as CryptoKey,
      publicKey: (await importJWK(record.publicJwk as JWK, record.alg)) as CryptoKey,
      publicJwk: record.publicJwk,
      activatesAt: Date.parse(record.activatesAt),
      retiresAt: ms(record.retiresAt),
      publishedUntil: ms(record.publishedUntil),
    };
  }

  private view(k: SigningKeyRecord, now = this.clock.now().getTime()): SigningKey {
    const activatesAt = Date.parse(k.activatesAt);
    const retiresAt = ms(k.retiresAt);
    const publishedUntil = ms(k.publishedUntil);
    const status =
      publishedUntil !== null && publishedUntil <= now
        ? 'retired'
        : retiresAt !== null && retiresAt <= now
          ? 'retiring'
          : activatesAt > now
            ? 'next'
            : 'active';
    return {
      kid: k.kid,
      alg: k.alg,
      status,
      publicJwk: k.publicJwk,
      createdAt: k.createdAt,
      activatesAt: k.activatesAt,
      retiresAt: k.retiresAt,
      publishedUntil: k.publishedUntil,
    };
  }
}
