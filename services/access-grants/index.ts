export { AccessGrantService, ACCESS_GRANTS_CHANGED, effectiveStatus, type GrantDirectory } from './service';
export { AccessGrantStore, grantLines, type GrantRecord } from './store';
export { accessGrantRoutes } from './routes';
export type { AccessGrant, RowScope } from './schemas';
