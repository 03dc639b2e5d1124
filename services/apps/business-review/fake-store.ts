import { newestFirst } from '../fake-paging';
import type {
  BusinessProfileRecord,
  BusinessReviewStoreType,
  FindingRecord,
  LicensedScopeRecord,
  ReviewFilter,
  ReviewRecord,
} from './store-type';

const byDueOn = (a: FindingRecord, b: FindingRecord) => a.dueOn.localeCompare(b.dueOn) || a.id.localeCompare(b.id);
const byName = (a: string, b: string) => a.toLowerCase().localeCompare(b.toLowerCase());

/** The licensed scope, business profiles, reviews and findings in memory, for fast tests of the business review's rules. */
export class FakeBusinessReviewStore implements BusinessReviewStoreType {
  scope: LicensedScopeRecord | undefined;
  readonly profiles = new Map<string, BusinessProfileRecord>();
  readonly reviews: ReviewRecord[] = [];
  readonly findings: FindingRecord[] = [];

  async licensedScope(): Promise<LicensedScopeRecord | undefined> {
    return this.scope && structuredClone(this.scope);
  }

  async setLicensedScope(_trx: unknown, scope: LicensedScopeRecord): Promise<void> {
    this.scope = structuredClone(scope);
  }

  async profile(appId: string): Promise<BusinessProfileRecord | undefined> {
    const profile = this.profiles.get(appId);
    if (!profile) return undefined;
    return structuredClone({
      ...profile,
      partners: [...profile.partners].sort((a, b) => byName(a.name, b.name) || a.id.localeCompare(b.id)),
      productSales: [...profile.productSales].sort((a, b) => byName(a.product, b.product) || a.id.localeCompare(b.id)),
    });
  }

  async replaceProfile(_trx: unknown, profile: BusinessProfileRecord): Promise<void> {
    this.profiles.set(profile.appId, structuredClone(profile));
  }

  async insertReview(_trx: unknown, review: ReviewRecord, findings: readonly FindingRecord[]): Promise<void> {
    this.reviews.push(structuredClone(review));
    this.findings.push(...structuredClone(findings));
  }

  async reviewsOf(appId: string, filter: ReviewFilter, limit: number): Promise<ReviewRecord[]> {
    return newestFirst(this.reviews, (r) => `${r.reviewedOn}_${r.recordedAt}_${r.id}`, filter.afterId)
      .filter((r) => r.appId === appId)
      .slice(0, limit)
      .map((r) => structuredClone(r));
  }

  async findingsOf(reviewIds: readonly string[]): Promise<FindingRecord[]> {
    return this.findings
      .filter((f) => reviewIds.includes(f.reviewId))
      .sort(byDueOn)
      .map((f) => structuredClone(f));
  }

  async overdueFindings(_trx: unknown, appId: string, today: string): Promise<FindingRecord[]> {
    return this.findings
      .filter((f) => f.appId === appId && f.closedAt === null && f.dueOn < today)
      .sort(byDueOn)
      .map((f) => structuredClone(f));
  }

  async finding(_trx: unknown, appId: string, findingId: string): Promise<FindingRecord | undefined> {
    const finding = this.findings.find((f) => f.id === findingId && f.appId === appId);
    return finding && structuredClone(finding);
  }

  async closeFinding(_trx: unknown, findingId: string, close: { closedAt: string; closedBy: string; evidence: string }): Promise<void> {
    const finding = this.findings.find((f) => f.id === findingId);
    if (finding) Object.assign(finding, close);
  }
}
