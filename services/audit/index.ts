export { AuditLog, actorOf, type Change, type ChangeContext, type VerifyResult } from './service';
export { AuditStore, GENESIS_HASH, hashEvent, type AuditEvent, type AuditEventInput } from './store';
export { auditRoutes } from './routes';
