import crypto from 'node:crypto';
import type { AuditRecorder, ChangeContext } from '../../audit';
import type { Db, Transactor, Trx } from '../../db';
import type { Clock } from '../../platform/clock';
import { ConflictError, NotFoundError, ProblemError, ValidationError, type FieldIssue } from '../../shared/errors';
import { decodeUuidCursor, type Page } from '../../shared/schemas';
import { SeparationOfDutiesError } from '../lifecycle';
import { penetrationTestCutoff, type UnmetRequirement } from '../release-gate';
import { appNotFound, lockChangeableApp, pageOf, staffSubject } from '../service';
import type { AppStoreType } from '../store-type';
import { isOutside, outsideLicence } from './licensed-scope';
import type {
  BusinessProfile,
  CloseComplianceFinding,
  ComplianceFinding,
  ComplianceReview,
  ComplianceReviewQuery,
  RecordComplianceReview,
  SetBusinessProfile,
} from './schemas';
import type { BusinessProfileRecord, BusinessReviewStoreType, FindingRecord, PartnerRecord, ReviewRecord } from './store-type';

// Dates carry no time zone: a review held "today" in UTC+14 must not be refused as a future date.
const LATEST_ZONE_OFFSET_MS = 14 * 3_600_000;
export const REVIEW_VALID_MONTHS = 12;

const issue = (path: string, message: string): FieldIssue => ({ path, message });
const refuse = (issues: FieldIssue[]) => {
  if (issues.length > 0) throw new ValidationError(issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues);
};

const profileFacts = (p: BusinessProfileRecord) => ({
  businessLines: p.businessLines,
  regions: p.regions,
  partners: p.partners.map(({ id: _id, ...rest }) => rest),
  productSales: p.productSales.map(({ id: _id, ...rest }) => rest),
});

/**
 * The Notice, item 8: what each app does (business lines, regions, third-party cooperative business,
 * products sold), checked against the licensed scope by a compliance review that someone other than
 * the app's proposer, declarer or business owner records, at least every 12 months.
 */
export class BusinessReviewService {
  constructor(
    private readonly db: Transactor,
    private readonly apps: Pick<AppStoreType, 'find'>,
    private readonly store: BusinessReviewStoreType,
    private readonly audit: AuditRecorder,
    private readonly clock: Clock,
  ) {}

  private today(): string {
    return this.clock.now().toISOString().slice(0, 10);
  }

  private latestAllowedDate(): string {
    return new Date(this.clock.now().getTime() + LATEST_ZONE_OFFSET_MS).toISOString().slice(0, 10);
  }

  /** The earliest review date still within the last 12 months. */
  reviewCutoff(): string {
    return penetrationTestCutoff(this.today());
  }

  private partnerCurrent(p: PartnerRecord): boolean {
    const today = this.today();
    return p.agreementFrom <= today && p.agreementUntil >= today && p.review?.result === 'passed' && p.review.on >= this.reviewCutoff();
  }

  async setProfile(ctx: ChangeContext, appId: string, input: SetBusinessProfile): Promise<BusinessProfile> {
    const by = staffSubject(ctx);
    const latest = this.latestAllowedDate();
    refuse([
      ...input.partners.flatMap((p, i) => [
        ...(p.agreementUntil < p.agreementFrom ? [issue(`body.partners.${i}.agreementUntil`, 'must not be before agreementFrom')] : []),
        ...(p.review && p.review.on > latest ? [issue(`body.partners.${i}.review.on`, 'must not be in the future')] : []),
      ]),
      ...input.productSales.flatMap((s, i) =>
        s.traceable === (s.traceabilityMethod === undefined)
          ? [
              issue(
                `body.productSales.${i}.traceabilityMethod`,
                s.traceable ? 'is required when the sale is traceable' : 'is given only when the sale is traceable',
              ),
            ]
          : [],
      ),
    ]);
    return this.db.transaction(async (trx) => {
      await lockChangeableApp(this.apps, trx, appId);
      const before = await this.store.profile(appId, trx);
      const after: BusinessProfileRecord = {
        appId,
        businessLines: input.businessLines,
        regions: input.regions,
        partners: input.partners.map((p) => ({ id: crypto.randomUUID(), ...p })),
        productSales: input.productSales.map((s) => ({ id: crypto.randomUUID(), ...s, traceabilityMethod: s.traceabilityMethod ?? null })),
        declaredBy: by,
        declaredAt: this.clock.now().toISOString(),
      };
      await this.store.replaceProfile(trx, after);
      await this.audit.record(trx, ctx, {
        action: 'app.business_profile_declared',
        objectType: 'app',
        objectId: appId,
        details: { before: before ? profileFacts(before) : null, after: profileFacts(after) },
      });
      return this.view(after, trx);
    });
  }

