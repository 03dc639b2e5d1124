import crypto from 'node:crypto';

const HASH_VERSION = 'hmac-sha256-v1';

/**
 * Client secrets are 256 random bits, so a slow password KDF adds no protection (there is nothing
 * to guess) while costing tens of milliseconds per token request. We store HMAC-SHA-256 of the
 * secret under a key derived from the key-encryption key: a copy of the database alone cannot
 * even confirm a secret. Comparisons are constant-time.
 */
export class ClientSecretHasher {
  private readonly key: Buffer;

  constructor(keyEncryptionKey: Buffer) {
    this.key = Buffer.from(crypto.hkdfSync('sha256', keyEncryptionKey, Buffer.alloc(0), 'oauth-client-secret-hmac', 32));
  }

  /** A new secret: 32 random bytes, base64url (43 characters). */
  generate(): string {
    return crypto.randomBytes(32).toString('base64url');
  }

  hash(secret: string): string {
    return `${HASH_VERSION}:${this.mac(secret).toString('base64url')}`;
  }

  /** Constant-time check of `secret` against a stored hash; false for anything malformed. */
  verify(secret: string, stored: string | null): boolean {
    if (stored === null) return false;
    const [version, encoded] = stored.split(':');
    if (version !== HASH_VERSION || encoded === undefined) return false;
    const expected = Buffer.from(encoded, 'base64url');
    const actual = this.mac(secret);
    return expected.length === actual.length && crypto.timingSafeEqual(expected, actual);
  }

  private mac(secret: string): Buffer {
    return crypto.createHmac('sha256', this.key).update(secret, 'utf8').digest();
  }
}
