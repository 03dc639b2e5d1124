import crypto from 'node:crypto';
import { actorOf, type AuditRecorder, type ChangeContext } from '../audit';
import type { Transactor, Trx } from '../db';
import type { ChangePublisher } from '../platform/change-feed';
import { ConflictError, NotFoundError } from '../shared/errors';
import type { ApplyContainment, ContainmentRecord, ContainmentResult, ReleaseContainment } from './schemas';
import type { IncidentScopeStoreType, IncidentStoreType } from './store-type';
import { systemClock, type Clock } from '../platform/clock';

/** The vendor kill switch, as the vendor, grant and OAuth features offer it. */
export interface KillSwitch {
  /**
   * Suspends an active vendor inside the caller's transaction (with its audit event and lifecycle
   * hooks): true; false when it was already suspended or terminated. Throws NotFoundError for none.
   */
  suspendVendor(trx: Trx, ctx: ChangeContext, vendorId: string, reason: string): Promise<boolean>;
  /** Revokes every live grant of the vendor inside the caller's transaction; answers their ids. */
  revokeAllOfVendor(trx: Trx, ctx: ChangeContext, vendorId: string, reason: string): Promise<string[]>;
  /** Disables every active client of the vendor inside the caller's transaction; answers their ids. */
  disableVendorClients(trx: Trx, ctx: ChangeContext, vendorId: string): Promise<string[]>;
}

/**
 * Applies containment to an incident's implicated vendors and records what was done and when.
 * Suspensions, grant revocations, client disabling (each with its own audit event), the
 * containment record, the move to `contained` and the incident's audit event commit together, or
 * none of them does. Vendors already suspended or terminated count as contained.
 */
export class ContainmentService {
  constructor(
    private readonly db: Transactor,
    private readonly store: IncidentStoreType,
    private readonly audit: AuditRecorder,
    private readonly changes: ChangePublisher,
    private readonly killSwitch: KillSwitch,
    private readonly scope: Pick<IncidentScopeStoreType, 'holding' | 'release'>,
    private readonly clock: Clock = systemClock,
  ) {}

  /**
   * The handler's release: the vendors this incident's containments suspended (or found suspended)
   * are no longer held by it and may be reinstated. Audited; 409 when nothing is held or it is closed.
   */
  async release(ctx: ChangeContext, incidentId: string, input: ReleaseContainment): Promise<void> {
    await this.changes.transaction(this.db, async (trx) => {
      const current = await this.store.get(incidentId, trx, true);
      if (!current) throw new NotFoundError(`No incident ${incidentId}`);
      if (current.status === 'closed')
        throw new ConflictError('incident_closed', `Incident ${incidentId} is closed; its containment no longer holds any vendor`);
      const now = this.clock.now().toISOString();
      const released = await this.scope.release(trx, incidentId, { at: now, by: actorOf(ctx).actorId, reason: input.reason });
      if (released.length === 0)
        throw new ConflictError('containment_not_held', `No containment of incident ${incidentId} holds a vendor suspended`);
      current.updatedAt = now;
      await this.store.update(trx, current);
      await this.audit.record(trx, ctx, {
        action: 'incident.containment_released',
        objectType: 'incident',
        objectId: incidentId,
        details: { containments: released, vendors: current.vendors, reason: input.reason },
      });
    });
  }

  /**
   * Refuses (409) to reinstate a vendor that an open incident's containment still holds: a vendor
   * lifecycle hook, run inside the reinstatement's transaction.
   */
  async refuseReinstatementWhileHeld(trx: Trx, vendorId: string): Promise<void> {
    const holding = await this.scope.holding(trx, vendorId);
    if (holding.length === 0) return;
    throw new ConflictError(
      'vendor_held_by_containment',
      `Vendor ${vendorId} is held by the containment of incident ${holding.join(', ')}; the incident's handler must release it first (POST /v1/incidents/${holding[0]}/containment/release)`,
    );
  }

  async apply(ctx: ChangeContext, incidentId: string, input: ApplyContainment): Promise<ContainmentRecord> {
    const startedAt = this.clock.now().toISOString();
    return this.changes.transaction(this.db, async (trx) => {
      const current = await this.store.get(incidentId, trx, true);
      if (!current) throw new NotFoundError(`No incident ${incidentId}`);
      if (current.status === 'closed') throw new ConflictError('incident_closed', `Incident ${incidentId} is closed`);
      const acting = input.suspendVendors || input.revokeGrants || input.disableClients;
      if (acting && current.vendors.length === 0) {
        throw new ConflictError(
          'no_vendors_implicated',
          'The incident names no vendor; add the implicated vendors before applying the kill switch',
        );
      }
      const reason = `Containment of incident ${current.id}: ${current.title}`;
      const result: ContainmentResult = { suspendedVendors: [], vendorsAlreadyInactive: [], revokedGrants: [], disabledClients: [] };
      if (input.suspendVendors) {
        for (const vendorId of current.vendors) {
          const suspended = await this.suspend(trx, ctx, vendorId, reason);
          (suspended ? result.suspendedVendors : result.vendorsAlreadyInactive).push(vendorId);
        }
      }
      for (const vendorId of current.vendors) {
        if (input.revokeGrants) result.revokedGrants.push(...(await this.killSwitch.revokeAllOfVendor(trx, ctx, vendorId, reason)));
        if (input.disableClients) result.disabledClients.push(...(await this.killSwitch.disableVendorClients(trx, ctx, vendorId)));
      }
      const now = this.clock.now().toISOString();
      const record: ContainmentRecord = {
        id: crypto.randomUUID(),
        startedAt,
        at: now,
        by: actorOf(ctx).actorId,
        suspendVendors: input.suspendVendors,
        revokeGrants: input.revokeGrants,
        disableClients: input.disableClients,
        note: input.note ?? null,
        result,
        release: null,
      };
      await this.store.addContainment(trx, incidentId, record);
      const from = current.status;
      if (from === 'open') {
        current.status = 'contained';
        current.containedAt = now;
        await this.store.addHistory(trx, incidentId, { from, to: 'contained', note: input.note ?? null, actor: record.by, at: now });
      }
      current.updatedAt = now;
      await this.store.update(trx, current);
      await this.audit.record(trx, ctx, {
        action: 'incident.containment_applied',
        objectType: 'incident',
        objectId: incidentId,
        details: {
          containment: record.id,
          suspendVendors: record.suspendVendors,
          revokeGrants: record.revokeGrants,
          disableClients: record.disableClients,
          result,
          before: { status: from },
          after: { status: current.status },
        },
      });
      return record;
    });
  }

  /** True when this call suspended the vendor; false when it was already suspended or terminated. */
  private async suspend(trx: Trx, ctx: ChangeContext, vendorId: string, reason: string): Promise<boolean> {
    try {
      return await this.killSwitch.suspendVendor(trx, ctx, vendorId, reason);
    } catch (err) {
      if (err instanceof NotFoundError) throw new ConflictError('vendor_missing', `Implicated vendor ${vendorId} no longer exists`);
      throw err;
    }
  }
}
