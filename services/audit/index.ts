import type { Feature, Platform } from '../feature';
import { every } from '../platform/every';
import { CheckpointKey } from './checkpoint-key';
import { AuditCheckpointStore } from './checkpoint-store';
import { AuditCheckpoints } from './checkpoints';
import { AuditPartitionStore } from './partition-store';
import { AuditRetention } from './retention';
import { auditRoutes } from './routes';
import { AuditLog } from './service';
import { AuditStore } from './store';

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

const HOUSEKEEPING_INTERVAL_MS = 3_600_000;

export interface AuditFeature {
  readonly audit: AuditLog;
  /** Signed checkpoints of the audit chain head, made every AUDIT_CHECKPOINT_INTERVAL_S while the chain moves. */
  readonly auditCheckpoints: AuditCheckpoints;
  /** Monthly audit partitions: created ahead, detached after AUDIT_RETENTION_MONTHS (hourly housekeeping). */
  readonly auditRetention: AuditRetention;
}

/** The audit log every later feature records into, its checkpoints, its monthly partitions and its routes. */
export function createAuditFeature({ config, db, logger, secrets, clock }: Platform): Feature<AuditFeature> {
  const store = new AuditStore(db, { now: () => clock.now() });
  const checkpointKey = CheckpointKey.fromSeed(secrets.auditCheckpointKey);
  const intervalSeconds = config.auditCheckpointIntervalSeconds;
  const auditCheckpoints = new AuditCheckpoints(db, new AuditCheckpointStore(db), checkpointKey, {
    intervalSeconds,
    now: () => clock.now(),
    logger,
  });
  const audit = new AuditLog(store, auditCheckpoints);
  const auditRetention = new AuditRetention(db, new AuditPartitionStore(db), store, audit, config.auditRetentionMonths, logger, clock);
  let housekeeping: { stop(): void } | undefined;
  return {
    name: 'audit',
    provides: { audit, auditCheckpoints, auditRetention },
    routes: auditRoutes(audit, auditCheckpoints),
    async start() {
      // This month's and next month's audit partitions exist before anything is recorded.
      await auditRetention.ensureAhead();
      // Hourly: audit months ahead and past retention.
      housekeeping = every(HOUSEKEEPING_INTERVAL_MS, logger, 'audit housekeeping', () =>
        auditRetention.ensureAhead().then(() => auditRetention.detachExpired()),
      );
      auditCheckpoints.start();
    },
    async stop() {
      housekeeping?.stop();
      await auditCheckpoints.stop();
    },
  };
}
