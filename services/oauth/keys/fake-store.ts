import type { SigningKeyRecord, SigningKeyStoreType } from './store-type';

const byActivation = (a: SigningKeyRecord, b: SigningKeyRecord) => Date.parse(a.activatesAt) - Date.parse(b.activatesAt);

/** Signing keys in memory, for fast tests of the signing-key service's rules. */
export class FakeSigningKeyStore implements SigningKeyStoreType {
  readonly keys: SigningKeyRecord[] = [];
  /** Transactions that took the key lock. */
  locks = 0;

  async lock(): Promise<void> {
    this.locks += 1;
  }

  async published(at: Date): Promise<SigningKeyRecord[]> {
    return this.keys
      .filter((k) => k.publishedUntil === null || Date.parse(k.publishedUntil) > at.getTime())
      .sort(byActivation)
      .map((k) => structuredClone(k));
  }

  async all(): Promise<SigningKeyRecord[]> {
    return this.keys
      .slice()
      .sort((a, b) => byActivation(b, a))
      .map((k) => structuredClone(k));
  }

  async unretired(): Promise<SigningKeyRecord[]> {
    return this.keys
      .filter((k) => k.retiresAt === null)
      .sort(byActivation)
      .map((k) => structuredClone(k));
  }

  async insert(_trx: unknown, key: SigningKeyRecord): Promise<void> {
    if (this.keys.some((k) => k.kid === key.kid)) throw new Error(`duplicate signing key ${key.kid}`);
    this.keys.push(structuredClone(key));
  }

  async retire(_trx: unknown, kid: string, retiresAt: string, publishedUntil: string): Promise<void> {
    const i = this.keys.findIndex((k) => k.kid === kid);
    if (i >= 0) this.keys[i] = { ...this.keys[i], retiresAt, publishedUntil };
  }
}
