import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from './config';

export interface Secrets {
  /** HMAC key that turns customer ids into pseudonyms (never stored in the clear). */
  readonly subjectIdKey: Buffer;
  /** AES-256 key that encrypts the token-signing keys at rest. */
  readonly keyEncryptionKey: Buffer;
  /** Ed25519 seed that signs the audit chain's checkpoints: kept out of the database they anchor. */
  readonly auditCheckpointKey: Buffer;
}

const DEV_SECRETS_FILE = 'dev-secrets.json';
const DEV_AUDIT_CHECKPOINT_KEY_FILE = 'dev-audit-checkpoint-key.json';

/**
 * Production takes every key from the environment (config refuses to start without them);
 * development generates them once into DATA_DIR so restarts keep the same pseudonyms and keys.
 */
export function loadSecrets(config: Config): Secrets {
  return { ...loadDataKeys(config), auditCheckpointKey: loadAuditCheckpointKey(config) };
}

/** The checkpoint signing key: AUDIT_CHECKPOINT_KEY (required in production), else one generated into DATA_DIR. */
export function loadAuditCheckpointKey(config: Config): Buffer {
  if (config.auditCheckpointKey !== undefined) return Buffer.from(config.auditCheckpointKey, 'base64');
  const stored = readOrCreateJson(path.join(config.dataDir, DEV_AUDIT_CHECKPOINT_KEY_FILE), () => ({
    auditCheckpointKey: crypto.randomBytes(32).toString('base64'),
  }));
  return Buffer.from(String(stored.auditCheckpointKey), 'base64');
}

function loadDataKeys(config: Config): Omit<Secrets, 'auditCheckpointKey'> {
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
  try {
    fs.writeFileSync(file, JSON.stringify(value, null, 2), { mode: 0o600, flag: 'wx' });
  } catch (err) {
    // Another process sharing DATA_DIR wrote it first: use theirs.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    throw err;
  }
  return value;
}
