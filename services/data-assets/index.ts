import type { StaffAuthorizer } from '../authz';
import type { DepartmentService } from '../departments';
import type { Feature, FeatureDeps } from '../feature';
import { OwnershipMapService, OwnershipTransferService, OwnershipTransferStore, ownershipRoutes } from '../ownership';
import { dataAssetRoutes } from './routes';
import { DataAssetService } from './service';
import { DataAssetStore } from './store';

export { DataAssetService, DATA_ASSETS_CHANGED, type AssetSummary, type TransferLedger } from './service';
export { DataAssetStore, type AssetRecord } from './store';
export { dataAssetRoutes } from './routes';
export { assetDepartmentScope, bodyDepartmentScope } from './scope';
export { AssetKey, FieldName, PiCategory, type DataAsset, type DataAssetDetail, type DataAssetField } from './schemas';

export interface DataAssetsFeature {
  /** Data assets and their fields; `findAsset(idOrKey)` and `owningDepartment(idOrKey)` for other features. */
  readonly dataAssets: DataAssetService;
  readonly ownershipTransfers: OwnershipTransferService;
}

/**
 * Data assets with their ownership: an asset's detail shows its transfers and an open transfer blocks its
 * retirement, while a transfer moves the asset, so the two are wired together here.
 */
export function createDataAssetsFeature(
  { db, audit, changes, clock }: FeatureDeps,
  ports: { readonly departments: DepartmentService; readonly staffAuthorizer: StaffAuthorizer },
): Feature<DataAssetsFeature> {
  const store = new DataAssetStore(db);
  const transfers = new OwnershipTransferStore(db);
  const dataAssets = new DataAssetService(db, store, audit, ports.departments, changes, transfers, clock);
  const ownershipTransfers = new OwnershipTransferService(db, transfers, store, ports.departments, audit, changes, clock);
  const ownershipMap = new OwnershipMapService(transfers, ports.staffAuthorizer, clock);
  return {
    name: 'data-assets',
    provides: { dataAssets, ownershipTransfers },
    routes: [...dataAssetRoutes(dataAssets), ...ownershipRoutes(dataAssets, ownershipTransfers, ownershipMap)],
  };
}
