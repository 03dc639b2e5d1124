import type { Db, Trx } from '../../db';

export interface LicensedScopeRecord {
  licenceReference: string;
  businessLines: Array<{ code: string; name: string }>;
  regions: string[];
  setBy: string;
  setAt: string;
}

export interface PartnerRecord {
  id: string;
  name: string;
  cooperation: string;
  agreementReference: string;
  agreementFrom: string;
  agreementUntil: string;
  review: { on: string; result: 'passed' | 'failed' } | null;
}

export interface ProductSaleRecord {
  id: string;
  product: string;
  traceable: boolean;
  traceabilityMethod: string | null;
  disclosureUrl: string;
}

export interface BusinessProfileRecord {
  appId: string;
  businessLines: string[];
  regions: string[];
  partners: PartnerRecord[];
  productSales: ProductSaleRecord[];
  declaredBy: string;
  declaredAt: string;
}

export interface ReviewRecord {
  id: string;
  appId: string;
  reviewedOn: string;
  outcome: 'passed' | 'failed';
  summary: string;
  examined: { businessLines: string[]; regions: string[]; declaredAt: string };
  reviewedBy: string;
  recordedAt: string;
}

export interface FindingRecord {
  id: string;
  reviewId: string;
  appId: string;
  title: string;
  dueOn: string;
  closedAt: string | null;
  closedBy: string | null;
  evidence: string | null;
}

export interface ReviewFilter {
  /** Keyset: the id of the last review of the previous page. */
  afterId?: string;
}

/**
 * What the licensed-scope and business-review services need of storage (store.ts on the database,
 * fake-store.ts in memory): the institution's licensed scope, each app's business profile, and its
 * compliance reviews and findings.
 */
export interface BusinessReviewStoreType {
  /** With `forUpdate`, locks the scope until the transaction ends. */
  licensedScope(trx?: Db | Trx, forUpdate?: boolean): Promise<LicensedScopeRecord | undefined>;
  setLicensedScope(trx: Trx, scope: LicensedScopeRecord): Promise<void>;
  /** The app's profile with its partners (by name) and product sales (by product). */
  profile(appId: string, trx?: Db | Trx): Promise<BusinessProfileRecord | undefined>;
  /** Replaces the app's profile, partners and product sales as a whole. */
  replaceProfile(trx: Trx, profile: BusinessProfileRecord): Promise<void>;
  insertReview(trx: Trx, review: ReviewRecord, findings: readonly FindingRecord[]): Promise<void>;
  /** The app's reviews, latest first (review date, then recording time), after `afterId`. */
  reviewsOf(appId: string, filter: ReviewFilter, limit: number, trx?: Db | Trx): Promise<ReviewRecord[]>;
  /** The findings of the given reviews, earliest due first. */
  findingsOf(reviewIds: readonly string[], trx?: Db | Trx): Promise<FindingRecord[]>;
  /** The app's open findings due before `today` (a date), earliest due first. */
  overdueFindings(trx: Db | Trx, appId: string, today: string): Promise<FindingRecord[]>;
  /** One finding of the app, locked for a change. */
  finding(trx: Trx, appId: string, findingId: string): Promise<FindingRecord | undefined>;
  closeFinding(trx: Trx, findingId: string, close: { closedAt: string; closedBy: string; evidence: string }): Promise<void>;
}
