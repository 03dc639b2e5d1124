import type { Finding } from './compliance-check';

/**
 * The compliance report's read model: one question per check over other features' records
 * (assets, grants, vendors, notices, consents, role assignments). compliance-store.ts answers them
 * with set-based SQL; each answer says how many records were examined and which broke the rule.
 */
export interface ComplianceReadModel {
  /** Of the live assets, those whose owning department has nobody holding data_owner there (or for every department). */
  assetsWithoutDataOwner(): Promise<Finding>;
  /** Of the live assets, those without a single live, classified field. */
  assetsWithoutClassifiedFields(): Promise<Finding>;
  /** Of the approved grants, those without a bounded end: no end, or longer than 365 days. */
  grantsWithoutEnd(): Promise<Finding>;
  /** Of the approved grants not yet ended, those that run past their vendor's contract. */
  grantsPastContract(now: string): Promise<Finding>;
  /** Of the grants active now, those not used for `days` days (never used: counted from approval). */
  grantsUnused(now: string, days: number): Promise<Finding>;
  /** Of the vendors whose contract has ended, those still holding an active grant. */
  vendorsExpiredWithActiveGrants(now: string): Promise<Finding>;
  /** Of the approved grants of sensitive PI, those without a privacy officer's co-approval. */
  sensitiveGrantsWithoutPrivacyOfficer(): Promise<Finding>;
  /** Of the live purposes based on consent, those without a published notice. */
  consentPurposesWithoutNotice(): Promise<Finding>;
  /** Of the latest published version of each notice scope, those that name no complaint channel. */
  noticesWithoutComplaintChannel(): Promise<Finding>;
  /** Of the approved grants not yet ended, those naming a retired asset, field or purpose. */
  grantsOnRetiredSubjects(now: string): Promise<Finding>;
  /** Of the approved grants not yet ended, those of vendors without a passed security assessment dated `cutoff` (YYYY-MM-DD) or later. */
  grantsOfVendorsWithoutCurrentAssessment(now: string, cutoff: string): Promise<Finding>;
  /** Of the live grants releasing a sensitive field, those a current notice of their purpose does not disclose (or, for consent, no notice at all). */
  sensitiveGrantsUndisclosed(now: string): Promise<Finding>;
  /** Of the current notices of purposes under which live grants release sensitive fields, those that omit one. */
  noticesOmittingGrantedSensitiveData(now: string): Promise<Finding>;
  /** Of the consents relied on (latest event of a subject and purpose is a consent), those to a version older than the latest material one. */
  staleConsents(): Promise<Finding>;
}
