export { AuditLog, actorOf, type AuditRecorder, type Change, type ChangeContext } from './service';
export {
  AuditChain,
  GroupCommit,
  type BatchWrites,
  type ChainStore,
  type GroupCommitOptions,
  type GroupCommitWrites,
  type LinkedBatch,
} from './commit';
export { type CheckpointSummary, type VerifyResult } from './verify';
export {
  CHECKPOINT_GENESIS,
  CHECKPOINT_TYPE,
  CheckpointKey,
  CheckpointRejected,
  checkpointDigest,
  type Checkpoint,
  type CheckpointPayload,
} from './checkpoint-key';
export { AuditCheckpointStore } from './checkpoint-store';
export { AuditCheckpoints, type AuditCheckpointsOptions } from './checkpoints';
export {
  AUDIT_CHAIN_LOCK,
  AuditStore,
  CHAIN_MOVED,
  CHAIN_SHORT,
  GENESIS_HASH,
  RETENTION_ACTION,
  hashEvent,
  monthStart,
  type AuditEvent,
  type AuditEventInput,
  type AuditStoreOptions,
  type ChainEnd,
} from './store';
export { AuditPartitionStore, type AuditMonth } from './partition-store';
export { AuditRetention, MIN_AUDIT_RETENTION_MONTHS, monthsBefore, type DetachedMonth } from './retention';
export { auditRoutes } from './routes';
