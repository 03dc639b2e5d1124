export { KnexAdapter, insertLines, deleteLines, selectLines, type PolicyFilter, type PolicyLine } from './knex-adapter';
export { StaffAuthorizer, ALL_DEPARTMENTS } from './staff-authorizer';
export { POLICIES_DIR, policyFile } from './policies-dir';
