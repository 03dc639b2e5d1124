import type { Db, Trx } from '../../db';
import { isoDay, isoInstant } from '../../platform/row-mapper';
import { newestFirstAfter } from '../store';
import type { AccountabilityDecision, AccountabilitySubjectKind } from './schemas';
import type { FindingFilter, FindingRecord, RectificationItemRecord, SupervisionStoreType } from './store-type';

export type { FindingRecord, RectificationItemRecord } from './store-type';

interface FindingRow {
  id: string;
  app_id: string;
  inspection: FindingRecord['inspection'];
  inspector: FindingRecord['inspector'];
  inspection_reference: string;
  inspected_on: string | Date;
  title: string;
  description: string;
  recorded_by: string;
  recorded_at: string;
}

interface ItemRow {
  id: string;
  finding_id: string;
  app_id: string;
  action: string;
  owner: string;
  owner_department: string;
  due_at: string;
  created_by: string;
  created_at: string;
  closed_at: string | null;
  closed_by: string | null;
  evidence: string | null;
}

interface DecisionRow {
  id: string;
  app_id: string;
  subject_kind: AccountabilitySubjectKind;
  subject_id: string;
  accountable_person: string | null;
  accountable_department: string | null;
  measure: AccountabilityDecision['measure'];
  description: string;
  decided_on: string | Date;
  decided_by: string;
  recorded_at: string;
}

const findingFromRow = (r: FindingRow): FindingRecord => ({
  id: r.id,
  appId: r.app_id,
  inspection: r.inspection,
  inspector: r.inspector,
  inspectionReference: r.inspection_reference,
  inspectedOn: isoDay(r.inspected_on),
  title: r.title,
  description: r.description,
  recordedBy: r.recorded_by,
  recordedAt: isoInstant(r.recorded_at),
});

const itemFromRow = (r: ItemRow): RectificationItemRecord => ({
  id: r.id,
  findingId: r.finding_id,
  appId: r.app_id,
  action: r.action,
  owner: r.owner,
  ownerDepartment: r.owner_department,
  dueAt: isoInstant(r.due_at),
  createdBy: r.created_by,
  createdAt: isoInstant(r.created_at),
  closedAt: r.closed_at === null ? null : isoInstant(r.closed_at),
  closedBy: r.closed_by,
  evidence: r.evidence,
});

const decisionFromRow = (r: DecisionRow): AccountabilityDecision => ({
  id: r.id,
  appId: r.app_id,
  subject: { kind: r.subject_kind, id: r.subject_id },
  accountable: r.accountable_person === null ? null : { person: r.accountable_person, department: r.accountable_department as string },
  measure: r.measure,
  description: r.description,
  decidedOn: isoDay(r.decided_on),
  decidedBy: r.decided_by,
  recordedAt: isoInstant(r.recorded_at),
});

/** Inspection findings with their rectification items, accountability decisions, and the compliance report's questions. */
export class SupervisionStore implements SupervisionStoreType {
  constructor(private readonly db: Db) {}

  async insertFinding(trx: Trx, f: FindingRecord): Promise<void> {
    await trx('app_inspection_findings').insert({
      id: f.id,
      app_id: f.appId,
      inspection: f.inspection,
      inspector: f.inspector,
      inspection_reference: f.inspectionReference,
      inspected_on: f.inspectedOn,
      title: f.title,
      description: f.description,
      recorded_by: f.recordedBy,
      recorded_at: f.recordedAt,
    });
  }

  async finding(appId: string, findingId: string, trx: Db | Trx = this.db): Promise<FindingRecord | undefined> {
    const row = await trx<FindingRow>('app_inspection_findings').where({ app_id: appId, id: findingId }).first();
    return row ? findingFromRow(row) : undefined;
  }

  async insertItems(trx: Trx, items: readonly RectificationItemRecord[]): Promise<void> {
    await trx('app_rectification_items').insert(
      items.map((i) => ({
        id: i.id,
        finding_id: i.findingId,
        app_id: i.appId,
        action: i.action,
        owner: i.owner,
        owner_department: i.ownerDepartment,
        due_at: i.dueAt,
        created_by: i.createdBy,
        created_at: i.createdAt,
      })),
    );
  }

  async item(appId: string, itemId: string, trx: Db | Trx = this.db, forUpdate = false): Promise<RectificationItemRecord | undefined> {
    const q = trx<ItemRow>('app_rectification_items').where({ app_id: appId, id: itemId }).first();
    if (forUpdate) q.forUpdate();
    const row = await q;
    return row ? itemFromRow(row) : undefined;
  }

  async closeItem(trx: Trx, i: RectificationItemRecord): Promise<void> {
    await trx('app_rectification_items').where({ id: i.id }).update({ closed_at: i.closedAt, closed_by: i.closedBy, evidence: i.evidence });
  }

  /** Findings of an app, most recently recorded first, with their items (oldest first). */
  async findingsOf(
    appId: string,
    filter: FindingFilter,
    limit: number,
  ): Promise<Array<FindingRecord & { items: RectificationItemRecord[] }>> {
    const q = this.db<FindingRow>('app_inspection_findings').where({ app_id: appId }).limit(limit);
    if (filter.inspector) q.andWhere({ inspector: filter.inspector });
    newestFirstAfter(q, 'app_inspection_findings', ['recorded_at', 'id'], filter.afterId);
    const findings = (await q).map(findingFromRow);
    const items = findings.length
      ? await this.db<ItemRow>('app_rectification_items')
          .whereIn(
            'finding_id',
            findings.map((f) => f.id),
          )
          .orderBy(['created_at', 'id'])
      : [];
    return findings.map((f) => ({ ...f, items: items.filter((i) => i.finding_id === f.id).map(itemFromRow) }));
  }

  async itemsOfFinding(findingId: string, trx: Db | Trx = this.db): Promise<RectificationItemRecord[]> {
    return (await trx<ItemRow>('app_rectification_items').where({ finding_id: findingId }).orderBy(['created_at', 'id'])).map(itemFromRow);
  }

  async insertDecision(trx: Trx, d: AccountabilityDecision): Promise<void> {
    await trx('app_accountability_decisions').insert({
      id: d.id,
      app_id: d.appId,
      subject_kind: d.subject.kind,
      subject_id: d.subject.id,
      accountable_person: d.accountable?.person ?? null,
      accountable_department: d.accountable?.department ?? null,
      measure: d.measure,
      description: d.description,
      decided_on: d.decidedOn,
      decided_by: d.decidedBy,
      recorded_at: d.recordedAt,
    });
  }

  async decisionsOf(appId: string, afterId: string | undefined, limit: number): Promise<AccountabilityDecision[]> {
    const q = this.db<DecisionRow>('app_accountability_decisions').where({ app_id: appId }).limit(limit);
    newestFirstAfter(q, 'app_accountability_decisions', ['recorded_at', 'id'], afterId);
    return (await q).map(decisionFromRow);
  }

  /** The app's rectification items open past `now`, most overdue first. */
  async overdueItemsOf(trx: Db | Trx, appId: string, now: string): Promise<RectificationItemRecord[]> {
    const q = trx<ItemRow>('app_rectification_items').where({ app_id: appId }).whereNull('closed_at').andWhere('due_at', '<', now);
    return (await q.orderBy(['due_at', 'id'])).map(itemFromRow);
  }
}
