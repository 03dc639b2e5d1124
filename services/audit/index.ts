export { AuditLog, actorOf, type Change, type ChangeContext, type VerifyResult } from './service';
export { AUDIT_CHAIN_LOCK, AuditStore, CHAIN_MOVED, CHAIN_SHORT, GENESIS_HASH, RETENTION_ACTION, hashEvent, monthStart, type AuditEvent, type AuditEventInput, type AuditStoreOptions, type LinkedBatch } from './store';
export { AuditPartitionStore, type AuditMonth } from './partition-store';
export { AuditRetention, MIN_AUDIT_RETENTION_MONTHS, monthsBefore, type DetachedMonth } from './retention';
export { auditRoutes } from './routes';
