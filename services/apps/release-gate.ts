import type { Trx } from '../db';
import { ProblemError } from '../shared/errors';

/**
 * Answers whether a published notice covers a purpose: the app's own notice or the general one (no
 * appId: the general one only). Implemented by the notices feature (NoticeService).
 */
export interface PublishedNoticeLookup {
  hasPublishedNotice(purposeKey: string, appId?: string): Promise<boolean>;
}

/** The test kinds a release rests on: each needs a most recent result of pass within 12 months. */
export const RELEASE_TEST_KINDS = ['penetration', 'compatibility', 'privacy_review'] as const;
export type ReleaseTestKind = (typeof RELEASE_TEST_KINDS)[number];

/** A security test as the gate sees it. */
export interface SecurityTestFact {
  readonly id: string;
  readonly kind: ReleaseTestKind;
  /** YYYY-MM-DD */
  readonly performedAt: string;
  readonly result: 'pass' | 'fail' | 'conditional';
  readonly recordedAt: string;
}

/** An unfixed finding that blocks release (high or critical, from a privacy review, or marked blocking). */
export interface BlockingFindingFact {
  readonly id: string;
  readonly title: string;
  readonly severity: string;
  readonly testKind: string | null;
  readonly dueAt: string;
}

export interface ReleaseFacts {
  readonly filingNumber: string | null;
  /** Every security test of the app, all kinds. */
  readonly securityTests: readonly SecurityTestFact[];
  readonly blockingFindings: readonly BlockingFindingFact[];
  /** Purposes with legal basis `consent` the app's data uses name, and whether each has a published notice. */
  readonly consentPurposes: ReadonlyArray<{ readonly key: string; readonly hasPublishedNotice: boolean }>;
  /** Today's date (YYYY-MM-DD, UTC). */
  readonly today: string;
  /** What the ledger's sub-features (third-party components…) find unmet, each named. */
  readonly additionalUnmet?: readonly UnmetRequirement[];
}

/** A sub-feature's release requirements, judged inside the release's transaction. */
export type ReleaseCheck = (trx: Trx, appId: string) => Promise<UnmetRequirement[]>;

/** `penetration_test_missing`, `compatibility_test_not_passed`, `privacy_review_expired`… */
type TestRequirement = `${'penetration_test' | 'compatibility_test' | 'privacy_review'}_${'missing' | 'not_passed' | 'expired'}`;

export type ReleaseRequirement =
  | 'filing_number_missing'
  | TestRequirement
  | 'consent_notice_missing'
  | 'blocking_finding_open'
  | 'sdk_unapproved'
  | 'sdk_undisclosed'
  | 'compatibility_failed'
  | 'business_profile_missing'
  | 'business_outside_licence'
  | `compliance_review_${'missing' | 'not_passed' | 'expired' | 'outdated'}`
  | 'compliance_finding_overdue'
  | 'rectification_overdue';

export interface UnmetRequirement {
  readonly requirement: ReleaseRequirement;
  readonly detail: string;
  /** The test kind a test requirement is about. */
  readonly testKind?: ReleaseTestKind;
  /** The open finding a blocking_finding_open is about. */
  readonly findingId?: string;
  /** The third-party component an sdk_* requirement is about. */
  readonly sdkId?: string;
  /** The OS/platform and version a compatibility_failed is about. */
  readonly environment?: string;
  /** The open compliance-review finding a compliance_finding_overdue is about. */
  readonly complianceFindingId?: string;
  /** The inspection finding's rectification item a rectification_overdue is about. */
  readonly rectificationItemId?: string;
}

type TestEvidence = { readonly id: string; readonly performedAt: string };

/** What the release rested on, kept with the transition. */
export interface ReleaseEvidence {
  readonly filingNumber: string;
  readonly penetrationTest: TestEvidence;
  readonly compatibilityTest: TestEvidence;
  readonly privacyReview: TestEvidence;
  readonly consentPurposesWithNotice: string[];
}

export const PENETRATION_TEST_VALID_MONTHS = 12;
/** Every release test kind stays valid as long as a penetration test does. */
export const RELEASE_TEST_VALID_MONTHS = PENETRATION_TEST_VALID_MONTHS;

const LABEL: Record<ReleaseTestKind, { requirement: 'penetration_test' | 'compatibility_test' | 'privacy_review'; name: string }> = {
  penetration: { requirement: 'penetration_test', name: 'penetration test' },
  compatibility: { requirement: 'compatibility_test', name: 'compatibility test' },
  privacy_review: { requirement: 'privacy_review', name: 'privacy review' },
};

