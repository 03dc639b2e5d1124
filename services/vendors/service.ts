import crypto from 'node:crypto';
import { actorOf, type AuditRecorder, type ChangeContext } from '../audit';
import type { Transactor, Trx } from '../db';
import type { PurposeService } from '../purposes';
import type { ChangePublisher } from '../platform/change-feed';
import { ConflictError, NotFoundError, ValidationError, isUniqueViolation } from '../shared/errors';
import { decodeCursor, decodeNumericCursor, pageFrom, type Page } from '../shared/schemas';
import { systemClock, type Clock } from '../platform/clock';
import { nextStatus, vendorTerminated, type VendorLifecycle, type VendorLifecycleEvent } from './lifecycle';
import type {
  CreateVendor,
  SecurityAssessment,
  UpdateVendor,
  Vendor,
  VendorSnapshot,
  VendorStatus,
  VendorStatusHistoryEntry,
} from './schemas';
import type { VendorStoreType } from './store-type';

/**
 * Change-feed topic, payload { vendorId }: a vendor was created or changed (contract, status…).
 * Whoever keeps vendors in memory reloads that vendor with `loadOne`.
 */
export const VENDOR_CHANGED = 'vendor.changed';

/** The vendor's OAuth clients (the authorization server's clients feature). */
export interface VendorClients {
  disableVendorClients(trx: Trx, ctx: ChangeContext, vendorId: string): Promise<unknown>;
}

const PURPOSES_FIELD = 'body.contract.purposes';
const ASSESSED_AT_FIELD = 'body.securityAssessment.assessedAt';

export class VendorService {
  constructor(
    private readonly db: Transactor,
    private readonly store: VendorStoreType,
    private readonly audit: AuditRecorder,
    private readonly purposes: Pick<PurposeService, 'requireActive'>,
    private readonly changes: ChangePublisher,
    /** Where later features hear of status changes, inside the change's transaction. */
    private readonly lifecycle: VendorLifecycle,
    /** A terminated vendor's OAuth clients are disabled with it. */
    private readonly clients: VendorClients,
    private readonly clock: Clock = systemClock,
  ) {}

  async create(ctx: ChangeContext, input: CreateVendor): Promise<Vendor> {
    this.requireAssessmentNotInFuture(input.securityAssessment);
    return this.changes.transaction(this.db, async (trx) => {
      await this.requireUnique(trx, input);
      await this.purposes.requireActive(trx, input.contract.purposes, PURPOSES_FIELD);
      const now = this.clock.now().toISOString();
      const actor = actorOf(ctx).actorId;
      const vendor: Vendor = {
        id: crypto.randomUUID(),
        name: input.name,
        unifiedSocialCreditCode: input.unifiedSocialCreditCode ?? null,
        contacts: input.contacts,
        contract: {
          reference: input.contract.reference,
          startsAt: utc(input.contract.startsAt),
          endsAt: utc(input.contract.endsAt),
          purposes: [...input.contract.purposes].sort(),
        },
        securityAssessment: input.securityAssessment ?? null,
        status: 'active',
        statusReason: null,
        statusChangedAt: now,
        statusChangedBy: actor,
        createdAt: now,
        updatedAt: now,
      };
      try {
        await this.store.insert(trx, vendor);
      } catch (err) {
        if (isUniqueViolation(err))
          throw new ConflictError('vendor_exists', 'A vendor with this name or unified social credit code already exists');
        throw err;
      }
      await this.store.appendHistory(trx, vendor.id, { from: null, to: 'active', reason: null, actor, at: now });
      await this.recordChange(trx, ctx, 'vendor.created', vendor.id, { after: auditView(vendor) });
      return vendor;
    });
  }

