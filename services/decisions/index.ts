export { VendorAccessEngine, type VendorDirectory, type VendorSnapshot } from './engine';
export { DecisionService, recordDecisionsInOneStatement, usageByDay, writeDecisionUsage, type ConsentChecker, type DecisionUsage } from './service';
export { GroupCommitWriter } from './group-commit';
export { decisionRoutes } from './routes';
export { vendorAuthorizationDetailsHook, vendorTokenActivityCheck, coverage, DataAccessDetail } from './token-details';
