import type { Clock } from '../platform/clock';
import crypto from 'node:crypto';
import type { AuditRecorder, ChangeContext } from '../audit';
import type { Transactor, Trx } from '../db';
import { ConflictError, ProblemError, ValidationError } from '../shared/errors';
import type { LeadDepartmentService } from './accountability/service';
import { assertSeparateChecker, assertTransition } from './lifecycle';
import { ReleaseGateError, checkRelease, type PublishedNoticeLookup, type ReleaseCheck, type ReleaseEvidence } from './release-gate';
import type { App, AppDetail, AppTransition, TransitionRequest } from './schemas';
import type { AppSecurityStoreType } from './security-store-type';
import { appNotFound, staffSubject } from './service';
import type { AppStoreType } from './store-type';

/** What the lifecycle needs to know about purposes: their legal basis. */
export interface PurposeDirectory {
  purpose(key: string): Promise<{ key: string; legalBasis: string; status: string } | undefined>;
}

/** A sub-feature's say on retirement, inside the retirement's transaction: refuse it (throw), then close its records once retired. */
export interface RetirementGate {
  assertRetirable(trx: Trx, appId: string): Promise<void>;
  retired(trx: Trx, ctx: ChangeContext, appId: string): Promise<void>;
}

/** Entry approval needs the app's business owner and technology owner named (its responsible person always is). */
function assertOwnersNamed(app: App): void {
  const missing = [
    app.businessOwner === null ? 'businessOwner' : undefined,
    app.technologyOwner === null ? 'technologyOwner' : undefined,
  ].filter((m): m is string => m !== undefined);
  if (missing.length > 0) {
    throw new ProblemError(409, 'owners_missing', 'Conflict', `Approving the app's entry needs its ${missing.join(' and ')}`, {
      extensions: { missing },
    });
  }
}

/** Moves apps through their lifecycle, one step at a time, with the release and retirement gates. */
export class AppLifecycleService {
  constructor(
    private readonly db: Transactor,
    private readonly store: AppStoreType,
    private readonly security: Pick<AppSecurityStoreType, 'testFactsOf' | 'blockingFindingsOf'>,
    private readonly audit: AuditRecorder,
    private readonly purposes: PurposeDirectory,
    private readonly notices: PublishedNoticeLookup,
    private readonly lead: Pick<LeadDepartmentService, 'assertLeadApprover'>,
    private readonly releaseChecks: readonly ReleaseCheck[] = [],
    /** Further conditions of entry approval (plans, overlaps); each throws its own refusal. */
    private readonly entryChecks: ReadonlyArray<(trx: Trx, id: string) => Promise<void>> = [],
    private readonly retirementGates: readonly RetirementGate[] = [],
    private readonly clock: Clock,
  ) {}

  async transition(ctx: ChangeContext, id: string, input: TransitionRequest): Promise<AppDetail> {
    const by = staffSubject(ctx);
    const now = this.clock.now();
    if (input.disposal && new Date(input.disposal.userNotifiedAt) > now) {
      throw new ValidationError('body.disposal.userNotifiedAt: must not be in the future', [
        { path: 'body.disposal.userNotifiedAt', message: 'must not be in the future' },
      ]);
    }
    const current = await this.store.find(id);
    if (!current) throw appNotFound(id);
    // Purposes and notices live outside this feature: ask before the transaction (PGlite has one connection).
    const consentPurposes = input.to === 'released' ? await this.consentPurposes(id) : [];

    return this.db.transaction(async (trx) => {
      const app = await this.store.find(id, trx, true);
      if (!app) throw appNotFound(id);
      assertTransition(app.lifecycleState, input.to);
      assertSeparateChecker(by, input.to, app, await this.store.transitionsOf(id, trx));
      await this.lead.assertLeadApprover(trx, by, input.to);
      if (input.to === 'approved') {
        assertOwnersNamed(app);
        for (const check of this.entryChecks) await check(trx, id);
      }
      if (input.to === 'retired') for (const gate of this.retirementGates) await gate.assertRetirable(trx, id);
      let releaseEvidence: ReleaseEvidence | null = null;
      if (input.to === 'released') {
        const checked = new Set(consentPurposes.map((p) => p.checkedKey));
        if ((await this.store.purposesOf(id, trx)).some((key) => !checked.has(key))) {
          throw new ConflictError('concurrent_change', 'The app’s data uses changed while it was being released; try again');
        }
        const additionalUnmet = [];
        for (const check of this.releaseChecks) additionalUnmet.push(...(await check(trx, id)));
        const gate = checkRelease({
          filingNumber: app.filingNumber,
          securityTests: await this.security.testFactsOf(trx, id),
          blockingFindings: await this.security.blockingFindingsOf(trx, id),
          consentPurposes: consentPurposes.flatMap((p) =>
            p.consent ? [{ key: p.checkedKey, hasPublishedNotice: p.hasPublishedNotice }] : [],
          ),
          today: now.toISOString().slice(0, 10),
          additionalUnmet,
        });
        if (!gate.evidence) throw new ReleaseGateError(gate.unmet);
        releaseEvidence = gate.evidence;
      }
      const transition: AppTransition = {
        id: crypto.randomUUID(),
        from: app.lifecycleState,
        to: input.to,
        note: input.note ?? null,
        disposal: input.disposal ?? null,
        releaseEvidence,
        transitionedBy: by,
        transitionedAt: now.toISOString(),
      };
      const after = { ...app, lifecycleState: input.to, updatedAt: transition.transitionedAt };
      await this.store.insertTransition(trx, id, transition);
      await this.store.update(trx, after);
      await this.audit.record(trx, ctx, {
        action: 'app.transitioned',
        objectType: 'app',
        objectId: id,
        details: { from: transition.from, to: transition.to, note: transition.note, disposal: transition.disposal, releaseEvidence },
      });
      if (input.to === 'retired') for (const gate of this.retirementGates) await gate.retired(trx, ctx, id);
      return { ...after, transitions: await this.store.transitionsOf(id, trx) };
    });
  }

  /** Every purpose the app's data uses name, whether it rests on consent, and whether a published notice covers it. */
  private async consentPurposes(appId: string): Promise<Array<{ checkedKey: string; consent: boolean; hasPublishedNotice: boolean }>> {
    const keys = await this.store.purposesOf(appId);
    const answers = [];
    for (const key of keys) {
      const purpose = await this.purposes.purpose(key);
      const consent = purpose?.legalBasis === 'consent';
      answers.push({ checkedKey: key, consent, hasPublishedNotice: consent ? await this.notices.hasPublishedNotice(key, appId) : false });
    }
    return answers;
  }
}
