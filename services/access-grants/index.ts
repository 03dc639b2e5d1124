import type { StaffAuthorizer } from '../authz';
import type { DataAssetService } from '../data-assets';
import type { Feature, FeatureDeps } from '../feature';
import type { PurposeService } from '../purposes';
import type { VendorLifecycle, VendorService } from '../vendors';
import { accessGrantRoutes } from './routes';
import { AccessGrantService, type GrantDirectory } from './service';
import { AccessGrantStore } from './store';

export { AccessGrantService, ACCESS_GRANTS_CHANGED, effectiveStatus, type GrantDirectory } from './service';
export { AccessGrantStore, grantLines, type GrantRecord, type GrantTerms, type RetiredSubjects } from './store';
export { accessGrantRoutes } from './routes';
export type { AccessGrant, RowScope } from './schemas';

export interface AccessGrantsFeature {
  readonly accessGrants: AccessGrantService;
  /** The vendors, assets and purposes grants name. */
  readonly grantDirectory: GrantDirectory;
  /** The grants as stored: what the in-memory vendor access view loads, and where decisions count their use. */
  readonly grantRecords: AccessGrantStore;
}

export interface AccessGrantsPorts {
  readonly staffAuthorizer: StaffAuthorizer;
  readonly vendors: VendorService;
  readonly vendorLifecycle: VendorLifecycle;
  readonly dataAssets: DataAssetService;
  readonly purposes: PurposeService;
}

/** Need-to-know grants: vendor × asset × named fields × purpose × validity window; a terminated vendor's grants are revoked with it. */
export function createAccessGrantsFeature(
  { db, audit, changes, clock }: FeatureDeps,
  ports: AccessGrantsPorts,
): Feature<AccessGrantsFeature> {
  const grantDirectory: GrantDirectory = {
    vendor: (id) => ports.vendors.loadOne(id),
    asset: (ref) => ports.dataAssets.findAsset(ref),
    purpose: (key) => ports.purposes.find(key),
  };
  const grantRecords = new AccessGrantStore(db);
  const accessGrants = new AccessGrantService(db, grantRecords, audit, changes, ports.staffAuthorizer, grantDirectory, clock);
  // Kill switch: terminating a vendor revokes every grant it holds, in the same transaction.
  ports.vendorLifecycle.on('terminated', (trx, ctx, vendor) => accessGrants.revokeAllOfVendor(trx, ctx, vendor.id, 'vendor terminated'));
  return {
    name: 'access-grants',
    provides: { accessGrants, grantDirectory, grantRecords },
    routes: accessGrantRoutes(accessGrants, grantDirectory),
  };
}
