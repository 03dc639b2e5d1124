import type { Db, Trx } from '../../db';
import { examinedFinding } from '../accountability/store';
import { rowMapper } from '../../platform/row-mapper';
import type { Finding } from '../../reports/compliance-check';
import type { AppState } from '../lifecycle';
import type { PlanRecord, StepRecord, TargetApp } from './completeness';
import type { PlanKind, PlanStatus, RiskAssessment, StepStatus } from './schemas';
import type { ConsolidationStoreType } from './store-type';

interface PlanRow {
  id: string;
  app_id: string;
  kind: PlanKind;
  reason: string;
  status: PlanStatus;
  risk_assessor: string | null;
  risk_assessed_on: string | null;
  risk_result: RiskAssessment['result'] | null;
  residual_risks: string[] | null;
  privacy_measures: string[];
  notification_channels: NonNullable<PlanRecord['notification']>['channels'] | null;
  notify_on: string | null;
  notification_content: string | null;
  notification_sent_at: string | null;
  notification_sent_by: string | null;
  authors: string[];
  created_by: string;
  created_at: string;
  updated_at: string;
  approved_by: string | null;
  approved_at: string | null;
  closed_by: string | null;
  closed_at: string | null;
  close_reason: string | null;
}

interface StepRow {
  id: string;
  plan_id: string;
  position: number;
  description: string;
  handling: StepRecord['handling'];
  destination: string | null;
  owner: string;
  due_on: string;
  status: StepStatus;
  completed_at: string | null;
  created_by: string;
  created_at: string;
  updated_by: string;
  updated_at: string;
}

const planFromRow = (r: PlanRow, mergesInto: string[]): PlanRecord => ({
  id: r.id,
  appId: r.app_id,
  kind: r.kind,
  status: r.status,
  reason: r.reason,
  mergesInto,
  riskAssessment:
    r.risk_assessor !== null && r.risk_assessed_on !== null && r.risk_result !== null
      ? { assessor: r.risk_assessor, assessedOn: r.risk_assessed_on, result: r.risk_result, residualRisks: r.residual_risks ?? [] }
      : null,
  privacyMeasures: r.privacy_measures,
  notification:
    r.notify_on !== null && r.notification_content !== null && r.notification_channels !== null
      ? {
          channels: r.notification_channels,
          notifyOn: r.notify_on,
          content: r.notification_content,
          sentAt: r.notification_sent_at,
          sentBy: r.notification_sent_by,
        }
      : null,
  authors: r.authors,
  createdBy: r.created_by,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  approvedBy: r.approved_by,
  approvedAt: r.approved_at,
  closedBy: r.closed_by,
  closedAt: r.closed_at,
  closeReason: r.close_reason,
});

const planToRow = (p: PlanRecord): PlanRow => ({
  id: p.id,
  app_id: p.appId,
  kind: p.kind,
  reason: p.reason,
  status: p.status,
  risk_assessor: p.riskAssessment?.assessor ?? null,
  risk_assessed_on: p.riskAssessment?.assessedOn ?? null,
  risk_result: p.riskAssessment?.result ?? null,
  residual_risks: p.riskAssessment ? p.riskAssessment.residualRisks : null,
  privacy_measures: p.privacyMeasures,
  notification_channels: p.notification?.channels ?? null,
  notify_on: p.notification?.notifyOn ?? null,
  notification_content: p.notification?.content ?? null,
  notification_sent_at: p.notification?.sentAt ?? null,
  notification_sent_by: p.notification?.sentBy ?? null,
  authors: p.authors,
  created_by: p.createdBy,
  created_at: p.createdAt,
  updated_at: p.updatedAt,
  approved_by: p.approvedBy,
  approved_at: p.approvedAt,
  closed_by: p.closedBy,
  closed_at: p.closedAt,
  close_reason: p.closeReason,
});

// jsonb columns are written as JSON text (knex would send a JS array as a PostgreSQL array).
const writable = (row: PlanRow) => ({
  ...row,
  residual_risks: row.residual_risks === null ? null : JSON.stringify(row.residual_risks),
  privacy_measures: JSON.stringify(row.privacy_measures),
  notification_channels: row.notification_channels === null ? null : JSON.stringify(row.notification_channels),
});

const steps = rowMapper<StepRecord, StepRow>({
  id: 'id',
  planId: 'plan_id',
  position: 'position',
  description: 'description',
  handling: 'handling',
  destination: 'destination',
  owner: 'owner',
  dueOn: 'due_on',
  status: 'status',
  completedAt: 'completed_at',
  createdBy: 'created_by',
  createdAt: 'created_at',
  updatedBy: 'updated_by',
  updatedAt: 'updated_at',
});

interface TargetRow {
  plan_id: string;
  app_id: string;
}

const OPEN: readonly PlanStatus[] = ['draft', 'approved'];

/** Consolidation and retirement plans, the apps they merge into and their data-migration steps. */
export class ConsolidationStore implements ConsolidationStoreType {
  constructor(private readonly db: Db) {}

