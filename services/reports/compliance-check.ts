/**
 * The shape of one compliance check — read this before adding one.
 *
 * A check asks one question of the records a requirement applies to and answers with a Finding:
 *
 *   examined  how many records the requirement applies to (the population looked at);
 *   count     how many of those break it;
 *   examples  the ids (or keys) of the first few that break it.
 *
 * A check never sets its status. `checkStatus` derives it from the Finding: offenders make it
 * `fail` (or `warn`, per the check's severity); none among at least one record examined is `pass`;
 * nothing examined is `not_applicable` — an empty register proves nothing, so it is never a pass.
 * Count the population and the offenders in one statement (or from one query builder) so they
 * cannot drift apart.
 *
 * To add a check: write the question (a store method, or a fact another feature answers through
 * ComplianceSources) returning a Finding, then add one ComplianceCheckDefinition to the list in
 * compliance.ts with a new stable `code`, its texts in every ReportLanguage, its severity, its
 * scope and what kind of record its example ids name (`examines`, so the report prints a readable
 * name beside each id; add a kind to RecordKind and a query to ComplianceLabelStore if yours is new).
 */

/** Languages the report is written in; `zh-CN` (Simplified Chinese) is the default. */
export const REPORT_LANGUAGES = ['zh-CN', 'en'] as const;
export type ReportLanguage = (typeof REPORT_LANGUAGES)[number];

/** Of how many records the question was asked, how many break the rule, and which (up to 10). */
export interface Finding {
  readonly examined: number;
  readonly count: number;
  readonly examples: readonly string[];
}

export const CHECK_STATUSES = ['pass', 'warn', 'fail', 'not_applicable'] as const;
export type CheckStatus = (typeof CHECK_STATUSES)[number];

/** What an offender means: a breach (`fail`) or something to look at (`warn`). */
export type CheckSeverity = 'fail' | 'warn';

/** The only place a status is decided: offenders are never hidden, and nothing examined is never a pass. */
export function checkStatus(finding: Finding, severity: CheckSeverity): CheckStatus {
  if (finding.count > 0) return severity;
  return finding.examined > 0 ? 'pass' : 'not_applicable';
}

/** What a check's example ids name; each kind has a readable label (names, keys) in ComplianceLabelStore. */
export const RECORD_KINDS = [
  'department',
  'data_asset',
  'access_grant',
  'vendor',
  'purpose',
  'notice',
  'consent',
  'complaint',
  'incident',
  'rectification',
  'app',
  'vulnerability',
  'app_outage',
  'app_partner',
  'app_migration_step',
  'app_warning',
  'app_rectification_item',
  'app_event',
  'audit_event',
] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

/**
 * `current`: the state of the bank when the report is generated (assets, grants, notices…).
 * `period`: the register records open at some time in the report's period (received or detected
 * before its end, and not finished before its start), judged when the report is generated.
 */
export type CheckScope = 'current' | 'period';

/** The time the report is generated and the period it covers (`to` is exclusive), as instants. */
export interface ReportWindow {
  readonly now: Date;
  readonly from: Date;
  readonly to: Date;
}

/** The questions other features answer for the report, by name (a check of compliance.ts asks each). */
const SOURCE_NAMES = [
  'overdueComplaints',
  'overdueNotifications',
  'incidentsWithoutContainment',
  'overdueRectifications',
  'appsReleasedWithoutFiling',
  'appsWithoutRecentPenetrationTest',
  'overdueVulnerabilities',
  'appsLeadDepartmentNamed',
  'appsWithoutAccountability',
  'appsWithUnclearedSdks',
  'appsSupportingEndedEnvironments',
  'regulatorVulnerabilitiesOverdue',
  'appsWithoutRecentDrill',
  'appOutagesBeyondRto',
  'appsExitWithoutCompletePlan',
  'appMigrationStepsOverdue',
  'appsOutsideApprovedPlans',
  'departmentsOverAppCap',
  'appProposalsWithUnresolvedOverlaps',
  'appsOutsideLicensedScope',
  'appPartnersWithoutCurrentAgreement',
  'appsWithUntraceableSales',
  'appsWithoutComplianceReview',
  'appWarningsUnacknowledged',
  'appRectificationsOverdue',
  'appEventsWithoutAccountability',
] as const;

/** The other features' answers to the compliance report's questions (each feature offers its own). */
export type ComplianceSources = { readonly [Name in (typeof SOURCE_NAMES)[number]]: (window: ReportWindow) => Promise<Finding> };

/** The sources the features answered, or an error naming those none did (the service does not start without them). */
export function completeSources(answered: Partial<ComplianceSources>): ComplianceSources {
  const missing = SOURCE_NAMES.filter((name) => typeof answered[name] !== 'function');
  if (missing.length > 0) throw new Error(`No feature answers the compliance report's ${missing.join(', ')}`);
  return answered as ComplianceSources;
}

/** Register checks examine the records open at some time in the report's period. */
export const openDuring = (w: ReportWindow): { from: string; to: string } => ({ from: w.from.toISOString(), to: w.to.toISOString() });

export interface CheckText {
  /** The requirement, as a sentence an inspector can check the finding against. */
  readonly requirement: string;
  /** The Notice item, PIPL article or rule it answers to. */
  readonly source: string;
}

export interface ComplianceCheckDefinition {
  /** Stable, English, snake_case: what clients, the CSV and the signed report key on; never reworded. */
  readonly code: string;
  readonly severity: CheckSeverity;
  readonly scope: CheckScope;
  readonly examines: RecordKind;
  readonly text: Readonly<Record<ReportLanguage, CheckText>>;
  readonly run: (window: ReportWindow) => Promise<Finding>;
}
