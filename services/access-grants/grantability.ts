import { fieldLabel, undisclosed, type SensitiveRelease } from '../notices/disclosure';
import type { CurrentNotice } from '../notices/store';
import { ConflictError, ProblemError } from '../shared/errors';

/** A vendor's security assessment is current for this many months after a pass. */
export const ASSESSMENT_VALID_MONTHS = 12;

export interface AssessmentView {
  readonly assessedAt: string;
  readonly result: string;
}

/** The earliest assessment date (YYYY-MM-DD) still current at `now`. */
export function assessmentCutoff(now: Date): string {
  const cutoff = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - ASSESSMENT_VALID_MONTHS, now.getUTCDate()));
  return cutoff.toISOString().slice(0, 10);
}

/** Outsourcing needs a passed security assessment of the vendor from the last 12 months (the Notice; PIPL Art. 21). */
export function assertAssessmentCurrent(assessment: AssessmentView | null | undefined, now: Date): void {
  const cutoff = assessmentCutoff(now);
  let why: string | undefined;
  if (!assessment) why = 'the vendor has no security assessment on record';
  else if (assessment.result !== 'pass')
    why = `the vendor’s latest security assessment (${assessment.assessedAt}) is ${assessment.result}, not pass`;
  else if (assessment.assessedAt < cutoff)
    why = `the vendor’s passed security assessment of ${assessment.assessedAt} is older than ${ASSESSMENT_VALID_MONTHS} months`;
  if (why === undefined) return;
  throw new ProblemError(
    409,
    'security_assessment_not_current',
    'Conflict',
    `The grant cannot be approved: ${why}; record a passed assessment dated ${cutoff} or later first`,
    {
      extensions: { assessment: assessment ?? null, passedOnOrAfter: cutoff },
    },
  );
}

/** The asset, its fields and the purpose as an approval sees them, share-locked so none retires before it commits. */
export interface GrantSubjects {
  readonly asset: { readonly key: string; readonly status: string } | undefined;
  readonly fields: ReadonlyArray<{ readonly name: string; readonly piCategory: string; readonly status: string }>;
  readonly purpose: { readonly status: string; readonly legalBasis: string } | undefined;
}

/** A retired asset, field or purpose is never granted. */
export function assertSubjectsLive(grant: { fields: readonly string[]; purposeKey: string }, subjects: GrantSubjects): void {
  if (!subjects.asset || subjects.asset.status !== 'active') throw new ConflictError('asset_retired', 'The data asset has been retired');
  if (!subjects.purpose || subjects.purpose.status !== 'active')
    throw new ConflictError('purpose_retired', `The purpose ${grant.purposeKey} has been retired`);
  const live = new Set(subjects.fields.filter((f) => f.status === 'active').map((f) => f.name));
  const gone = grant.fields.filter((f) => !live.has(f));
  if (gone.length > 0) throw new ConflictError('fields_retired', `Fields retired since the request: ${gone.join(', ')}`);
}

/**
 * Every current notice of the purpose (its general notice and each app's) must disclose the
 * sensitive fields the grant releases; a consent-based purpose without a published notice cannot
 * release any (nobody could have been told, PIPL Art. 17, 29-30).
 */
export function assertNoticesDisclose(
  grant: { id: string; fields: readonly string[]; purposeKey: string },
  subjects: GrantSubjects,
  notices: readonly CurrentNotice[],
): void {
  const assetKey = subjects.asset?.key ?? '';
  const sensitive = subjects.fields.filter((f) => f.piCategory === 'sensitive' && grant.fields.includes(f.name));
  if (sensitive.length === 0) return;
  const releases: SensitiveRelease[] = sensitive.map((f) => ({ assetKey, field: f.name, grantIds: [grant.id] }));
  if (notices.length === 0) {
    if (subjects.purpose?.legalBasis !== 'consent') return;
    throw notInNotice(
      `The purpose ${grant.purposeKey} rests on consent and has no published notice, so nobody was told about ${releases.map(fieldLabel).join(', ')}`,
      releases,
      [],
    );
  }
  for (const notice of notices) {
    const missing = undisclosed(notice.sensitivePiCategories, releases);
    if (missing.length === 0) continue;
    const scope = notice.appId === null ? 'general notice' : `notice for app ${notice.appId}`;
    throw notInNotice(
      `The ${scope} of ${grant.purposeKey} (version ${notice.version}) does not disclose the sensitive fields ${missing.map(fieldLabel).join(', ')}; ` +
        'publish a version whose sensitive categories name them first',
      missing,
      [notice],
    );
  }
}

const notInNotice = (detail: string, missing: readonly SensitiveRelease[], notices: readonly CurrentNotice[]) =>
  new ProblemError(409, 'sensitive_data_not_in_notice', 'Conflict', detail, {
    extensions: {
      missing: missing.map((m) => ({ asset: m.assetKey, field: m.field })),
      notices: notices.map((n) => ({ id: n.id, app: n.appId, version: n.version })),
    },
  });

/** A retirement refused because approved grants that have not ended name what is retiring. */
export function grantsDependOn(what: string, grantIds: readonly string[]): ProblemError {
  const shown = grantIds.slice(0, 20).join(', ');
  const more = grantIds.length > 20 ? ` and ${grantIds.length - 20} more` : '';
  return new ProblemError(
    409,
    'grants_depend_on_it',
    'Conflict',
    `${what} cannot be retired while approved grants that have not ended name it: ${shown}${more}. Revoke them first (each revocation is audited and reaches every replica and token at once)`,
    { extensions: { grants: grantIds.slice(0, 100), grantCount: grantIds.length } },
  );
}
