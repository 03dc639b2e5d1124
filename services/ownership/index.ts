export { OwnershipTransferService } from './service';
export { OwnershipTransferStore } from './store';
export { OwnershipMapService, ownershipMapCsv, type DataOwnerDirectory } from './map';
export { ownershipRoutes } from './routes';
export type { OwnershipTransfer, OwnershipMap, OwnershipMapEntry } from './schemas';
