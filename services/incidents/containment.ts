import crypto from 'node:crypto';
import { actorOf, type AuditLog, type ChangeContext } from '../audit';
import type { Db, Trx } from '../db';
import type { ChangeFeed } from '../shared/change-feed';
import { ConflictError, NotFoundError, ProblemError } from '../shared/errors';
import type { ApplyContainment, ContainmentRecord, ContainmentResult } from './schemas';
import type { IncidentStore } from './store';

/** The vendor kill switch, as the vendor, grant and OAuth features offer it. */
export interface KillSwitch {
  vendorStatus(vendorId: string): Promise<'active' | 'suspended' | 'terminated' | undefined>;
  /** Suspends in the vendor feature's own transaction (with its audit event and lifecycle hooks). */
  suspendVendor(ctx: ChangeContext, vendorId: string, reason: string): Promise<void>;
  /** Revokes every live grant of the vendor inside the caller's transaction; answers their ids. */
  revokeAllOfVendor(trx: Trx, ctx: ChangeContext, vendorId: string, reason: string): Promise<string[]>;
  /** Disables every active client of the vendor inside the caller's transaction; answers their ids. */
  disableVendorClients(trx: Trx, ctx: ChangeContext, vendorId: string): Promise<string[]>;
}

const ALREADY_INACTIVE = new Set(['vendor_already_suspended', 'vendor_terminated']);

/**
 * Applies containment to an incident's implicated vendors and records what was done and when.
 * Suspensions go through the vendor feature (its own transaction: the only way it offers); then
 * grant revocations, client disabling, the containment record, the move to `contained` and the
 * audit event commit together. A failure after a suspension leaves the vendor suspended (the safe
 * side) and the containment can simply be applied again: suspended vendors count as done.
 */
export class ContainmentService {
  constructor(
    private readonly db: Db,
    private readonly store: IncidentStore,
    private readonly audit: AuditLog,
    private readonly changes: ChangeFeed,
    private readonly killSwitch: KillSwitch,
  ) {}

  async apply(ctx: ChangeContext, incidentId: string, input: ApplyContainment): Promise<ContainmentRecord> {
    const startedAt = new Date().toISOString();
    const incident = await this.store.get(incidentId);
    if (!incident) throw new NotFoundError(`No incident ${incidentId}`);
    if (incident.status === 'closed') throw new ConflictError('incident_closed', `Incident ${incidentId} is closed`);
    const acting = input.suspendVendors || input.revokeGrants || input.disableClients;
    if (acting && incident.vendors.length === 0) {
      throw new ConflictError('no_vendors_implicated', 'The incident names no vendor; add the implicated vendors before applying the kill switch');
    }
    const reason = `Containment of incident ${incident.id}: ${incident.title}`;
    const suspended: string[] = [];
    const alreadyInactive: string[] = [];
    if (input.suspendVendors) {
      for (const vendorId of incident.vendors) {
        if (await this.suspend(ctx, vendorId, reason)) suspended.push(vendorId);
        else alreadyInactive.push(vendorId);
      }
    }
    return this.changes.transaction(this.db, async (trx) => {
      const current = await this.store.get(incidentId, trx, true);
      if (!current) throw new NotFoundError(`No incident ${incidentId}`);
      if (current.status === 'closed') throw new ConflictError('incident_closed', `Incident ${incidentId} is closed`);
      const result: ContainmentResult = { suspendedVendors: suspended, vendorsAlreadyInactive: alreadyInactive, revokedGrants: [], disabledClients: [] };
      for (const vendorId of current.vendors) {
        if (input.revokeGrants) result.revokedGrants.push(...(await this.killSwitch.revokeAllOfVendor(trx, ctx, vendorId, reason)));
        if (input.disableClients) result.disabledClients.push(...(await this.killSwitch.disableVendorClients(trx, ctx, vendorId)));
      }
      const now = new Date().toISOString();
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
  private async suspend(ctx: ChangeContext, vendorId: string, reason: string): Promise<boolean> {
    const status = await this.killSwitch.vendorStatus(vendorId);
    if (status === undefined) throw new ConflictError('vendor_missing', `Implicated vendor ${vendorId} no longer exists`);
    if (status !== 'active') return false;
    try {
      await this.killSwitch.suspendVendor(ctx, vendorId, reason);
      return true;
    } catch (err) {
      // Someone else suspended or terminated it in between: the vendor is contained either way.
      if (err instanceof ProblemError && ALREADY_INACTIVE.has(err.code)) return false;
      throw err;
    }
  }
}
