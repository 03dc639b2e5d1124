import type { AuditLog } from '../../audit';
import type { Db } from '../../db';
import type { RouteSpec } from '../../http/route';
import type { Clock } from '../../platform/clock';
import { penetrationTestCutoff } from '../release-gate';
import type { AppService } from '../service';
import type { AppStoreType } from '../store-type';
import { LicensedScopeService } from './licensed-scope';
import { businessReviewRoutes } from './routes';
import { BusinessReviewService } from './service';
import { BusinessReviewReportStore } from './report-store';
import { BusinessReviewStore } from './store';

export { LicensedScopeService } from './licensed-scope';
export { BusinessReviewService } from './service';

const dateOf = (now: Date) => now.toISOString().slice(0, 10);

/** What the compliance report asks about the apps' business (Notice item 8); "in service": released, operating, consolidating. */
export class BusinessReviewComplianceFacts {
  constructor(private readonly store: BusinessReviewReportStore) {}

  /** Apps in service with no business declared, or a business line or region outside the licensed scope (examples: app ids). */
  outsideLicence() {
    return this.store.inServiceOutsideLicence();
  }

  /** Partners of apps not retired without an agreement covering today or a passed review in 12 months (examples: partner ids). */
  partnersWithoutCurrentAgreement(now: Date) {
    return this.store.partnersWithoutCurrentAgreement(dateOf(now), penetrationTestCutoff(dateOf(now)));
  }

  /** Apps in service selling products, and those selling one whose sale is not traceable (examples: app ids). */
  salesNotTraceable() {
    return this.store.inServiceSalesNotTraceable();
  }

  /** Apps in service whose latest compliance review is missing, did not pass, or is older than 12 months (examples: app ids). */
  withoutCurrentReview(now: Date) {
    return this.store.inServiceWithoutCurrentReview(penetrationTestCutoff(dateOf(now)));
  }
}

/** The Notice's item 8 for apps: licensed scope and regions, partners, traceable sales, and the compliance review. */
export function createAppBusinessReview(deps: { db: Db; audit: AuditLog; apps: AppService; appStore: AppStoreType; clock: Clock }): {
  licence: LicensedScopeService;
  reviews: BusinessReviewService;
  compliance: BusinessReviewComplianceFacts;
  routes: RouteSpec[];
} {
  const store = new BusinessReviewStore(deps.db);
  const licence = new LicensedScopeService(deps.db, store, deps.audit, deps.clock);
  const reviews = new BusinessReviewService(deps.db, deps.appStore, store, deps.audit, deps.clock);
  return {
    licence,
    reviews,
    compliance: new BusinessReviewComplianceFacts(new BusinessReviewReportStore(deps.db)),
    routes: businessReviewRoutes(deps.apps, licence, reviews),
  };
}
