import type { ChangeContext } from '../audit';
import type { Trx } from '../db';
import { ConflictError } from '../shared/errors';
import type { Vendor, VendorStatus } from './schemas';

/** What happened to a vendor, as lifecycle hooks see it. */
export type VendorLifecycleEvent = 'suspended' | 'reinstated' | 'terminated';

/**
 * Runs inside the status change's transaction, after the vendor row has changed (`vendor` is the
 * new state): revoke grants, disable OAuth clients… A hook that throws rolls the change back.
 */
export type VendorLifecycleHook = (trx: Trx, ctx: ChangeContext, vendor: Vendor, to: VendorLifecycleEvent) => Promise<void>;

/**
 * Vendor status changes as in-transaction events: a later feature that must act on them (revoke the
 * vendor's grants, hold a reinstatement while an incident contains the vendor) subscribes when it
 * is built. Handlers run in the order they subscribed.
 */
export class VendorLifecycle {
  private readonly handlers: VendorLifecycleHook[];

  constructor(handlers: readonly VendorLifecycleHook[] = []) {
    this.handlers = [...handlers];
  }

  /** Runs `handler` inside every suspension, reinstatement and termination. */
  subscribe(handler: VendorLifecycleHook): void {
    this.handlers.push(handler);
  }

  /** Runs `handler` inside every change of one kind (e.g. every termination). */
  on(to: VendorLifecycleEvent, handler: (trx: Trx, ctx: ChangeContext, vendor: Vendor) => Promise<unknown>): void {
    this.subscribe(async (trx, ctx, vendor, event) => {
      if (event === to) await handler(trx, ctx, vendor);
    });
  }

  async emit(trx: Trx, ctx: ChangeContext, vendor: Vendor, to: VendorLifecycleEvent): Promise<void> {
    for (const handler of this.handlers) await handler(trx, ctx, vendor, to);
  }
}

const TARGET: Record<VendorLifecycleEvent, VendorStatus> = { suspended: 'suspended', reinstated: 'active', terminated: 'terminated' };

/**
 * The status a vendor moves to, or a 409 naming why it cannot:
 * active ⇄ suspended (suspend / reinstate), active | suspended → terminated (for good).
 */
export function nextStatus(vendor: Pick<Vendor, 'id' | 'status'>, event: VendorLifecycleEvent): VendorStatus {
  if (vendor.status === 'terminated') throw vendorTerminated(vendor.id);
  if (event === 'suspended' && vendor.status === 'suspended') {
    throw new ConflictError('vendor_already_suspended', `Vendor ${vendor.id} is already suspended`);
  }
  if (event === 'reinstated' && vendor.status !== 'suspended') {
    throw new ConflictError('vendor_not_suspended', `Vendor ${vendor.id} is ${vendor.status}; only a suspended vendor can be reinstated`);
  }
  return TARGET[event];
}

export const vendorTerminated = (id: string) =>
  new ConflictError('vendor_terminated', `Vendor ${id} is terminated; a terminated vendor cannot change`);
