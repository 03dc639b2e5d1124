import { ProblemError } from '../../shared/errors';
import type { AppState } from '../lifecycle';
import type { PlanGap, PlanKind, PlanStatus, RiskAssessment, StepStatus, UserNotification } from './schemas';

/** A plan as stored (its targets by id; its steps apart). */
export interface PlanRecord {
  id: string;
  appId: string;
  kind: PlanKind;
  status: PlanStatus;
  reason: string;
  mergesInto: string[];
  riskAssessment: RiskAssessment | null;
  privacyMeasures: string[];
  notification: (UserNotification & { sentAt: string | null; sentBy: string | null }) | null;
  authors: string[];
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  approvedBy: string | null;
  approvedAt: string | null;
  closedBy: string | null;
  closedAt: string | null;
  closeReason: string | null;
}

export interface StepRecord {
  id: string;
  planId: string;
  position: number;
  description: string;
  handling: 'migrated' | 'deleted';
  destination: string | null;
  owner: string;
  dueOn: string;
  status: StepStatus;
  completedAt: string | null;
  createdBy: string;
  createdAt: string;
  updatedBy: string;
  updatedAt: string;
}

/** An app the plan merges into, as it is now. */
export interface TargetApp {
  id: string;
  name: string;
  lifecycleState: AppState;
}

/** States an app can take another app's users into: neither leaving nor gone. */
const WINDING_DOWN: readonly AppState[] = ['consolidating', 'retired'];

export const isOverdue = (step: Pick<StepRecord, 'status' | 'dueOn'>, today: string): boolean =>
  step.status !== 'done' && step.dueOn < today;

/** What the plan's content lacks: the lead department approves a plan with none of these. */
export function contentGaps(plan: PlanRecord, steps: readonly StepRecord[], targets: readonly TargetApp[]): PlanGap[] {
  const gaps: PlanGap[] = [];
  if (plan.kind === 'consolidation' && targets.length === 0) {
    gaps.push({ item: 'merge_target_unavailable', detail: 'The consolidation names no app to merge into' });
  }
  for (const target of targets.filter((t) => WINDING_DOWN.includes(t.lifecycleState))) {
    gaps.push({
      item: 'merge_target_unavailable',
      appId: target.id,
      detail: `The app ${target.name} it merges into is ${target.lifecycleState}`,
    });
  }
  if (plan.riskAssessment === null) {
    gaps.push({ item: 'risk_assessment_missing', detail: 'No risk assessment is recorded' });
  } else if (plan.riskAssessment.result === 'not_acceptable') {
    gaps.push({
      item: 'risk_not_acceptable',
      detail: `The risk assessment by ${plan.riskAssessment.assessor} (${plan.riskAssessment.assessedOn}) found the risk not acceptable`,
    });
  }
  if (steps.length === 0) gaps.push({ item: 'migration_steps_missing', detail: 'No data-migration step says what happens to the data' });
  if (plan.privacyMeasures.length === 0) gaps.push({ item: 'privacy_measures_missing', detail: 'No privacy measure is recorded' });
  if (plan.notification === null) gaps.push({ item: 'notification_missing', detail: 'No user notification is planned' });
  return gaps;
}

/**
 * Everything between the plan and the app's retirement: its content, then its approval, every
 * migration step done, and the user notification sent with its day passed (`today`: the
 * institution's calendar date).
 */
export function retirementGaps(plan: PlanRecord, steps: readonly StepRecord[], targets: readonly TargetApp[], today: string): PlanGap[] {
  const gaps = contentGaps(plan, steps, targets);
  if (plan.status !== 'approved') gaps.push({ item: 'plan_not_approved', detail: 'The lead department has not approved the plan' });
  for (const step of steps.filter((s) => s.status !== 'done')) {
    gaps.push({
      item: 'migration_step_not_done',
      stepId: step.id,
      detail: `Step ${step.position} “${step.description}” (${step.owner}, due ${step.dueOn}) is ${step.status.replace('_', ' ')}`,
    });
  }
  if (plan.notification !== null) {
    if (plan.notification.sentAt === null) {
      gaps.push({ item: 'notification_not_sent', detail: `The user notification planned for ${plan.notification.notifyOn} is not sent` });
    }
    if (plan.notification.notifyOn >= today) {
      gaps.push({
        item: 'notification_date_not_passed',
        detail: `Users are told on ${plan.notification.notifyOn}; the app retires after that day, not before`,
      });
    }
  }
  return gaps;
}

/** 409 naming every part of the plan the step still needs. */
export class PlanIncompleteError extends ProblemError {
  constructor(code: 'consolidation_plan_incomplete' | 'retirement_plan_incomplete', what: string, planId: string | null, gaps: PlanGap[]) {
    super(409, code, 'Conflict', `${what}: ${gaps.map((g) => g.detail).join('; ')}`, { extensions: { planId, incomplete: gaps } });
  }
}