  /** The app's open plan (draft or approved); locked for the change when `forUpdate`. */
  async openPlan(appId: string, trx: Db | Trx = this.db, forUpdate = false): Promise<PlanRecord | undefined> {
    const q = trx<PlanRow>('app_consolidation_plans')
      .where({ app_id: appId })
      .whereIn('status', [...OPEN])
      .first();
    if (forUpdate) q.forUpdate();
    return this.withTargets(trx, await q);
  }

  /** The app's most recent plan, open or closed. */
  async latestPlan(appId: string): Promise<PlanRecord | undefined> {
    const row = await this.db<PlanRow>('app_consolidation_plans')
      .where({ app_id: appId })
      .orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .first();
    return this.withTargets(this.db, row);
  }

  private async withTargets(trx: Db | Trx, row: PlanRow | undefined): Promise<PlanRecord | undefined> {
    if (!row) return undefined;
    const targets = await trx<TargetRow>('app_consolidation_targets').where({ plan_id: row.id }).orderBy('app_id');
    return planFromRow(
      row,
      targets.map((t) => t.app_id),
    );
  }

  /** The named apps as they are now (unknown ids are left out). */
  async apps(ids: readonly string[], trx: Db | Trx = this.db): Promise<TargetApp[]> {
    if (ids.length === 0) return [];
    const rows = await trx<{ id: string; name: string; lifecycle_state: AppState }>('apps')
      .whereIn('id', [...ids])
      .orderByRaw('lower(name), id')
      .select('id', 'name', 'lifecycle_state');
    return rows.map((r) => ({ id: r.id, name: r.name, lifecycleState: r.lifecycle_state }));
  }

  async insertPlan(trx: Trx, plan: PlanRecord): Promise<void> {
    await trx('app_consolidation_plans').insert(writable(planToRow(plan)));
    await this.replaceTargets(trx, plan);
  }

  async updatePlan(trx: Trx, plan: PlanRecord): Promise<void> {
    const { id, app_id: _appId, created_by: _by, created_at: _at, ...rest } = writable(planToRow(plan));
    await trx('app_consolidation_plans').where({ id }).update(rest);
    await this.replaceTargets(trx, plan);
  }

  private async replaceTargets(trx: Trx, plan: PlanRecord): Promise<void> {
    await trx('app_consolidation_targets').where({ plan_id: plan.id }).delete();
    if (plan.mergesInto.length > 0) {
      await trx('app_consolidation_targets').insert(plan.mergesInto.map((appId) => ({ plan_id: plan.id, app_id: appId })));
    }
  }

  async stepsOf(planId: string, trx: Db | Trx = this.db): Promise<StepRecord[]> {
    return (await trx<StepRow>('app_migration_steps').where({ plan_id: planId }).orderBy('position')).map(steps.fromRow);
  }

  async insertSteps(trx: Trx, added: readonly StepRecord[]): Promise<void> {
    if (added.length > 0) await trx('app_migration_steps').insert(added.map(steps.toRow));
  }

  async updateStep(trx: Trx, step: StepRecord): Promise<void> {
    const { id, plan_id: _plan, position: _position, created_by: _by, created_at: _at, ...rest } = steps.toRow(step);
    await trx('app_migration_steps').where({ id }).update(rest);
  }

  /**
   * Apps leaving the ledger: those consolidating, and those retired with a plan. A consolidating app
   * breaks the rule without an approved plan; a retired one if its plan was not completed with every
   * step done and the notification sent. Apps retired before plans existed (no plan) are not examined.
   */
  exitWithoutCompletePlan(): Promise<Finding> {
    const leaving = `select a.id, a.name, a.lifecycle_state from apps a
                     where a.lifecycle_state = 'consolidating'
                        or (a.lifecycle_state = 'retired' and exists (select 1 from app_consolidation_plans p where p.app_id = a.id))`;
    const complete = `exists (select 1 from app_consolidation_plans p where p.app_id = l.id
                        and (case when l.lifecycle_state = 'retired' then p.status = 'completed' and p.notification_sent_at is not null
                                    and not exists (select 1 from app_migration_steps s where s.plan_id = p.id and s.status <> 'done')
                                  else p.status = 'approved' end))`;
    return examinedFinding(this.db, leaving, `select l.id from (${leaving}) l where not ${complete} order by lower(l.name), l.id`);
  }

  /** Data-migration steps of open plans, and those not done past their due date (`today`), most overdue first. */
  overdueSteps(today: string): Promise<Finding> {
    const open = `select s.id, s.due_on from app_migration_steps s join app_consolidation_plans p on p.id = s.plan_id
                  where p.status in ('draft', 'approved')`;
    return examinedFinding(
      this.db,
      open,
      `select o.id from (${open}) o join app_migration_steps s on s.id = o.id
        where s.status <> 'done' and s.due_on < ?::date order by s.due_on, s.id`,
      { offending: [today] },
    );
  }
}
