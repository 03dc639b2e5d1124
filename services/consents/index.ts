import type { Feature, FeatureDeps } from '../feature';
import type { PublishedNotices } from '../notices';
import type { ReceiptSigner } from './receipt';
import { consentRoutes } from './routes';
import { ConsentService } from './service';
import { ConsentStore } from './store';

export { ConsentService } from './service';
export { ConsentStore } from './store';
export { consentRoutes } from './routes';
export { KANTARA_VERSION, RECEIPT_TYPE, policyUrl, type ReceiptSigner } from './receipt';
export type { Consent, ConsentStatus, Withdrawal } from './schemas';

/** Consent records against the exact notice version shown, withdrawals, checks, and signed receipts. */
export function createConsentsFeature(
  { config, db, audit, secrets, writeLanes, clock }: FeatureDeps,
  ports: { readonly published: PublishedNotices; readonly signer: ReceiptSigner },
): Feature<{ consents: ConsentService }> {
  const store = new ConsentStore(db, writeLanes);
  const consents = new ConsentService(db, store, audit, ports.published, secrets.subjectIdKey, ports.signer, config.publicUrl, clock);
  return { name: 'consents', provides: { consents }, routes: consentRoutes(consents) };
}
