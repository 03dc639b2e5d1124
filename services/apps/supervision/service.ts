import crypto from 'node:crypto';
import type { AuditRecorder, ChangeContext } from '../../audit';
import type { Transactor, Trx } from '../../db';
import type { DepartmentService } from '../../departments';
import type { Clock } from '../../platform/clock';
import { ConflictError, NotFoundError, ValidationError } from '../../shared/errors';
import { decodeUuidCursor, type Page } from '../../shared/schemas';
import { SeparationOfDutiesError } from '../lifecycle';
import type { UnmetRequirement } from '../release-gate';
import { appNotFound, lockChangeableApp, pageOf, staffSubject } from '../service';
import type { App } from '../schemas';
import type { AppStoreType } from '../store-type';
import type {
  AccountabilityDecision,
  AccountabilityEvent,
  CloseRectificationItem,
  CreateInspectionFinding,
  CreateRectificationItem,
  DecisionQuery,
  FindingQuery,
  InspectionFinding,
  RecordAccountabilityDecision,
  RectificationItem,
} from './schemas';
import type { AccountabilityEventLookup } from './events-store-type';
import type { FindingRecord, RectificationItemRecord, SupervisionStoreType } from './store-type';

// Dates carry no time zone: an inspection held "today" in UTC+14 must not be refused as a future date.
const LATEST_ZONE_OFFSET_MS = 14 * 3_600_000;
const latestToday = (now: Date) => new Date(now.getTime() + LATEST_ZONE_OFFSET_MS).toISOString().slice(0, 10);

/** open, overdue (open past due) or closed; and whether it was closed late. */
export function itemView(i: RectificationItemRecord, now: Date): RectificationItem {
  const status = i.closedAt !== null ? 'closed' : new Date(i.dueAt) < now ? 'overdue' : 'open';
  return { ...i, status, closedLate: i.closedAt === null ? null : i.closedAt > i.dueAt };
}

const findingView = (f: FindingRecord, items: RectificationItemRecord[], now: Date): InspectionFinding => ({
  ...f,
  rectifications: items.map((i) => itemView(i, now)),
});

const NOT_AN_EVENT: Record<RecordAccountabilityDecision['subject']['kind'], string> = {
  warning: 'is not a major warning; only major warnings call for an accountability decision',
  vulnerability: 'is neither regulator-reported nor overdue',
  inspection_finding: 'is not an inspection finding of this app',
  rectification_item: 'is not overdue (open past its due date, or closed late)',
};

/** The Notice, item 9: inspection findings and their rectification, and accountability for major events and overdue rectification. */
export class SupervisionService {
  constructor(
    private readonly db: Transactor,
    private readonly apps: Pick<AppStoreType, 'find'>,
    private readonly store: SupervisionStoreType,
    private readonly events: AccountabilityEventLookup,
    private readonly audit: AuditRecorder,
    private readonly departments: Pick<DepartmentService, 'requireExisting'>,
    private readonly clock: Clock,
  ) {}

  async registerFinding(ctx: ChangeContext, appId: string, input: CreateInspectionFinding): Promise<InspectionFinding> {
    const by = staffSubject(ctx);
    const now = this.clock.now();
    if (input.inspectedOn > latestToday(now)) throw ValidationError.field('body.inspectedOn', 'must not be in the future');
    await this.checkItems(input.rectifications, now, 'body.rectifications');
    return this.db.transaction(async (trx) => {
      await lockChangeableApp(this.apps, trx, appId);
      const { rectifications, ...facts } = input;
      const finding: FindingRecord = { id: crypto.randomUUID(), appId, ...facts, recordedBy: by, recordedAt: now.toISOString() };
      await this.store.insertFinding(trx, finding);
      const items = rectifications.map((r) => this.newItem(finding, r, by, now));
      await this.store.insertItems(trx, items);
      await this.audit.record(trx, ctx, {
        action: 'app.inspection_finding_registered',
        objectType: 'app_inspection_finding',
        objectId: finding.id,
        details: { finding, rectifications: items },
      });
      return findingView(finding, items, now);
    });
  }

  async addItem(ctx: ChangeContext, appId: string, findingId: string, input: CreateRectificationItem): Promise<RectificationItem> {
    const by = staffSubject(ctx);
    const now = this.clock.now();
    await this.checkItems([input], now, 'body', true);
    return this.db.transaction(async (trx) => {
      await lockChangeableApp(this.apps, trx, appId);
      const finding = await this.store.finding(appId, findingId, trx);
      if (!finding) throw new NotFoundError(`No inspection finding ${findingId} on app ${appId}`);
      const item = this.newItem(finding, input, by, now);
      await this.store.insertItems(trx, [item]);
      await this.audit.record(trx, ctx, {
        action: 'app.rectification_item_added',
        objectType: 'app_rectification_item',
        objectId: item.id,
        details: { item },
      });
      return itemView(item, now);
    });
  }

