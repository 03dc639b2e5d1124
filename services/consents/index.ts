export { ConsentService } from './service';
export { ConsentStore } from './store';
export { consentRoutes } from './routes';
export { KANTARA_VERSION, RECEIPT_TYPE, policyUrl, type ReceiptSigner } from './receipt';
export type { Consent, ConsentStatus, Withdrawal } from './schemas';
