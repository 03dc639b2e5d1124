import type { Db, Trx } from '../../db';
import { isoInstant } from '../../platform/row-mapper';
import { newestFirstAfter } from '../store';
import type {
  BusinessProfileRecord,
  BusinessReviewStoreType,
  FindingRecord,
  ReviewFilter,
  LicensedScopeRecord,
  PartnerRecord,
  ReviewRecord,
} from './store-type';

export type {
  BusinessProfileRecord,
  FindingRecord,
  LicensedScopeRecord,
  PartnerRecord,
  ProductSaleRecord,
  ReviewRecord,
} from './store-type';

interface ScopeRow {
  singleton: true;
  licence_reference: string;
  business_lines: LicensedScopeRecord['businessLines'] | string;
  regions: string[];
  set_by: string;
  set_at: string | Date;
}

interface ProfileRow {
  app_id: string;
  business_lines: string[];
  regions: string[];
  declared_by: string;
  declared_at: string | Date;
}

interface SaleRow {
  id: string;
  app_id: string;
  product: string;
  traceable: boolean;
  traceability_method: string | null;
  disclosure_url: string;
}

interface PartnerRow {
  id: string;
  app_id: string;
  name: string;
  cooperation: string;
  agreement_reference: string;
  agreement_from: string;
  agreement_until: string;
  reviewed_on: string | null;
  review_result: 'passed' | 'failed' | null;
}

interface ReviewRow {
  id: string;
  app_id: string;
  reviewed_on: string;
  outcome: 'passed' | 'failed';
  summary: string;
  examined: ReviewRecord['examined'] | string;
  reviewed_by: string;
  recorded_at: string | Date;
}

interface FindingRow {
  id: string;
  review_id: string;
  app_id: string;
  title: string;
  due_on: string;
  closed_at: string | Date | null;
  closed_by: string | null;
  evidence: string | null;
}

const json = <T>(v: T | string): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v);

const partnerFromRow = (r: PartnerRow): PartnerRecord => ({
  id: r.id,
  name: r.name,
  cooperation: r.cooperation,
  agreementReference: r.agreement_reference,
  agreementFrom: r.agreement_from,
  agreementUntil: r.agreement_until,
  review: r.reviewed_on !== null && r.review_result !== null ? { on: r.reviewed_on, result: r.review_result } : null,
});

const reviewFromRow = (r: ReviewRow): ReviewRecord => ({
  id: r.id,
  appId: r.app_id,
  reviewedOn: r.reviewed_on,
  outcome: r.outcome,
  summary: r.summary,
  examined: json(r.examined),
  reviewedBy: r.reviewed_by,
  recordedAt: isoInstant(r.recorded_at),
});

const findingFromRow = (r: FindingRow): FindingRecord => ({
  id: r.id,
  reviewId: r.review_id,
  appId: r.app_id,
  title: r.title,
  dueOn: r.due_on,
  closedAt: r.closed_at === null ? null : isoInstant(r.closed_at),
  closedBy: r.closed_by,
  evidence: r.evidence,
});

/** The licensed scope, each app's business profile, and its compliance reviews and findings. */
export class BusinessReviewStore implements BusinessReviewStoreType {
  constructor(private readonly db: Db) {}

  async licensedScope(trx: Db | Trx = this.db, forUpdate = false): Promise<LicensedScopeRecord | undefined> {
    const q = trx<ScopeRow>('app_licensed_scope').first();
    if (forUpdate) q.forUpdate();
    const row = await q;
    if (!row) return undefined;
    return {
      licenceReference: row.licence_reference,
      businessLines: json(row.business_lines),
      regions: row.regions,
      setBy: row.set_by,
      setAt: isoInstant(row.set_at),
    };
  }

  async setLicensedScope(trx: Trx, s: LicensedScopeRecord): Promise<void> {
    await trx('app_licensed_scope')
      .insert({
        singleton: true,
        licence_reference: s.licenceReference,
        business_lines: JSON.stringify(s.businessLines),
        regions: s.regions,
        set_by: s.setBy,
        set_at: s.setAt,
      })
      .onConflict('singleton')
      .merge();
  }

