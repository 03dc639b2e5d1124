import { uniqueViolation } from '../../shared/errors';
import type { AppStoreType } from '../store-type';
import type { PlanRecord, StepRecord, TargetApp } from './completeness';
import type { ConsolidationStoreType } from './store-type';

const isOpen = (p: PlanRecord) => p.status === 'draft' || p.status === 'approved';

/** Consolidation and retirement plans and their steps in memory, for fast tests of their rules; reads the apps from `apps`. */
export class FakeConsolidationStore implements ConsolidationStoreType {
  readonly plans: PlanRecord[] = [];
  readonly steps: StepRecord[] = [];

  constructor(private readonly ledger: Pick<AppStoreType, 'find'>) {}

  async openPlan(appId: string): Promise<PlanRecord | undefined> {
    const plan = this.plans.find((p) => p.appId === appId && isOpen(p));
    return plan && structuredClone(plan);
  }

  async latestPlan(appId: string): Promise<PlanRecord | undefined> {
    const plan = this.plans
      .filter((p) => p.appId === appId)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id))[0];
    return plan && structuredClone(plan);
  }

  async apps(ids: readonly string[]): Promise<TargetApp[]> {
    const found: TargetApp[] = [];
    for (const id of ids) {
      const app = await this.ledger.find(id);
      if (app) found.push({ id: app.id, name: app.name, lifecycleState: app.lifecycleState });
    }
    return found.sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()) || a.id.localeCompare(b.id));
  }

  async insertPlan(_trx: unknown, plan: PlanRecord): Promise<void> {
    if (isOpen(plan) && (await this.openPlan(plan.appId))) throw uniqueViolation();
    this.plans.push(structuredClone({ ...plan, mergesInto: [...plan.mergesInto].sort() }));
  }

  async updatePlan(_trx: unknown, plan: PlanRecord): Promise<void> {
    const index = this.plans.findIndex((p) => p.id === plan.id);
    const before = this.plans[index];
    if (before)
      this.plans[index] = structuredClone({
        ...plan,
        appId: before.appId,
        createdBy: before.createdBy,
        createdAt: before.createdAt,
        mergesInto: [...plan.mergesInto].sort(),
      });
  }

  async stepsOf(planId: string): Promise<StepRecord[]> {
    return this.steps
      .filter((s) => s.planId === planId)
      .sort((a, b) => a.position - b.position)
      .map((s) => structuredClone(s));
  }

  async insertSteps(_trx: unknown, steps: readonly StepRecord[]): Promise<void> {
    this.steps.push(...structuredClone(steps));
  }

  async updateStep(_trx: unknown, step: StepRecord): Promise<void> {
    const index = this.steps.findIndex((s) => s.id === step.id);
    const before = this.steps[index];
    if (before)
      this.steps[index] = structuredClone({
        ...step,
        planId: before.planId,
        position: before.position,
        createdBy: before.createdBy,
        createdAt: before.createdAt,
      });
  }
}
