export { PURPOSE_CHANGED, PurposeService } from './service';
export { PurposeStore } from './store';
export { purposeRoutes } from './routes';
export { LegalBasis, PurposeKey, type Purpose, type PurposeStatus } from './schemas';
