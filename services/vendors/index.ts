export { VENDOR_CHANGED, VendorService } from './service';
export { VendorStore } from './store';
export { vendorRoutes } from './routes';
export type { VendorLifecycleEvent, VendorLifecycleHook } from './lifecycle';
export { isValidUnifiedSocialCreditCode } from './unified-social-credit-code';
export type { Vendor, VendorSnapshot, VendorStatus } from './schemas';
export { vendorClientRoutes } from './client-routes';
