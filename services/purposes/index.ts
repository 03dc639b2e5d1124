import type { Feature, FeatureDeps } from '../feature';
import { purposeRoutes } from './routes';
import { PurposeService } from './service';
import { PurposeStore } from './store';

export { PURPOSE_CHANGED, PurposeService } from './service';
export { PurposeStore } from './store';
export { purposeRoutes } from './routes';
export { LegalBasis, PurposeKey, type Purpose, type PurposeStatus } from './schemas';

/** Declared processing purposes with their legal basis and retention. */
export function createPurposesFeature({ db, audit, changes, clock }: FeatureDeps): Feature<{ purposes: PurposeService }> {
  const purposes = new PurposeService(db, new PurposeStore(db), audit, changes, clock);
  return { name: 'purposes', provides: { purposes }, routes: purposeRoutes(purposes) };
}