/** The earliest performedAt date still within the last 12 months of `today` (both YYYY-MM-DD). */
export function penetrationTestCutoff(today: string): string {
  const d = new Date(`${today}T00:00:00.000Z`);
  d.setUTCMonth(d.getUTCMonth() - RELEASE_TEST_VALID_MONTHS);
  return d.toISOString().slice(0, 10);
}

/** The most recent test: latest performedAt, then latest recorded. */
export function latestTest<T extends Pick<SecurityTestFact, 'performedAt' | 'recordedAt'>>(tests: readonly T[]): T | undefined {
  return [...tests].sort((a, b) => b.performedAt.localeCompare(a.performedAt) || b.recordedAt.localeCompare(a.recordedAt))[0];
}

/** The latest test of one kind, or what is wrong with it. */
function judgeKind(
  kind: ReleaseTestKind,
  tests: readonly SecurityTestFact[],
  cutoff: string,
): { unmet?: UnmetRequirement; evidence?: TestEvidence } {
  const { requirement, name } = LABEL[kind];
  const latest = latestTest(tests.filter((t) => t.kind === kind));
  if (latest === undefined) {
    return { unmet: { requirement: `${requirement}_missing`, testKind: kind, detail: `No ${name} is recorded for the app` } };
  }
  if (latest.result !== 'pass') {
    return {
      unmet: {
        requirement: `${requirement}_not_passed`,
        testKind: kind,
        detail: `The most recent ${name} (${latest.performedAt}) has result ${latest.result}`,
      },
    };
  }
  if (latest.performedAt < cutoff) {
    return {
      unmet: {
        requirement: `${requirement}_expired`,
        testKind: kind,
        detail: `The most recent passed ${name} (${latest.performedAt}) is older than ${RELEASE_TEST_VALID_MONTHS} months (on or after ${cutoff} is needed)`,
      },
    };
  }
  return { evidence: { id: latest.id, performedAt: latest.performedAt } };
}

/**
 * Release needs a filing number; for each test kind (penetration, compatibility, privacy review) a
 * most recent result of pass within the last 12 months (a later failed retest means the app is not
 * fit to release); no unfixed blocking finding; and a published notice for every consent-based
 * purpose the app processes data for. Every unmet requirement is named, not just the first.
 */
export function checkRelease(facts: ReleaseFacts): { unmet: UnmetRequirement[]; evidence?: ReleaseEvidence } {
  const unmet: UnmetRequirement[] = [];
  if (facts.filingNumber === null) unmet.push({ requirement: 'filing_number_missing', detail: 'The app has no filing number' });
  const cutoff = penetrationTestCutoff(facts.today);
  const judged = RELEASE_TEST_KINDS.map((kind) => judgeKind(kind, facts.securityTests, cutoff));
  for (const j of judged) if (j.unmet) unmet.push(j.unmet);
  const withoutNotice = facts.consentPurposes.filter((p) => !p.hasPublishedNotice).map((p) => p.key);
  if (withoutNotice.length > 0) {
    unmet.push({
      requirement: 'consent_notice_missing',
      detail: `Purposes with legal basis consent have no published notice: ${withoutNotice.join(', ')}`,
    });
  }
  for (const f of facts.blockingFindings) {
    const from = f.testKind === null ? '' : `, found by a ${LABEL[f.testKind as ReleaseTestKind]?.name ?? f.testKind}`;
    unmet.push({
      requirement: 'blocking_finding_open',
      findingId: f.id,
      detail: `Finding ${f.id} “${f.title}” (${f.severity}${from}) is not fixed`,
    });
  }
  unmet.push(...(facts.additionalUnmet ?? []));
  const [penetration, compatibility, privacy] = judged.map((j) => j.evidence);
  if (unmet.length > 0 || facts.filingNumber === null || !penetration || !compatibility || !privacy) return { unmet };
  return {
    unmet,
    evidence: {
      filingNumber: facts.filingNumber,
      penetrationTest: penetration,
      compatibilityTest: compatibility,
      privacyReview: privacy,
      consentPurposesWithNotice: facts.consentPurposes.map((p) => p.key),
    },
  };
}

/** 409 listing every release requirement the app does not meet. */
export class ReleaseGateError extends ProblemError {
  constructor(unmet: readonly UnmetRequirement[]) {
    super(409, 'release_gate_failed', 'Conflict', `The app cannot be released: ${unmet.map((u) => u.detail).join('; ')}`, {
      extensions: { unmet },
    });
  }
}