  async getProfile(appId: string): Promise<BusinessProfile> {
    const app = await this.apps.find(appId);
    if (!app) throw appNotFound(appId);
    const profile = await this.store.profile(appId);
    if (!profile) throw new NotFoundError(`The app ${app.name} has not declared its business yet`);
    return this.view(profile);
  }

  private async view(p: BusinessProfileRecord, trx?: Db | Trx): Promise<BusinessProfile> {
    const outside = outsideLicence(p, await this.store.licensedScope(trx));
    return {
      ...p,
      partners: p.partners.map((x) => ({ ...x, current: this.partnerCurrent(x) })),
      outsideLicence: outside,
      withinLicence: !isOutside(outside),
    };
  }

  async recordReview(ctx: ChangeContext, appId: string, input: RecordComplianceReview): Promise<ComplianceReview> {
    const by = staffSubject(ctx);
    refuse([
      ...(input.reviewedOn > this.latestAllowedDate() ? [issue('body.reviewedOn', 'must not be in the future')] : []),
      ...(input.outcome === 'failed' && input.findings.length === 0
        ? [issue('body.findings', 'a failed review names at least one finding')]
        : []),
      ...input.findings.flatMap((f, i) =>
        f.dueOn < input.reviewedOn ? [issue(`body.findings.${i}.dueOn`, 'must not be before reviewedOn')] : [],
      ),
    ]);
    return this.db.transaction(async (trx) => {
      const app = await lockChangeableApp(this.apps, trx, appId);
      const profile = await this.store.profile(appId, trx);
      if (!profile) {
        throw new ConflictError(
          'business_profile_missing',
          `The app ${app.name} has not declared its business; there is nothing to review`,
        );
      }
      const makers = new Map<string, string>([
        [app.createdBy, 'proposed the app'],
        [profile.declaredBy, 'declared its business'],
      ]);
      const role = makers.get(by) ?? (app.businessOwner?.trim().toLowerCase() === by.toLowerCase() ? 'owns its business' : undefined);
      if (role !== undefined) {
        throw new SeparationOfDutiesError(`${by} ${role}; someone else reviews its compliance`, { reviewer: by, conflict: role });
      }
      if (input.outcome === 'passed') await this.assertWithinLicence(trx, profile);
      const review: ReviewRecord = {
        id: crypto.randomUUID(),
        appId,
        reviewedOn: input.reviewedOn,
        outcome: input.outcome,
        summary: input.summary,
        examined: { businessLines: profile.businessLines, regions: profile.regions, declaredAt: profile.declaredAt },
        reviewedBy: by,
        recordedAt: this.clock.now().toISOString(),
      };
      const findings: FindingRecord[] = input.findings.map((f) => ({
        id: crypto.randomUUID(),
        reviewId: review.id,
        appId,
        title: f.title,
        dueOn: f.dueOn,
        closedAt: null,
        closedBy: null,
        evidence: null,
      }));
      await this.store.insertReview(trx, review, findings);
      await this.audit.record(trx, ctx, {
        action: 'app.compliance_review_recorded',
        objectType: 'app_compliance_review',
        objectId: review.id,
        details: {
          appId,
          reviewedOn: review.reviewedOn,
          outcome: review.outcome,
          examined: review.examined,
          findings: findings.map((f) => ({ id: f.id, title: f.title, dueOn: f.dueOn })),
        },
      });
      return { ...review, findings: findings.map((f) => this.findingView(f)) };
    });
  }

  /** A passed review needs a licensed scope that covers every business line and region the app declares. */
  private async assertWithinLicence(trx: Trx, profile: BusinessProfileRecord): Promise<void> {
    const scope = await this.store.licensedScope(trx);
    if (!scope) {
      throw new ConflictError(
        'licensed_scope_not_configured',
        'The institution’s licensed business scope is not set; the compliance function sets it before a review can pass',
      );
    }
    const outside = outsideLicence(profile, scope);
    if (!isOutside(outside)) return;
    const named = [...outside.businessLines, ...outside.regions].join(', ');
    throw new ProblemError(
      409,
      'outside_licensed_scope',
      'Conflict',
      `The app serves outside the licensed scope (${named}); it fails review`,
      {
        extensions: { outsideLicence: outside },
      },
    );
  }

