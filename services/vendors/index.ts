import type { Feature, FeatureDeps } from '../feature';
import type { ClientService } from '../oauth';
import type { PurposeService } from '../purposes';
import { vendorClientRoutes } from './client-routes';
import { VendorLifecycle } from './lifecycle';
import { vendorRoutes } from './routes';
import { VendorService } from './service';
import { VendorStore } from './store';

export { VENDOR_CHANGED, VendorService, type VendorClients } from './service';
export { VendorStore } from './store';
export { vendorRoutes } from './routes';
export { VendorLifecycle, type VendorLifecycleEvent, type VendorLifecycleHook } from './lifecycle';
export { isValidUnifiedSocialCreditCode } from './unified-social-credit-code';
export type { Vendor, VendorSnapshot, VendorStatus } from './schemas';
export { vendorClientRoutes } from './client-routes';

export interface VendorsFeature {
  readonly vendors: VendorService;
  /** Suspension, reinstatement and termination, heard inside their transaction by the features built after this one. */
  readonly vendorLifecycle: VendorLifecycle;
}

/** Outsourcing vendors, their contracts, their status, and their OAuth clients (disabled when the vendor is terminated). */
export function createVendorsFeature(
  { db, audit, changes, clock }: FeatureDeps,
  ports: { readonly purposes: PurposeService; readonly clients: ClientService },
): Feature<VendorsFeature> {
  const vendorLifecycle = new VendorLifecycle();
  const vendors = new VendorService(db, new VendorStore(db), audit, ports.purposes, changes, vendorLifecycle, ports.clients, clock);
  return {
    name: 'vendors',
    provides: { vendors, vendorLifecycle },
    routes: [...vendorRoutes(vendors), ...vendorClientRoutes(vendors, ports.clients)],
  };
}
