import crypto from 'node:crypto';

const VERSION = 'v1';

/**
 * Encrypts private key material at rest with AES-256-GCM under the key-encryption key. The
 * additional data binds the ciphertext to its key id, so a row cannot be swapped for another's.
 * Format: v1.<nonce>.<ciphertext>.<tag>, each part base64url.
 */
export function encryptPrivateKey(kek: Buffer, kid: string, plaintext: string): string {
  assertKek(kek);
  const nonce = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', kek, nonce);
  cipher.setAAD(additionalData(kid));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [VERSION, nonce, ciphertext, cipher.getAuthTag()].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
}

/** Decrypts what `encryptPrivateKey` wrote; throws when the key, the kid or the ciphertext is wrong. */
export function decryptPrivateKey(kek: Buffer, kid: string, sealed: string): string {
  assertKek(kek);
  const [version, nonce, ciphertext, tag] = sealed.split('.');
  if (version !== VERSION || !nonce || ciphertext === undefined || !tag) throw new Error(`signing key ${kid}: unreadable ciphertext`);
  const decipher = crypto.createDecipheriv('aes-256-gcm', kek, Buffer.from(nonce, 'base64url'));
  decipher.setAAD(additionalData(kid));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  try {
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    throw new Error(`signing key ${kid}: cannot be decrypted with this KEY_ENCRYPTION_KEY`);
  }
}

const additionalData = (kid: string) => Buffer.from(`oauth-signing-key:${kid}`, 'utf8');

function assertKek(kek: Buffer): void {
  if (kek.length !== 32) throw new Error('The key-encryption key must be 32 bytes');
}