  async listReviews(appId: string, query: ComplianceReviewQuery): Promise<Page<ComplianceReview>> {
    if (!(await this.apps.find(appId))) throw appNotFound(appId);
    const rows = await this.store.reviewsOf(appId, { afterId: decodeUuidCursor(query.cursor) }, query.limit + 1);
    const page = pageOf(rows, query.limit);
    const findings = await this.store.findingsOf(page.items.map((r) => r.id));
    return {
      items: page.items.map((r) => ({ ...r, findings: findings.filter((f) => f.reviewId === r.id).map((f) => this.findingView(f)) })),
      nextCursor: page.nextCursor,
    };
  }

  async closeFinding(ctx: ChangeContext, appId: string, findingId: string, input: CloseComplianceFinding): Promise<ComplianceFinding> {
    const by = staffSubject(ctx);
    return this.db.transaction(async (trx) => {
      await lockChangeableApp(this.apps, trx, appId);
      const finding = await this.store.finding(trx, appId, findingId);
      if (!finding) throw new NotFoundError(`The app has no compliance finding ${findingId}`);
      if (finding.closedAt !== null) {
        throw new ConflictError('finding_already_closed', `The finding was closed by ${finding.closedBy} at ${finding.closedAt}`);
      }
      const closed = { ...finding, closedAt: this.clock.now().toISOString(), closedBy: by, evidence: input.evidence };
      await this.store.closeFinding(trx, findingId, { closedAt: closed.closedAt, closedBy: by, evidence: input.evidence });
      await this.audit.record(trx, ctx, {
        action: 'app.compliance_finding_closed',
        objectType: 'app_compliance_finding',
        objectId: findingId,
        details: { appId, reviewId: finding.reviewId, dueOn: finding.dueOn, late: finding.dueOn < this.today() },
      });
      return this.findingView(closed);
    });
  }

  private findingView(f: FindingRecord): ComplianceFinding {
    const { appId: _appId, ...rest } = f;
    return { ...rest, overdue: f.closedAt === null && f.dueOn < this.today() };
  }

  /**
   * The release gate's part: a declared business within the licensed scope, a latest compliance review
   * that passed within 12 months, and no open finding past its due date.
   */
  async releaseRequirements(trx: Trx, appId: string): Promise<UnmetRequirement[]> {
    const unmet: UnmetRequirement[] = [];
    const profile = await this.store.profile(appId, trx);
    if (!profile) {
      unmet.push({ requirement: 'business_profile_missing', detail: 'The app has not declared its business lines and regions' });
    } else {
      const scope = await this.store.licensedScope(trx);
      const outside = outsideLicence(profile, scope);
      if (isOutside(outside)) {
        const named = [...outside.businessLines, ...outside.regions].join(', ');
        unmet.push({
          requirement: 'business_outside_licence',
          detail: scope ? `The app serves outside the licensed scope: ${named}` : 'No licensed business scope is set for the institution',
        });
      }
    }
    // The latest review (review date, then recording time) decides: a later failed review undoes an earlier pass.
    unmet.push(...this.reviewRequirement((await this.store.reviewsOf(appId, {}, 1, trx))[0], profile));
    for (const f of await this.store.overdueFindings(trx, appId, this.today())) {
      unmet.push({
        requirement: 'compliance_finding_overdue',
        complianceFindingId: f.id,
        detail: `Compliance finding ${f.id} “${f.title}” was due on ${f.dueOn} and is not closed`,
      });
    }
    return unmet;
  }

  private reviewRequirement(latest: ReviewRecord | undefined, profile: BusinessProfileRecord | undefined): UnmetRequirement[] {
    if (!latest) return [{ requirement: 'compliance_review_missing', detail: 'No compliance review of the app’s business is recorded' }];
    if (latest.outcome !== 'passed') {
      return [
        {
          requirement: 'compliance_review_not_passed',
          detail: `The most recent compliance review (${latest.reviewedOn}) did not pass`,
        },
      ];
    }
    const cutoff = this.reviewCutoff();
    if (latest.reviewedOn < cutoff) {
      return [
        {
          requirement: 'compliance_review_expired',
          detail: `The most recent passed compliance review (${latest.reviewedOn}) is older than ${REVIEW_VALID_MONTHS} months (on or after ${cutoff} is needed)`,
        },
      ];
    }
    // A review answers for the business it examined: a line or region declared since needs a new one.
    const examined = { businessLines: latest.examined.businessLines.map((code) => ({ code })), regions: latest.examined.regions };
    const unexamined = profile ? outsideLicence(profile, examined) : undefined;
    if (unexamined && isOutside(unexamined)) {
      return [
        {
          requirement: 'compliance_review_outdated',
          detail: `The app now declares ${[...unexamined.businessLines, ...unexamined.regions].join(', ')}, which its most recent passed review (${latest.reviewedOn}) did not examine`,
        },
      ];
    }
    return [];
  }
}
