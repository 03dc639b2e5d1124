export { AuditLog, actorOf, type Change, type ChangeContext, type VerifyResult } from './service';
export { AuditStore, GENESIS_HASH, RETENTION_ACTION, hashEvent, monthStart, type AuditEvent, type AuditEventInput, type AuditStoreOptions } from './store';
export { AuditPartitionStore, type AuditMonth } from './partition-store';
export { AuditRetention, MIN_AUDIT_RETENTION_MONTHS, monthsBefore, type DetachedMonth } from './retention';
export { auditRoutes } from './routes';
