import type { AccountabilityStore } from './accountability';
import { penetrationTestCutoff } from './release-gate';
import type { AppSecurityStore, Finding } from './security-store';

export type { Finding } from './security-store';

/** A count of offenders, up to 10 example ids, and how many records the check examined. */
export interface ExaminedFinding extends Finding {
  readonly examined: number;
}

/** A compliance-report check the app ledger answers (the report's check shape). */
export interface AppComplianceCheck {
  readonly id: string;
  readonly requirement: string;
  readonly source: string;
  /** What a non-zero count means: a breach (fail) or something to look at (warn). */
  readonly severity: 'fail' | 'warn';
  readonly run: (now: Date) => Promise<ExaminedFinding>;
}

/**
 * What the compliance report asks the app ledger (Notice items on filing, penetration testing and
 * rectification). Each answer is a count and up to `exampleLimit` example ids; "in service" means
 * released, operating or consolidating.
 */
export class AppComplianceFacts {
  constructor(
    private readonly security: AppSecurityStore,
    private readonly accountability: AccountabilityStore,
  ) {}

  /** Apps in service without a filing number (examples: app ids). */
  releasedWithoutFilingNumber(exampleLimit = 10): Promise<Finding> {
    return this.security.liveWithoutFilingNumber(exampleLimit);
  }

  /**
   * Apps in service whose most recent penetration test is missing, did not pass, or is older than
   * 12 months — the rule their release had to meet (examples: app ids).
   */
  releasedWithoutRecentPenetrationTest(now = new Date(), exampleLimit = 10): Promise<Finding> {
    return this.security.liveWithoutRecentPassedPenetrationTest(penetrationTestCutoff(now.toISOString().slice(0, 10)), exampleLimit);
  }

  /** Unfixed vulnerabilities past their due date on apps not retired (examples: vulnerability ids, most overdue first). */
  overdueVulnerabilities(now = new Date(), exampleLimit = 10): Promise<Finding> {
    return this.security.overdue(now.toISOString(), exampleLimit);
  }

  /** The Notice's app duties as report checks, each with what it examined. */
  checks(): AppComplianceCheck[] {
    return [
      {
        id: 'apps_lead_department_named',
        requirement: 'The institution names a lead department for mobile-app management while it has apps',
        source: 'Notice item 1: a lead department for app management',
        severity: 'fail',
        run: () => this.accountability.leadDepartmentFinding(),
      },
      {
        id: 'apps_without_accountability',
        requirement: 'Every app not retired has a business owner, a technology owner and a full responsibility matrix (business, data, security, operations)',
        source: 'Notice item 1: responsibilities for each app',
        severity: 'fail',
        run: () => this.accountability.withoutAccountability(),
      },
    ];
  }
}
