export { DataAssetService, DATA_ASSETS_CHANGED, type AssetSummary, type TransferLedger } from './service';
export { DataAssetStore, type AssetRecord } from './store';
export { dataAssetRoutes } from './routes';
export { assetDepartmentScope, bodyDepartmentScope } from './scope';
export { AssetKey, FieldName, PiCategory, type DataAsset, type DataAssetDetail, type DataAssetField } from './schemas';
