import type { AuditLog } from '../audit';
import type { EarlierRequest } from '../idempotency';
import type { AssetSnapshot } from './engine';
import type { SubjectDecision } from './schemas';

export type ConsentState = 'current' | 'never_given' | 'withdrawn' | 'stale';

/** One customer's consent to a purpose as a decision sees it. */
export interface SubjectConsent {
  readonly state: ConsentState;
  /** Current and given separately, as sensitive personal information needs (PIPL Art. 29). */
  readonly separate: boolean;
}

/** Customers' consent to a purpose; subjects arrive pseudonymised. */
export interface ConsentChecker {
  /** One answer per subject, in order, read with one statement for the whole list. */
  consentOf(subjectRefs: readonly string[], purposeKey: string): Promise<SubjectConsent[]>;
}

export type SubjectReason = SubjectDecision['deniedFields'][number]['reason'];

/**
 * The PI category of a requested field. A field the asset does not list (or an unknown asset) is
 * taken as personal: consent is waived only for fields known to carry no personal information.
 */
export function piCategoryOf(asset: AssetSnapshot | undefined, field: string): string {
  return asset?.fields.find((f) => f.name === field)?.piCategory ?? 'personal';
}

/** Why a customer's consent does not let a field through, or undefined when it does. */
export function consentReason(consent: SubjectConsent, sensitive: boolean): SubjectReason | undefined {
  if (consent.state !== 'current') return `consent_${consent.state}`;
  if (sensitive && !consent.separate) return 'consent_not_separate';
  return undefined;
}

/** The customers a request names: `subjects` without repeats in the order first named, or the one `subject`. */
export function namedSubjects(input: { subject?: string; subjects?: readonly string[] }): string[] {
  if (input.subjects !== undefined) return [...new Set(input.subjects)];
  return input.subject === undefined ? [] : [input.subject];
}

/** What a retry needs from the first decision under its Idempotency-Key. */
export interface PriorDecision {
  readonly decisionId: string;
  readonly auditEventId: string;
  readonly day: string;
  /** Grants whose usage the first decision already counted. */
  readonly grants: ReadonlySet<string>;
  readonly records: number;
}

const CLOCK_MARGIN_MS = 5 * 60_000;

/** Reads the first decision of a retried request from the audit log (its event is no older than the key, give or take the clock). */
export function priorDecisions(audit: AuditLog) {
  return async (vendorId: string, earlier: EarlierRequest): Promise<PriorDecision | undefined> => {
    const from = new Date(Date.parse(earlier.at) - CLOCK_MARGIN_MS).toISOString();
    const [event] = await audit.list(
      { action: 'access.decided', objectType: 'vendor', objectId: vendorId, id: earlier.auditEventId, from },
      1,
    );
    if (!event) return undefined;
    const d = event.details as { decisionId?: unknown; grants?: unknown; records?: unknown };
    return {
      decisionId: String(d.decisionId),
      auditEventId: event.id,
      day: event.occurredAt.slice(0, 10),
      grants: new Set(Array.isArray(d.grants) ? d.grants.map(String) : []),
      records: typeof d.records === 'number' ? d.records : 0,
    };
  };
}
