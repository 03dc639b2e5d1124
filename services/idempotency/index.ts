export { IdempotencyService, IDEMPOTENCY_HEADER, IDEMPOTENCY_KEY_TTL_HOURS, REPLAYED_HEADER, parseIdempotencyKey } from './service';
export { SecretAlreadyShownError } from './service';
export { IdempotencyStore } from './store';
export { IdempotencyKeyTaken, IdempotentRequest, type EarlierRequest } from './request';
