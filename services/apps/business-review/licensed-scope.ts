import type { AuditRecorder, ChangeContext } from '../../audit';
import type { Transactor } from '../../db';
import type { Clock } from '../../platform/clock';
import { staffSubject } from '../service';
import { NATIONWIDE, type LicensedScope, type OutsideLicence, type SetLicensedScope } from './schemas';
import type { BusinessReviewStoreType, LicensedScopeRecord } from './store-type';

const NOT_SET: LicensedScope = { licenceReference: null, businessLines: [], regions: [], setBy: null, setAt: null };

const scopeFacts = (s: LicensedScopeRecord | undefined) =>
  s ? { licenceReference: s.licenceReference, businessLines: s.businessLines, regions: s.regions } : null;

/** What a declaration names that the licensed scope does not cover; without a scope, everything (fail closed). */
export function outsideLicence(
  declared: { businessLines: readonly string[]; regions: readonly string[] },
  scope: { businessLines: ReadonlyArray<{ code: string }>; regions: readonly string[] } | undefined,
): OutsideLicence {
  const lines = new Set(scope?.businessLines.map((l) => l.code) ?? []);
  const regions = new Set(scope?.regions ?? []);
  return {
    businessLines: declared.businessLines.filter((l) => !lines.has(l)),
    regions: regions.has(NATIONWIDE) ? [] : declared.regions.filter((r) => !regions.has(r)),
  };
}

export const isOutside = (o: OutsideLicence): boolean => o.businessLines.length > 0 || o.regions.length > 0;

/**
 * The institution's licensed business lines and regions, as its financial licence states them: set
 * by the compliance function (compliance officers holding the role everywhere), audited when it changes.
 */
export class LicensedScopeService {
  constructor(
    private readonly db: Transactor,
    private readonly store: Pick<BusinessReviewStoreType, 'licensedScope' | 'setLicensedScope'>,
    private readonly audit: AuditRecorder,
    private readonly clock: Clock,
  ) {}

  async get(): Promise<LicensedScope> {
    return (await this.store.licensedScope()) ?? NOT_SET;
  }

  async set(ctx: ChangeContext, input: SetLicensedScope): Promise<LicensedScope> {
    const by = staffSubject(ctx);
    return this.db.transaction(async (trx) => {
      const before = await this.store.licensedScope(trx, true);
      const after: LicensedScopeRecord = { ...input, setBy: by, setAt: this.clock.now().toISOString() };
      if (before && JSON.stringify(scopeFacts(before)) === JSON.stringify(scopeFacts(after))) return before;
      await this.store.setLicensedScope(trx, after);
      await this.audit.record(trx, ctx, {
        action: 'app.licensed_scope_set',
        objectType: 'app_licensed_scope',
        objectId: after.licenceReference,
        details: { before: scopeFacts(before), after: scopeFacts(after) },
      });
      return after;
    });
  }
}
