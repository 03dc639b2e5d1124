import crypto from 'node:crypto';
import { ClientSecretHasher } from '../../services/oauth/clients/client-secrets';
import { decryptPrivateKey, encryptPrivateKey } from '../../services/oauth/keys/key-encryption';

describe('client secrets', () => {
  const hasher = new ClientSecretHasher(crypto.randomBytes(32));

  it('generates 256-bit secrets, never the same twice', () => {
    const a = hasher.generate();
    expect(Buffer.from(a, 'base64url')).toHaveLength(32);
    expect(hasher.generate()).not.toBe(a);
  });

  it('verifies the secret against its keyed hash, and nothing else', () => {
    const secret = hasher.generate();
    const stored = hasher.hash(secret);
    expect(stored).not.toContain(secret);
    expect(hasher.verify(secret, stored)).toBe(true);
    expect(hasher.verify(`${secret}x`, stored)).toBe(false);
    expect(hasher.verify('', stored)).toBe(false);
  });

  it('depends on the server key: another key cannot confirm a secret from a stolen hash', () => {
    const secret = hasher.generate();
    expect(new ClientSecretHasher(crypto.randomBytes(32)).verify(secret, hasher.hash(secret))).toBe(false);
    expect(hasher.hash(secret)).not.toBe(`hmac-sha256-v1:${crypto.createHash('sha256').update(secret).digest('base64url')}`);
  });

  it.each([null, '', 'hmac-sha256-v1:', 'md5:abc', 'hmac-sha256-v1:AAAA'])('refuses a malformed stored hash %p', (stored) => {
    expect(hasher.verify('anything', stored)).toBe(false);
  });
});

describe('signing-key encryption at rest', () => {
  const kek = crypto.randomBytes(32);

  it('round-trips and never contains the plaintext', () => {
    const sealed = encryptPrivateKey(kek, 'kid-1', '{"d":"very-private"}');
    expect(sealed).not.toContain('very-private');
    expect(decryptPrivateKey(kek, 'kid-1', sealed)).toBe('{"d":"very-private"}');
  });

  it('uses a fresh nonce each time', () => {
    expect(encryptPrivateKey(kek, 'kid-1', 'x')).not.toBe(encryptPrivateKey(kek, 'kid-1', 'x'));
  });

  it('refuses a wrong key', () => {
    expect(() => decryptPrivateKey(crypto.randomBytes(32), 'kid-1', encryptPrivateKey(kek, 'kid-1', 'x'))).toThrow(/cannot be decrypted/);
  });

  it('refuses a ciphertext moved to another key id', () => {
    expect(() => decryptPrivateKey(kek, 'kid-2', encryptPrivateKey(kek, 'kid-1', 'x'))).toThrow(/cannot be decrypted/);
  });

  it('refuses a tampered ciphertext', () => {
    const [v, nonce, ct, tag] = encryptPrivateKey(kek, 'kid-1', 'secret material').split('.');
    const flipped = Buffer.from(ct, 'base64url');
    flipped[0] ^= 1;
    expect(() => decryptPrivateKey(kek, 'kid-1', [v, nonce, flipped.toString('base64url'), tag].join('.'))).toThrow(/cannot be decrypted/);
  });

  it('refuses a key that is not 32 bytes and an unreadable format', () => {
    expect(() => encryptPrivateKey(Buffer.alloc(16), 'k', 'x')).toThrow(/32 bytes/);
    expect(() => decryptPrivateKey(kek, 'k', 'v0.a.b.c')).toThrow(/unreadable/);
  });
});