  /** Closes an item with its evidence: never by its owner (the maker does not check their own work); once. */
  async closeItem(ctx: ChangeContext, appId: string, itemId: string, input: CloseRectificationItem): Promise<RectificationItem> {
    const by = staffSubject(ctx);
    const now = this.clock.now();
    return this.db.transaction(async (trx) => {
      await this.lockApp(trx, appId);
      const before = await this.store.item(appId, itemId, trx, true);
      if (!before) throw new NotFoundError(`No rectification item ${itemId} on app ${appId}`);
      if (before.closedAt !== null)
        throw new ConflictError('rectification_item_closed', `The item was closed by ${before.closedBy} at ${before.closedAt}`);
      if (before.owner === by)
        throw new SeparationOfDutiesError(`${by} owns this rectification item; someone else closes it`, { owner: before.owner });
      const after: RectificationItemRecord = { ...before, closedAt: now.toISOString(), closedBy: by, evidence: input.evidence };
      await this.store.closeItem(trx, after);
      await this.audit.record(trx, ctx, {
        action: 'app.rectification_item_closed',
        objectType: 'app_rectification_item',
        objectId: itemId,
        details: {
          appId,
          findingId: after.findingId,
          owner: after.owner,
          evidence: after.evidence,
          late: (after.closedAt as string) > after.dueAt,
        },
      });
      return itemView(after, now);
    });
  }

  async listFindings(appId: string, query: FindingQuery): Promise<Page<InspectionFinding>> {
    await this.requireApp(appId);
    const now = this.clock.now();
    const rows = await this.store.findingsOf(
      appId,
      { inspector: query.inspector, afterId: decodeUuidCursor(query.cursor) },
      query.limit + 1,
    );
    const page = pageOf(rows, query.limit);
    return { items: page.items.map(({ items, ...f }) => findingView(f, items, now)), nextCursor: page.nextCursor };
  }

  /**
   * Records who is held accountable for a major event or an overdue rectification of the app, and what
   * measure: decided by someone other than the person held accountable.
   */
  async decide(ctx: ChangeContext, appId: string, input: RecordAccountabilityDecision): Promise<AccountabilityDecision> {
    const by = staffSubject(ctx);
    const now = this.clock.now();
    if (input.decidedOn > latestToday(now)) throw ValidationError.field('body.decidedOn', 'must not be in the future');
    if (input.accountable === null && input.measure !== 'no_measure')
      throw ValidationError.field('body.accountable', `names who is held accountable for the measure ${input.measure}`);
    if (input.accountable !== null) {
      if (input.accountable.person === by)
        throw new SeparationOfDutiesError(`${by} cannot decide on their own accountability`, { accountable: input.accountable.person });
      await this.departments.requireExisting([input.accountable.department], 'body.accountable.department');
    }
    return this.db.transaction(async (trx) => {
      await this.lockApp(trx, appId);
      const { kind, id } = input.subject;
      if (!(await this.events.exists(trx, appId, kind, id)))
        throw ValidationError.field('body.subject.id', `no ${kind.replace('_', ' ')} ${id} on this app`);
      if (!(await this.events.event(trx, appId, kind, id, now.toISOString())))
        throw new ConflictError('not_a_major_event', `The ${kind.replace('_', ' ')} ${id} ${NOT_AN_EVENT[kind]}`);
      const decision: AccountabilityDecision = {
        id: crypto.randomUUID(),
        appId,
        subject: input.subject,
        accountable: input.accountable,
        measure: input.measure,
        description: input.description,
        decidedOn: input.decidedOn,
        decidedBy: by,
        recordedAt: now.toISOString(),
      };
      await this.store.insertDecision(trx, decision);
      await this.audit.record(trx, ctx, {
        action: 'app.accountability_decided',
        objectType: 'app_accountability_decision',
        objectId: decision.id,
        details: { decision },
      });
      return decision;
    });
  }

  async listDecisions(appId: string, query: DecisionQuery): Promise<Page<AccountabilityDecision>> {
    await this.requireApp(appId);
    return pageOf(await this.store.decisionsOf(appId, decodeUuidCursor(query.cursor), query.limit + 1), query.limit);
  }

  async accountabilityEvents(appId: string): Promise<{ items: AccountabilityEvent[] }> {
    await this.requireApp(appId);
    return { items: await this.events.eventsOf(appId, this.clock.now().toISOString()) };
  }

  /** The release gate's part: no rectification item of an inspection finding open past its due date. */
  async releaseRequirements(trx: Trx, appId: string): Promise<UnmetRequirement[]> {
    const overdue = await this.store.overdueItemsOf(trx, appId, this.clock.now().toISOString());
    return overdue.map((i) => ({
      requirement: 'rectification_overdue' as const,
      rectificationItemId: i.id,
      detail: `The rectification item "${i.action}" (owner ${i.owner}) was due at ${i.dueAt} and is still open`,
    }));
  }

  private newItem(finding: FindingRecord, r: CreateRectificationItem, by: string, now: Date): RectificationItemRecord {
    return {
      id: crypto.randomUUID(),
      findingId: finding.id,
      appId: finding.appId,
      action: r.action,
      owner: r.owner,
      ownerDepartment: r.ownerDepartment,
      dueAt: new Date(r.dueAt).toISOString(),
      createdBy: by,
      createdAt: now.toISOString(),
      closedAt: null,
      closedBy: null,
      evidence: null,
    };
  }

  private async checkItems(items: readonly CreateRectificationItem[], now: Date, path: string, single = false): Promise<void> {
    for (const [i, item] of items.entries()) {
      const at = single ? path : `${path}.${i}`;
      if (new Date(item.dueAt) <= now) throw ValidationError.field(`${at}.dueAt`, 'must be in the future');
      await this.departments.requireExisting([item.ownerDepartment], `${at}.ownerDepartment`);
    }
  }

  /** Locks the app, retired or not: rectification and accountability outlive the app. */
  private async lockApp(trx: Trx, appId: string): Promise<App> {
    const app = await this.apps.find(appId, trx, true);
    if (!app) throw appNotFound(appId);
    return app;
  }

  private async requireApp(appId: string): Promise<void> {
    if (!(await this.apps.find(appId))) throw appNotFound(appId);
  }
}