  async profile(appId: string, trx: Db | Trx = this.db): Promise<BusinessProfileRecord | undefined> {
    const row = await trx<ProfileRow>('app_business_profiles').where({ app_id: appId }).first();
    if (!row) return undefined;
    const partners = await trx<PartnerRow>('app_partners').where({ app_id: appId }).orderByRaw('lower(name), id');
    const sales = await trx<SaleRow>('app_product_sales').where({ app_id: appId }).orderByRaw('lower(product), id');
    return {
      appId: row.app_id,
      businessLines: row.business_lines,
      regions: row.regions,
      partners: partners.map(partnerFromRow),
      productSales: sales.map((s) => ({
        id: s.id,
        product: s.product,
        traceable: s.traceable,
        traceabilityMethod: s.traceability_method,
        disclosureUrl: s.disclosure_url,
      })),
      declaredBy: row.declared_by,
      declaredAt: isoInstant(row.declared_at),
    };
  }

  /** Replaces the app's profile, partners and product sales as a whole. */
  async replaceProfile(trx: Trx, p: BusinessProfileRecord): Promise<void> {
    await trx('app_partners').where({ app_id: p.appId }).delete();
    await trx('app_product_sales').where({ app_id: p.appId }).delete();
    await trx('app_business_profiles')
      .insert({
        app_id: p.appId,
        business_lines: p.businessLines,
        regions: p.regions,
        declared_by: p.declaredBy,
        declared_at: p.declaredAt,
      })
      .onConflict('app_id')
      .merge();
    if (p.partners.length > 0) {
      await trx('app_partners').insert(
        p.partners.map((x) => ({
          id: x.id,
          app_id: p.appId,
          name: x.name,
          cooperation: x.cooperation,
          agreement_reference: x.agreementReference,
          agreement_from: x.agreementFrom,
          agreement_until: x.agreementUntil,
          reviewed_on: x.review?.on ?? null,
          review_result: x.review?.result ?? null,
        })),
      );
    }
    if (p.productSales.length > 0) {
      await trx('app_product_sales').insert(
        p.productSales.map((x) => ({
          id: x.id,
          app_id: p.appId,
          product: x.product,
          traceable: x.traceable,
          traceability_method: x.traceabilityMethod,
          disclosure_url: x.disclosureUrl,
        })),
      );
    }
  }

  async insertReview(trx: Trx, r: ReviewRecord, findings: readonly FindingRecord[]): Promise<void> {
    await trx('app_compliance_reviews').insert({
      id: r.id,
      app_id: r.appId,
      reviewed_on: r.reviewedOn,
      outcome: r.outcome,
      summary: r.summary,
      examined: JSON.stringify(r.examined),
      reviewed_by: r.reviewedBy,
      recorded_at: r.recordedAt,
    });
    if (findings.length > 0) {
      await trx('app_compliance_findings').insert(
        findings.map((f) => ({ id: f.id, review_id: f.reviewId, app_id: f.appId, title: f.title, due_on: f.dueOn })),
      );
    }
  }

  /** The app's reviews, latest first (review date, then recording time). */
  async reviewsOf(appId: string, filter: ReviewFilter, limit: number, trx: Db | Trx = this.db): Promise<ReviewRecord[]> {
    const q = trx<ReviewRow>('app_compliance_reviews').where({ app_id: appId }).limit(limit);
    newestFirstAfter(q, 'app_compliance_reviews', ['reviewed_on', 'recorded_at', 'id'], filter.afterId);
    return (await q).map(reviewFromRow);
  }

  async findingsOf(reviewIds: readonly string[], trx: Db | Trx = this.db): Promise<FindingRecord[]> {
    if (reviewIds.length === 0) return [];
    const rows = await trx<FindingRow>('app_compliance_findings')
      .whereIn('review_id', [...reviewIds])
      .orderBy(['due_on', 'id']);
    return rows.map(findingFromRow);
  }

  /** The app's open findings due before `today` (a date), earliest due first. */
  async overdueFindings(trx: Db | Trx, appId: string, today: string): Promise<FindingRecord[]> {
    const rows = await trx<FindingRow>('app_compliance_findings')
      .where({ app_id: appId })
      .whereNull('closed_at')
      .where('due_on', '<', today)
      .orderBy(['due_on', 'id']);
    return rows.map(findingFromRow);
  }

  async finding(trx: Trx, appId: string, findingId: string): Promise<FindingRecord | undefined> {
    const row = await trx<FindingRow>('app_compliance_findings').where({ id: findingId, app_id: appId }).forUpdate().first();
    return row ? findingFromRow(row) : undefined;
  }

  async closeFinding(trx: Trx, findingId: string, close: { closedAt: string; closedBy: string; evidence: string }): Promise<void> {
    await trx('app_compliance_findings')
      .where({ id: findingId })
      .update({ closed_at: close.closedAt, closed_by: close.closedBy, evidence: close.evidence });
  }
}
