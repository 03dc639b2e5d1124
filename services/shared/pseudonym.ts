import crypto from 'node:crypto';

/**
 * A customer identifier as the service keeps it: HMAC-SHA-256 under SUBJECT_ID_KEY, hex.
 * The same id always gives the same pseudonym (so lookups work); without the key it cannot be reversed.
 */
export function pseudonymize(key: Buffer, customerId: string): string {
  return crypto.createHmac('sha256', key).update(customerId, 'utf8').digest('hex');
}