  /** Changes contacts, the security assessment, or the contract's reference, end (later only) and purposes. */
  async update(ctx: ChangeContext, id: string, input: UpdateVendor): Promise<Vendor> {
    this.requireAssessmentNotInFuture(input.securityAssessment);
    return this.changes.transaction(this.db, async (trx) => {
      const before = await this.lock(trx, id);
      if (before.status === 'terminated') throw vendorTerminated(id);
      const contract = {
        ...before.contract,
        reference: input.contract?.reference ?? before.contract.reference,
        endsAt: input.contract?.endsAt ? utc(input.contract.endsAt) : before.contract.endsAt,
      };
      if (Date.parse(contract.endsAt) < Date.parse(before.contract.endsAt)) {
        throw new ConflictError(
          'contract_end_not_extended',
          `The contract ends at ${before.contract.endsAt}; it can be extended, not shortened (suspend or terminate the vendor instead)`,
        );
      }
      if (input.contract?.purposes) {
        const added = input.contract.purposes.filter((key) => !before.contract.purposes.includes(key));
        await this.purposes.requireActive(trx, added, PURPOSES_FIELD);
        contract.purposes = [...input.contract.purposes].sort();
      }
      const after: Vendor = {
        ...before,
        contacts: input.contacts ?? before.contacts,
        securityAssessment: input.securityAssessment ?? before.securityAssessment,
        contract,
        updatedAt: this.clock.now().toISOString(),
      };
      await this.store.update(trx, after);
      if (input.contract?.purposes) await this.store.replacePurposes(trx, id, after.contract.purposes);
      await this.recordChange(trx, ctx, 'vendor.updated', id, { before: auditView(before), after: auditView(after) });
      return after;
    });
  }

  suspend(ctx: ChangeContext, id: string, reason: string): Promise<Vendor> {
    return this.changeStatus(ctx, id, 'suspended', reason);
  }

  reinstate(ctx: ChangeContext, id: string, reason: string): Promise<Vendor> {
    return this.changeStatus(ctx, id, 'reinstated', reason);
  }

  terminate(ctx: ChangeContext, id: string, reason: string): Promise<Vendor> {
    return this.changeStatus(ctx, id, 'terminated', reason);
  }

  /**
   * The incident kill switch, inside the caller's transaction: suspends the vendor when it is
   * active (true), leaves a suspended or terminated one as it is (false). Same row, history, audit
   * event, hooks and notice as `suspend`.
   */
  async suspendIfActive(trx: Trx, ctx: ChangeContext, id: string, reason: string): Promise<boolean> {
    const before = await this.lock(trx, id);
    if (before.status !== 'active') return false;
    await this.applyStatus(trx, ctx, before, 'suspended', reason);
    return true;
  }

  /** One status change: the row, its history, its audit event, every hook and the notice commit together. */
  private async changeStatus(ctx: ChangeContext, id: string, event: VendorLifecycleEvent, reason: string): Promise<Vendor> {
    return this.changes.transaction(this.db, async (trx) => this.applyStatus(trx, ctx, await this.lock(trx, id), event, reason));
  }

  private async applyStatus(trx: Trx, ctx: ChangeContext, before: Vendor, event: VendorLifecycleEvent, reason: string): Promise<Vendor> {
    const id = before.id;
    const to = nextStatus(before, event);
    const now = this.clock.now().toISOString();
    const actor = actorOf(ctx).actorId;
    const after: Vendor = { ...before, status: to, statusReason: reason, statusChangedAt: now, statusChangedBy: actor, updatedAt: now };
    await this.store.update(trx, after);
    await this.store.appendHistory(trx, id, { from: before.status, to, reason, actor, at: now });
    await this.audit.record(trx, ctx, {
      action: `vendor.${event}`,
      objectType: 'vendor',
      objectId: id,
      details: { before: { status: before.status }, after: { status: to }, reason },
    });
    await this.lifecycle.emit(trx, ctx, after, event);
    if (event === 'terminated') await this.clients.disableVendorClients(trx, ctx, id);
    await this.changes.publish(trx, VENDOR_CHANGED, { vendorId: id });
    return after;
  }

