import type { AuditRecorder, ChangeContext } from '../../audit';
import type { Trx } from '../../db';
import type { Clock } from '../../platform/clock';
import { localDate } from '../../reports/report-time';
import type { RetirementGate } from '../lifecycle-service';
import { staffSubject } from '../service';
import { PlanIncompleteError, retirementGaps } from './completeness';
import type { ConsolidationStoreType } from './store-type';

const REFUSAL = 'The app cannot be retired until its consolidation or retirement plan is complete';

/** The lifecycle's retirement step asks here, inside its transaction: refused until the app's plan is complete, which it then completes. */
export class PlanRetirementGate implements RetirementGate {
  constructor(
    private readonly deps: {
      readonly store: Pick<ConsolidationStoreType, 'openPlan' | 'stepsOf' | 'apps' | 'updatePlan'>;
      readonly audit: AuditRecorder;
      readonly clock: Clock;
      readonly timeZone: string;
    },
  ) {}

  /** 409 retirement_plan_incomplete naming every part of the plan not yet done (plan_missing without one). */
  async assertRetirable(trx: Trx, appId: string): Promise<void> {
    const plan = await this.deps.store.openPlan(appId, trx, true);
    if (!plan) {
      throw new PlanIncompleteError('retirement_plan_incomplete', REFUSAL, null, [
        { item: 'plan_missing', detail: 'The app has no open consolidation or retirement plan' },
      ]);
    }
    const today = localDate(this.deps.clock.now(), this.deps.timeZone);
    const steps = await this.deps.store.stepsOf(plan.id, trx);
    const gaps = retirementGaps(plan, steps, await this.deps.store.apps(plan.mergesInto, trx), today);
    if (gaps.length > 0) throw new PlanIncompleteError('retirement_plan_incomplete', REFUSAL, plan.id, gaps);
  }

  /** Once the app is retired, in the same transaction: its plan is completed, closed by whoever retired the app. */
  async retired(trx: Trx, ctx: ChangeContext, appId: string): Promise<void> {
    const plan = await this.deps.store.openPlan(appId, trx, true);
    if (!plan) return;
    const now = this.deps.clock.now().toISOString();
    await this.deps.store.updatePlan(trx, { ...plan, status: 'completed', closedBy: staffSubject(ctx), closedAt: now, updatedAt: now });
    await this.deps.audit.record(trx, ctx, {
      action: 'app.consolidation_plan_completed',
      objectType: 'app',
      objectId: appId,
      details: { planId: plan.id, kind: plan.kind, mergesInto: plan.mergesInto, approvedBy: plan.approvedBy },
    });
  }
}
