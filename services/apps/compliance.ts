import type { Clock } from '../platform/clock';
import type { AccountabilityStore } from './accountability/store';
import { penetrationTestCutoff } from './release-gate';
import type { Finding } from '../reports/compliance-check';
import type { AppSecurityStore } from './security-store';

/**
 * What the compliance report asks the app ledger (Notice items on filing, penetration testing and
 * rectification). Each answer is a Finding: how many records the rule applies to (`examined`; none
 * makes the check "not applicable", never a pass), how many break it (`count`) and up to
 * `exampleLimit` example ids; "in service" means released, operating or consolidating.
 */
export class AppComplianceFacts {
  constructor(
    private readonly security: AppSecurityStore,
    private readonly accountability: AccountabilityStore,
    private readonly clock: Clock,
  ) {}

  /** Of the apps in service, those without a filing number (examples: app ids). */
  releasedWithoutFilingNumber(exampleLimit = 10): Promise<Finding> {
    return this.security.liveWithoutFilingNumber(exampleLimit);
  }

  /**
   * Of the apps in service, those whose most recent penetration test is missing, did not pass, or is older than
   * 12 months — the rule their release had to meet (examples: app ids).
   */
  releasedWithoutRecentPenetrationTest(now = this.clock.now(), exampleLimit = 10): Promise<Finding> {
    return this.security.liveWithoutRecentPassedPenetrationTest(penetrationTestCutoff(now.toISOString().slice(0, 10)), exampleLimit);
  }

  /**
   * Of the vulnerabilities of apps not retired (unfixed at some time in `openDuring`, if given), the unfixed
   * ones past their due date (examples: vulnerability ids, most overdue first).
   */
  overdueVulnerabilities(now = this.clock.now(), exampleLimit = 10, openDuring?: { from: string; to: string }): Promise<Finding> {
    return this.security.overdue(now.toISOString(), exampleLimit, openDuring);
  }

  /** Of the regulator-reported vulnerabilities of apps not retired (unfixed at some time in `openDuring`), the unfixed ones past the regulator's deadline. */
  overdueRegulatorVulnerabilities(now = this.clock.now(), exampleLimit = 10, openDuring?: { from: string; to: string }): Promise<Finding> {
    return this.security.overdue(now.toISOString(), exampleLimit, openDuring, 'regulator_notice');
  }

  /** Whether a lead department for app management is named while the ledger has apps (examined: 1 when it has apps). */
  leadDepartmentNamed(): Promise<Finding> {
    return this.accountability.leadDepartmentFinding();
  }

  /** Apps not retired without a business owner, a technology owner or a full responsibility matrix. */
  withoutAccountability(): Promise<Finding> {
    return this.accountability.withoutAccountability();
  }
}
