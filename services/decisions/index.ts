export { VendorAccessEngine, type VendorDirectory, type VendorSnapshot } from './engine';
export { DecisionService, decisionCommitWrites, usageByDay, type DecisionPorts, type DecisionUsage } from './service';
export { priorDecisions, type ConsentChecker, type ConsentState, type SubjectConsent } from './consent-gate';
export { DecisionStore, type DayUsage } from './store';
export { decisionRoutes } from './routes';
export { AuthzenService } from './authzen';
export { authzenRoutes } from './authzen-routes';
export { vendorAuthorizationDetailsHook, vendorTokenActivityCheck, coverage, DataAccessDetail } from './token-details';
