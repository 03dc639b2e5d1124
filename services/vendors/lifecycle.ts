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