  async get(id: string): Promise<Vendor> {
    const vendor = await this.store.findById(id);
    if (!vendor) throw new NotFoundError(`No vendor ${id}`);
    return vendor;
  }

  async list(filter: { status?: VendorStatus; purpose?: string; cursor?: string }, limit: number): Promise<Page<Vendor>> {
    const rows = await this.store.list(
      { status: filter.status, purpose: filter.purpose, after: decodeVendorCursor(filter.cursor) },
      limit + 1,
    );
    return pageFrom(rows, limit, (last) => `${last.createdAt}_${last.id}`);
  }

  async statusHistory(id: string, cursor: string | undefined, limit: number): Promise<Page<VendorStatusHistoryEntry>> {
    await this.get(id);
    return pageFrom(await this.store.history(id, decodeNumericCursor(cursor), limit + 1), limit, (last) => last.id);
  }

  /** Every vendor's status, contract window and contract purposes, for an in-memory snapshot. */
  loadAll(): Promise<VendorSnapshot[]> {
    return this.store.snapshots();
  }

  /** One vendor's snapshot (reload it on VENDOR_CHANGED), or undefined when there is no such vendor. */
  async loadOne(id: string): Promise<VendorSnapshot | undefined> {
    const [snapshot] = await this.store.snapshots(id);
    return snapshot;
  }

  private async lock(trx: Trx, id: string): Promise<Vendor> {
    const vendor = await this.store.lockById(trx, id);
    if (!vendor) throw new NotFoundError(`No vendor ${id}`);
    return vendor;
  }

  /** An assessment is dated today at the latest (the service's day, UTC): before anything else is checked. */
  private requireAssessmentNotInFuture(assessment: SecurityAssessment | undefined): void {
    if (assessment === undefined || assessment.assessedAt <= this.clock.now().toISOString().slice(0, 10)) return;
    throw ValidationError.field(ASSESSED_AT_FIELD, 'an assessment cannot be dated in the future');
  }

  private async requireUnique(trx: Trx, input: CreateVendor): Promise<void> {
    if (await this.store.findIdByName(trx, input.name)) {
      throw new ConflictError('vendor_exists', `A vendor named ${input.name} already exists`);
    }
    const code = input.unifiedSocialCreditCode;
    if (code && (await this.store.findIdByCreditCode(trx, code))) {
      throw new ConflictError('vendor_exists', `A vendor with unified social credit code ${code} already exists`);
    }
  }

  private async recordChange(trx: Trx, ctx: ChangeContext, action: string, id: string, details: Record<string, unknown>): Promise<void> {
    await this.audit.record(trx, ctx, { action, objectType: 'vendor', objectId: id, details });
    await this.changes.publish(trx, VENDOR_CHANGED, { vendorId: id });
  }
}

/** Timestamps are kept and shown in UTC, whatever offset they arrived with. */
const utc = (timestamp: string): string => new Date(timestamp).toISOString();

/**
 * The vendor as the audit log keeps it: contacts are a vendor's employees' personal information and
 * the log can never be erased, so it records how many there are, not who they are.
 */
function auditView(vendor: Vendor): Record<string, unknown> {
  const { contacts, ...rest } = vendor;
  return { ...rest, contactCount: contacts.length };
}

function decodeVendorCursor(cursor: string | undefined): { createdAt: string; id: string } | undefined {
  const decoded = decodeCursor(cursor);
  if (decoded === undefined) return undefined;
  const [createdAt, id, extra] = decoded.split('_');
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
  const iso = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$/;
  if (extra !== undefined || !id || !uuid.test(id) || !iso.test(createdAt) || Number.isNaN(Date.parse(createdAt))) {
    throw new ValidationError('query.cursor: not a cursor this service issued', [{ path: 'query.cursor', message: 'invalid cursor' }]);
  }
  return { createdAt, id };
}
