import type { Feature, Platform } from '../feature';
import { every } from '../platform/every';
import { IdempotencyService } from './service';
import { IdempotencyStore } from './store';

export { IdempotencyService, IDEMPOTENCY_HEADER, IDEMPOTENCY_KEY_TTL_HOURS, REPLAYED_HEADER, parseIdempotencyKey } from './service';
export { SecretAlreadyShownError } from './service';
export { IdempotencyStore } from './store';
export { IdempotencyKeyTaken, IdempotentRequest, type EarlierRequest } from './request';

const PURGE_INTERVAL_MS = 3_600_000;

/** Idempotency-Key on POST requests by staff and clients (the router uses it); keys past their 24 hours are purged hourly. */
export function createIdempotencyFeature({ db, logger, secrets, clock }: Platform): Feature<{ idempotency: IdempotencyService }> {
  const idempotency = new IdempotencyService(new IdempotencyStore(db, clock), secrets.keyEncryptionKey, clock, logger);
  let purge: { stop(): void } | undefined;
  return {
    name: 'idempotency',
    provides: { idempotency },
    async start() {
      purge = every(PURGE_INTERVAL_MS, logger, 'idempotency key purge', () => idempotency.purge());
    },
    async stop() {
      purge?.stop();
    },
  };
}
