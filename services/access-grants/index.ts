export { AccessGrantService, ACCESS_GRANTS_CHANGED, effectiveStatus, type GrantDirectory } from './service';
export { AccessGrantStore, grantLines, type GrantRecord, type GrantTerms, type RetiredSubjects } from './store';
export { accessGrantRoutes } from './routes';
export type { AccessGrant, RowScope } from './schemas';
