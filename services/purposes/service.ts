import crypto from 'node:crypto';
import { grantsDependOn } from '../access-grants/grantability';
import type { AuditRecorder, ChangeContext } from '../audit';
import type { Transactor, Trx } from '../db';
import type { ChangePublisher } from '../platform/change-feed';
import { ConflictError, NotFoundError, ValidationError, isUniqueViolation } from '../shared/errors';
import { decodeCursor, pageFrom, type Page } from '../shared/schemas';
import { systemClock, type Clock } from '../platform/clock';
import type { CreatePurpose, LegalBasis, Purpose, PurposeStatus, UpdatePurpose } from './schemas';
import type { PurposeStoreType } from './store-type';

/** Change-feed topic, payload { key }: a purpose was created, changed or retired. */
export const PURPOSE_CHANGED = 'purpose.changed';

export class PurposeService {
  constructor(
    private readonly db: Transactor,
    private readonly store: PurposeStoreType,
    private readonly audit: AuditRecorder,
    private readonly changes: ChangePublisher,
    private readonly clock: Clock = systemClock,
  ) {}

  async create(ctx: ChangeContext, input: CreatePurpose): Promise<Purpose> {
    return this.changes.transaction(this.db, async (trx) => {
      if (await this.store.findByKey(input.key, trx)) throw purposeExists(input.key);
      const now = this.clock.now().toISOString();
      const purpose: Purpose = {
        id: crypto.randomUUID(),
        key: input.key,
        description: input.description,
        legalBasis: input.legalBasis,
        retentionDays: input.retentionDays,
        status: 'active',
        retiredAt: null,
        createdAt: now,
        updatedAt: now,
      };
      try {
        await this.store.insert(trx, purpose);
      } catch (err) {
        if (isUniqueViolation(err)) throw purposeExists(input.key);
        throw err;
      }
      await this.recordChange(trx, ctx, 'purpose.created', purpose.key, { after: purpose });
      return purpose;
    });
  }

  /**
   * Changes the description or the retention period. The legal basis never changes: notices were
   * published and consents given under it, so a different basis is a different purpose.
   */
  async update(ctx: ChangeContext, key: string, input: UpdatePurpose): Promise<Purpose> {
    return this.changes.transaction(this.db, async (trx) => {
      const before = await this.lockActive(trx, key);
      const after: Purpose = {
        ...before,
        description: input.description ?? before.description,
        retentionDays: input.retentionDays ?? before.retentionDays,
        updatedAt: this.clock.now().toISOString(),
      };
      await this.store.update(trx, after);
      await this.recordChange(trx, ctx, 'purpose.updated', key, { before, after });
      return after;
    });
  }

  /**
   * Retires a purpose for good: no new contract, grant, notice or consent may use it; history keeps
   * referring to it. Refused while approved grants that have not ended rest on it (revoke them first).
   */
  async retire(ctx: ChangeContext, key: string): Promise<Purpose> {
    return this.changes.transaction(this.db, async (trx) => {
      const before = await this.lockActive(trx, key);
      const now = this.clock.now().toISOString();
      const dependents = await this.store.grantsDependingOn(trx, key, now);
      if (dependents.length > 0) throw grantsDependOn(`The purpose ${key}`, dependents);
      const after: Purpose = { ...before, status: 'retired', retiredAt: now, updatedAt: now };
      await this.store.update(trx, after);
      await this.recordChange(trx, ctx, 'purpose.retired', key, { before, after });
      return after;
    });
  }

  async get(key: string): Promise<Purpose> {
    const purpose = await this.store.findByKey(key);
    if (!purpose) throw new NotFoundError(`No purpose ${key}`);
    return purpose;
  }

  /** The purpose, or undefined when there is none (for callers that answer "unknown" rather than 404). */
  find(key: string): Promise<Purpose | undefined> {
    return this.store.findByKey(key);
  }

  async list(filter: { legalBasis?: LegalBasis; status?: PurposeStatus; cursor?: string }, limit: number): Promise<Page<Purpose>> {
    const rows = await this.store.list({ ...filter, afterKey: decodeCursor(filter.cursor) }, limit + 1);
    return pageFrom(rows, limit, (last) => last.key);
  }

  /**
   * Inside the caller's transaction: throws a 400 naming the first key that does not exist or is
   * retired, and share-locks the rest so none can retire before the caller commits.
   */
  async requireActive(trx: Trx, keys: readonly string[], field: string): Promise<void> {
    const statuses = await this.store.lockStatuses(trx, keys);
    for (const key of keys) {
      const status = statuses.get(key);
      if (status === 'active') continue;
      const message = status === undefined ? `unknown purpose ${key}` : `purpose ${key} is retired`;
      throw ValidationError.field(field, message);
    }
  }

  private async lockActive(trx: Trx, key: string): Promise<Purpose> {
    const purpose = await this.store.lockByKey(trx, key);
    if (!purpose) throw new NotFoundError(`No purpose ${key}`);
    if (purpose.status === 'retired') throw new ConflictError('purpose_retired', `Purpose ${key} is retired and can no longer change`);
    return purpose;
  }

  private async recordChange(trx: Trx, ctx: ChangeContext, action: string, key: string, details: Record<string, unknown>): Promise<void> {
    await this.audit.record(trx, ctx, { action, objectType: 'purpose', objectId: key, details });
    await this.changes.publish(trx, PURPOSE_CHANGED, { key });
  }
}

const purposeExists = (key: string) => new ConflictError('purpose_exists', `A purpose with key ${key} already exists`);
