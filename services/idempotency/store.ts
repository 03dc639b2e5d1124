import type { Db, Trx } from '../db';
import type { Clock } from '../platform/clock';
import type { ClaimWriter, IdempotencyClaim } from './request';

/** A key as stored: the claim, the change it belongs to and, once sent, the sealed response. */
export interface StoredIdempotencyKey {
  readonly requestHash: string;
  readonly auditEventId: string;
  readonly createdAt: string;
  /** Sealed (see IdempotencyService); null when the process stopped between the commit and storing it. */
  readonly response: string | null;
}

interface KeyRow {
  request_hash: string;
  audit_event_id: string;
  created_at: string;
  response: string | null;
}

export class IdempotencyStore implements ClaimWriter {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** Inserts in the change's transaction; waits for a concurrent holder of the key, false if it committed. */
  async insert(trx: Trx, claim: IdempotencyClaim, auditEventId: string): Promise<boolean> {
    const rows = (await trx('idempotency_keys')
      .insert({
        actor_type: claim.actorType,
        actor_id: claim.actorId,
        key: claim.key,
        request_hash: claim.requestHash,
        method: claim.method,
        path: claim.path,
        audit_event_id: auditEventId,
        created_at: this.clock.now().toISOString(),
      })
      .onConflict(['actor_type', 'actor_id', 'key'])
      .ignore()
      .returning('key')) as Array<{ key: string }>;
    return rows.length === 1;
  }

  async find(claim: Pick<IdempotencyClaim, 'actorType' | 'actorId' | 'key'>): Promise<StoredIdempotencyKey | undefined> {
    const row = (await this.db('idempotency_keys')
      .where({ actor_type: claim.actorType, actor_id: claim.actorId, key: claim.key })
      .first('request_hash', 'audit_event_id', 'created_at', 'response')) as KeyRow | undefined;
    return row && { requestHash: row.request_hash, auditEventId: row.audit_event_id, createdAt: row.created_at, response: row.response };
  }

  async saveResponse(claim: IdempotencyClaim, sealed: string): Promise<void> {
    await this.db('idempotency_keys')
      .where({ actor_type: claim.actorType, actor_id: claim.actorId, key: claim.key })
      .update({ response: sealed, completed_at: this.clock.now().toISOString() });
  }

  /** Forgets keys older than `before`; returns how many. */
  async purge(before: Date): Promise<number> {
    const rows = (await this.db('idempotency_keys').where('created_at', '<', before.toISOString()).delete().returning('key')) as unknown[];
    return rows.length;
  }
}
