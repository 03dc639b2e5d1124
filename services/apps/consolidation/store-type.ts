import type { Db, Trx } from '../../db';
import type { PlanRecord, StepRecord, TargetApp } from './completeness';

/**
 * What the consolidation-plan service and the retirement gate need of plans, their targets and their
 * data-migration steps (store.ts on the database, fake-store.ts in memory). An app has one open plan
 * (draft or approved) at a time: a second fails as a unique violation.
 */
export interface ConsolidationStoreType {
  /** The app's open plan (draft or approved); locked for the change when `forUpdate`. */
  openPlan(appId: string, trx?: Db | Trx, forUpdate?: boolean): Promise<PlanRecord | undefined>;
  /** The app's most recent plan, open or closed. */
  latestPlan(appId: string): Promise<PlanRecord | undefined>;
  /** The named apps as they are now, by name (unknown ids are left out; reads the apps). */
  apps(ids: readonly string[], trx?: Db | Trx): Promise<TargetApp[]>;
  insertPlan(trx: Trx, plan: PlanRecord): Promise<void>;
  /** Writes the plan (not its creation) and replaces its targets. */
  updatePlan(trx: Trx, plan: PlanRecord): Promise<void>;
  /** The plan's steps, by position. */
  stepsOf(planId: string, trx?: Db | Trx): Promise<StepRecord[]>;
  insertSteps(trx: Trx, steps: readonly StepRecord[]): Promise<void>;
  /** Writes what a step is and its progress (not its plan, position or creation). */
  updateStep(trx: Trx, step: StepRecord): Promise<void>;
}
