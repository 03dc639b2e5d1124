import type { Db } from '../../db';
import { examinedFinding } from '../accountability/store';
import type { Finding } from '../../reports/compliance-check';
import { LIVE_STATES } from '../lifecycle';
import { NATIONWIDE } from './schemas';

const IN_SERVICE = `a.lifecycle_state in (${LIVE_STATES.map((s) => `'${s}'`).join(', ')})`;

// A declared line or region the licensed scope does not cover; no scope covers nothing (fail closed).
const OUTSIDE_LICENCE = `(
  exists (select 1 from unnest(p.business_lines) line
          where not exists (select 1 from app_licensed_scope s, jsonb_array_elements(s.business_lines) l where l->>'code' = line))
  or exists (select 1 from unnest(p.regions) region
          where not exists (select 1 from app_licensed_scope s where region = any(s.regions) or '${NATIONWIDE}' = any(s.regions))))`;

/** The compliance report's questions about the apps' business (Notice item 8), each counted in one statement. */
export class BusinessReviewReportStore {
  constructor(private readonly db: Db) {}

  /** Apps in service that declare no business profile, or a business line or region outside the licensed scope. */
  inServiceOutsideLicence(): Promise<Finding> {
    const inService = `select a.id, a.name from apps a where ${IN_SERVICE}`;
    return examinedFinding(
      this.db,
      inService,
      `select a.id, a.name from apps a left join app_business_profiles p on p.app_id = a.id
        where ${IN_SERVICE} and (p.app_id is null or ${OUTSIDE_LICENCE}) order by lower(a.name), a.id`,
    );
  }

  /** Partners of apps not retired whose agreement does not cover `today` or whose last passed review is before `cutoff`. */
  partnersWithoutCurrentAgreement(today: string, cutoff: string): Promise<Finding> {
    const partners = `select x.id, x.name from app_partners x join apps a on a.id = x.app_id where a.lifecycle_state <> 'retired'`;
    return examinedFinding(
      this.db,
      partners,
      `${partners} and (x.agreement_from > ?::date or x.agreement_until < ?::date
         or x.review_result is distinct from 'passed' or x.reviewed_on < ?::date) order by x.agreement_until, x.id`,
      { offending: [today, today, cutoff] },
    );
  }

  /** Apps in service that sell products, and those selling one whose sale is not traceable. */
  inServiceSalesNotTraceable(): Promise<Finding> {
    const selling = `select a.id, a.name from apps a where ${IN_SERVICE} and exists (select 1 from app_product_sales s where s.app_id = a.id)`;
    return examinedFinding(
      this.db,
      selling,
      `${selling} and exists (select 1 from app_product_sales s where s.app_id = a.id and not s.traceable) order by lower(a.name), a.id`,
    );
  }

  /** Apps in service whose latest compliance review did not pass or was before `cutoff` (a date), or that have none. */
  inServiceWithoutCurrentReview(cutoff: string): Promise<Finding> {
    const inService = `select a.id, a.name from apps a where ${IN_SERVICE}`;
    const latest = `(select r.outcome, r.reviewed_on from app_compliance_reviews r where r.app_id = a.id
                     order by r.reviewed_on desc, r.recorded_at desc, r.id desc limit 1)`;
    return examinedFinding(
      this.db,
      inService,
      `select a.id, a.name from apps a left join lateral ${latest} l on true
        where ${IN_SERVICE} and (l.outcome is distinct from 'passed' or l.reviewed_on < ?::date) order by lower(a.name), a.id`,
      { offending: [cutoff] },
    );
  }
}
