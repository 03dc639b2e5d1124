import { ProblemError } from '../shared/errors';

/**
 * Answers whether a published notice covers a purpose: the app's own notice or the general one (no
 * appId: the general one only). Implemented by the notices feature (NoticeService).
 */
export interface PublishedNoticeLookup {
  hasPublishedNotice(purposeKey: string, appId?: string): Promise<boolean>;
}

/** A penetration test as the gate sees it. */
export interface PenetrationTestFact {
  readonly id: string;
  /** YYYY-MM-DD */
  readonly performedAt: string;
  readonly result: 'pass' | 'fail' | 'conditional';
  readonly recordedAt: string;
}

export interface ReleaseFacts {
  readonly filingNumber: string | null;
  readonly penetrationTests: readonly PenetrationTestFact[];
  /** Purposes with legal basis `consent` the app's data uses name, and whether each has a published notice. */
  readonly consentPurposes: ReadonlyArray<{ readonly key: string; readonly hasPublishedNotice: boolean }>;
  /** Today's date (YYYY-MM-DD, UTC). */
  readonly today: string;
}

export type ReleaseRequirement =
  | 'filing_number_missing'
  | 'penetration_test_missing'
  | 'penetration_test_not_passed'
  | 'penetration_test_expired'
  | 'consent_notice_missing';

export interface UnmetRequirement {
  readonly requirement: ReleaseRequirement;
  readonly detail: string;
}

/** What the release rested on, kept with the transition. */
export interface ReleaseEvidence {
  readonly filingNumber: string;
  readonly penetrationTest: { readonly id: string; readonly performedAt: string };
  readonly consentPurposesWithNotice: string[];
}

export const PENETRATION_TEST_VALID_MONTHS = 12;

/** The earliest performedAt date still within the last 12 months of `today` (both YYYY-MM-DD). */
export function penetrationTestCutoff(today: string): string {
  const d = new Date(`${today}T00:00:00.000Z`);
  d.setUTCMonth(d.getUTCMonth() - PENETRATION_TEST_VALID_MONTHS);
  return d.toISOString().slice(0, 10);
}

/** The most recent penetration test: latest performedAt, then latest recorded. */
export function latestPenetrationTest(tests: readonly PenetrationTestFact[]): PenetrationTestFact | undefined {
  return [...tests].sort((a, b) => b.performedAt.localeCompare(a.performedAt) || b.recordedAt.localeCompare(a.recordedAt))[0];
}

/**
 * Release needs a filing number, a most recent penetration test that passed within the last 12
 * months (a later failed retest means the app is not fit to release), and a published notice for
 * every consent-based purpose the app processes data for.
 */
export function checkRelease(facts: ReleaseFacts): { unmet: UnmetRequirement[]; evidence?: ReleaseEvidence } {
  const unmet: UnmetRequirement[] = [];
  if (facts.filingNumber === null) unmet.push({ requirement: 'filing_number_missing', detail: 'The app has no filing number' });
  const latest = latestPenetrationTest(facts.penetrationTests);
  const cutoff = penetrationTestCutoff(facts.today);
  if (latest === undefined) {
    unmet.push({ requirement: 'penetration_test_missing', detail: 'No penetration test is recorded for the app' });
  } else if (latest.result !== 'pass') {
    unmet.push({
      requirement: 'penetration_test_not_passed',
      detail: `The most recent penetration test (${latest.performedAt}) has result ${latest.result}`,
    });
  } else if (latest.performedAt < cutoff) {
    unmet.push({
      requirement: 'penetration_test_expired',
      detail: `The most recent passed penetration test (${latest.performedAt}) is older than ${PENETRATION_TEST_VALID_MONTHS} months (on or after ${cutoff} is needed)`,
    });
  }
  const withoutNotice = facts.consentPurposes.filter((p) => !p.hasPublishedNotice).map((p) => p.key);
  if (withoutNotice.length > 0) {
    unmet.push({
      requirement: 'consent_notice_missing',
      detail: `Purposes with legal basis consent have no published notice: ${withoutNotice.join(', ')}`,
    });
  }
  if (unmet.length > 0 || facts.filingNumber === null || latest === undefined) return { unmet };
  return {
    unmet,
    evidence: {
      filingNumber: facts.filingNumber,
      penetrationTest: { id: latest.id, performedAt: latest.performedAt },
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
