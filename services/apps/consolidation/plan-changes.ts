import crypto from 'node:crypto';
import { ConflictError, ProblemError, ValidationError } from '../../shared/errors';
import type { LeadDepartmentService, RoleDirectory } from '../accountability';
import type { PlanRecord, StepRecord, TargetApp } from './completeness';
import type { NewMigrationStep } from './schemas';

// How a plan changes: who becomes its author, what withdraws its approval, what it may merge into, who approves it.

/** The plan's content as the audit records it (steps apart). */
export const contentOf = (p: PlanRecord) => ({
  kind: p.kind,
  reason: p.reason,
  mergesInto: p.mergesInto,
  riskAssessment: p.riskAssessment,
  privacyMeasures: p.privacyMeasures,
  notification: p.notification && { channels: p.notification.channels, notifyOn: p.notification.notifyOn, content: p.notification.content },
});

/** A revision by `by`: the plan's approval is withdrawn and `by` joins its authors. */
export const revised = (plan: PlanRecord, by: string, at: string): PlanRecord => ({
  ...plan,
  status: 'draft',
  approvedBy: null,
  approvedAt: null,
  authors: plan.authors.includes(by) ? [...plan.authors] : [...plan.authors, by],
  updatedAt: at,
});

/** What a step is (changing any of these is a revision); status and completedAt are its progress. */
export const STEP_CONTENT = ['description', 'handling', 'destination', 'owner', 'dueOn'] as const;

export const newStep = (planId: string, position: number, s: NewMigrationStep, by: string, at: string): StepRecord => ({
  id: crypto.randomUUID(),
  planId,
  position,
  description: s.description,
  handling: s.handling,
  destination: s.destination ?? null,
  owner: s.owner,
  dueOn: s.dueOn,
  status: 'planned',
  completedAt: null,
  createdBy: by,
  createdAt: at,
  updatedBy: by,
  updatedAt: at,
});

/**
 * A consolidation names the apps it merges into (not itself, each in the ledger and not winding
 * down: `found` holds those the ledger knows); a retirement names none. 400 naming the entry.
 */
export function assertTargets(plan: PlanRecord, found: readonly TargetApp[]): void {
  if (plan.kind === 'retirement' && plan.mergesInto.length > 0)
    throw ValidationError.field('body.mergesInto', 'a retirement merges into no app');
  if (plan.kind === 'consolidation' && plan.mergesInto.length === 0) {
    throw ValidationError.field('body.mergesInto', 'a consolidation names the app(s) it merges into');
  }
  const byId = new Map(found.map((a) => [a.id, a]));
  for (const [i, id] of plan.mergesInto.entries()) {
    const target = byId.get(id);
    if (id === plan.appId) throw ValidationError.field(`body.mergesInto.${i}`, 'an app cannot merge into itself');
    if (!target) throw ValidationError.field(`body.mergesInto.${i}`, `no app ${id}`);
    if (target.lifecycleState === 'consolidating' || target.lifecycleState === 'retired') {
      throw ValidationError.field(`body.mergesInto.${i}`, `the app ${target.name} is ${target.lifecycleState}`);
    }
  }
}

/** Plans are approved by app managers of the lead department (app:approve there): 409 until one is named, 403 otherwise. */
export async function assertLeadApprover(lead: Pick<LeadDepartmentService, 'get'>, roles: RoleDirectory, subject: string): Promise<void> {
  const { department } = await lead.get();
  if (department === null) {
    throw new ConflictError(
      'lead_department_not_configured',
      'No lead department for app management is named yet; an administrator names one first',
    );
  }
  const access = await roles.access(subject, 'app', 'approve');
  if (access.all || access.departments.includes(department)) return;
  throw new ProblemError(
    403,
    'not_lead_department',
    'Forbidden',
    `Only app managers of the lead department ${department} approve exit plans`,
    {
      extensions: { leadDepartment: department, step: 'plan_approval' },
    },
  );
}
