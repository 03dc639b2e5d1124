import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from './config';

export interface Secrets {
  /** HMAC key that turns customer ids into pseudonyms (never stored in the clear). */
  readonly subjectIdKey: Buffer;
  /** AES-256 key that encrypts the token-signing keys at rest. */
  readonly keyEncryptionKey: Buffer;
}

const DEV_SECRETS_FILE = 'dev-secrets.json';

/**
 * Production takes both keys from the environment (config refuses to start without them);
 * development generates them once into DATA_DIR so restarts keep the same pseudonyms and keys.
 */
export function loadSecrets(config: Config): Secrets {
  if (config.subjectIdKey !== undefined && config.keyEncryptionKey !== undefined) {
    return {
      subjectIdKey: Buffer.from(config.subjectIdKey, 'utf8'),
      keyEncryptionKey: Buffer.from(config.keyEncryptionKey, 'base64'),
    };
  }
  const file = path.join(config.dataDir, DEV_SECRETS_FILE);
  const stored = readOrCreateJson(file, () => ({
    subjectIdKey: crypto.randomBytes(32).toString('base64'),
    keyEncryptionKey: crypto.randomBytes(32).toString('base64'),
  }));
  return {
    subjectIdKey: Buffer.from(config.subjectIdKey ?? String(stored.subjectIdKey), 'utf8'),
    keyEncryptionKey: Buffer.from(config.keyEncryptionKey ?? String(stored.keyEncryptionKey), 'base64'),
  };
}

/** Reads a JSON file written by this service, creating it (mode 0600) with `make()` when absent. */
export function readOrCreateJson(file: string, make: () => Record<string, unknown>): Record<string, unknown> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const value = make();
  fs.writeFileSync(file, JSON.stringify(value, null, 2), { mode: 0o600, flag: 'wx' });
  return value;
}
