// The durable-commit module: every audit event reaches the chain through here.
export { AuditChain, type ChainStore, type LinkedBatch } from './chain';
export { commitBatch, sendLinked, type BatchWrites } from './batch';
export { GroupCommit, type GroupCommitOptions, type GroupCommitWrites } from './group-commit';
