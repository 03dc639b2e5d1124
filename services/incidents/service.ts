import crypto from 'node:crypto';
import { actorOf, type AuditRecorder, type ChangeContext } from '../audit';
import type { Transactor, Trx } from '../db';
import type { ChangePublisher } from '../platform/change-feed';
import type { DepartmentAccess } from '../http/route';
import type { Finding } from '../reports/compliance-check';
import { ConflictError, NotFoundError, ValidationError } from '../shared/errors';
import { decodeInstantCursor, pageFrom, type Page } from '../shared/schemas';
import { checkTransition, notificationDueAt } from './lifecycle';
import type {
  CompleteRectification,
  CreateIncident,
  CreateRectification,
  Incident,
  IncidentDetail,
  IncidentQuery,
  IncidentSeverity,
  RecordNotification,
  Rectification,
  TransitionIncident,
  UpdateIncident,
} from './schemas';
import type { IncidentRecord, IncidentStoreType, Period, RectificationRecord } from './store-type';
import { auditView, incidentView, rectificationView } from './views';
import { systemClock, type Clock } from '../platform/clock';

/** What incidents need to know about vendors, assets and departments (answered by those features). */
export interface IncidentDirectory {
  vendorExists(id: string): Promise<boolean>;
  /** The asset's id, given its id or key. */
  assetId(idOrKey: string): Promise<string | undefined>;
  /** Throws a 400 naming `path` when there is no such department. */
  requireDepartment(code: string, path: string): Promise<void>;
}

// Clocks differ a little; a time further ahead than this is a mistake, not skew.
const SKEW_MS = 5 * 60_000;
const closed = (id: string) => new ConflictError('incident_closed', `Incident ${id} is closed`);

export class IncidentService {
  constructor(
    private readonly db: Transactor,
    private readonly store: IncidentStoreType,
    private readonly audit: AuditRecorder,
    private readonly changes: ChangePublisher,
    private readonly directory: IncidentDirectory,
    private readonly notificationHours: Readonly<Record<IncidentSeverity, number>>,
    private readonly clock: Clock = systemClock,
  ) {}

  async create(ctx: ChangeContext, input: CreateIncident): Promise<IncidentDetail> {
    this.requireNotInFuture(input.detectedAt, 'body.detectedAt');
    const vendors = await this.requireVendors(input.vendors, 'body.vendors');
    const assets = await this.resolveAssets(input.assets, 'body.assets');
    const now = this.clock.now().toISOString();
    const detectedAt = new Date(input.detectedAt).toISOString();
    const incident: IncidentRecord = {
      id: crypto.randomUUID(),
      title: input.title,
      description: input.description,
      source: input.source,
      severity: input.severity,
      status: 'open',
      detectedAt,
      vendors,
      assets,
      apps: input.apps,
      notificationDueAt: notificationDueAt(detectedAt, input.severity, this.notificationHours),
      regulatorNotifiedAt: null,
      containedAt: null,
      closedAt: null,
      createdBy: actorOf(ctx).actorId,
      createdAt: now,
      updatedAt: now,
    };
    await this.db.transaction(async (trx) => {
      await this.store.insert(trx, incident);
      await this.store.addHistory(trx, incident.id, { from: null, to: 'open', note: null, actor: incident.createdBy, at: now });
      await this.record(trx, ctx, 'incident.opened', incident.id, { after: auditView(incident) });
    });
    return this.get(incident.id);
  }

  async update(ctx: ChangeContext, id: string, input: UpdateIncident): Promise<IncidentDetail> {
    const vendors = input.vendors && (await this.requireVendors(input.vendors, 'body.vendors'));
    const assets = input.assets && (await this.resolveAssets(input.assets, 'body.assets'));
    await this.change(ctx, id, 'incident.updated', async (_trx, incident) => {
      if (incident.status === 'closed') throw closed(id);
      const before = auditView(incident);
      const severity = input.severity ?? incident.severity;
      Object.assign(incident, {
        title: input.title ?? incident.title,
        description: input.description ?? incident.description,
        severity,
        vendors: vendors ?? incident.vendors,
        assets: assets ?? incident.assets,
        apps: input.apps ?? incident.apps,
        notificationDueAt: notificationDueAt(incident.detectedAt, severity, this.notificationHours),
      });
      return { before, after: auditView(incident) };
    });
    return this.get(id);
  }

  async transition(ctx: ChangeContext, id: string, input: TransitionIncident): Promise<IncidentDetail> {
    await this.change(ctx, id, 'incident.transitioned', async (trx, incident, now) => {
      const counts = (await this.store.rectificationCounts([id], trx)).get(id) ?? { total: 0, open: 0 };
      const from = incident.status;
      checkTransition(from, input.to, {
        regulatorNotified: incident.regulatorNotifiedAt !== null,
        rectifications: counts.total,
        openRectifications: counts.open,
      });
      incident.status = input.to;
      if (input.to === 'closed') incident.closedAt = now;
      await this.store.addHistory(trx, id, { from, to: input.to, note: input.note ?? null, actor: actorOf(ctx).actorId, at: now });
      return { before: { status: from }, after: { status: input.to } };
    });
    return this.get(id);
  }

  /** Records a notification sent (PIPL Art. 57); the first to the regulator stops its clock. */
  async notify(ctx: ChangeContext, id: string, input: RecordNotification): Promise<IncidentDetail> {
    this.requireNotInFuture(input.sentAt, 'body.sentAt');
    if (input.department !== undefined) await this.directory.requireDepartment(input.department, 'body.department');
    await this.change(ctx, id, 'incident.notification_recorded', async (trx, incident, now) => {
      if (incident.status === 'closed') throw closed(id);
      const sentAt = new Date(input.sentAt).toISOString();
      if (sentAt < incident.detectedAt)
        throw ValidationError.field('body.sentAt', `cannot be before the incident was detected (${incident.detectedAt})`);
      const notificationId = crypto.randomUUID();
      const notification = {
        id: notificationId,
        audience: input.audience,
        department: input.department ?? null,
        channel: input.channel,
        sentAt,
        recipients: input.recipients ?? null,
        content: input.content,
        recordedBy: actorOf(ctx).actorId,
        recordedAt: now,
      };
      await this.store.addNotification(trx, id, notification);
      if (input.audience === 'regulator' && (incident.regulatorNotifiedAt === null || sentAt < incident.regulatorNotifiedAt))
        incident.regulatorNotifiedAt = sentAt;
      return {
        notification: notificationId,
        audience: input.audience,
        department: notification.department,
        channel: input.channel,
        sentAt,
        recipients: notification.recipients,
        late: input.audience === 'regulator' && sentAt > incident.notificationDueAt,
        // The text is evidence kept in its table; the log keeps its digest.
        contentSha256: crypto.createHash('sha256').update(JSON.stringify(input.content)).digest('hex'),
      };
    });
    return this.get(id);
  }

  async addRectification(ctx: ChangeContext, id: string, input: CreateRectification): Promise<Rectification> {
    if (Date.parse(input.dueAt) <= this.clock.now().getTime()) throw ValidationError.field('body.dueAt', 'must be in the future');
    await this.directory.requireDepartment(input.owner, 'body.owner');
    const rectification: RectificationRecord = {
      id: crypto.randomUUID(),
      incidentId: id,
      action: input.action,
      owner: input.owner,
      dueAt: new Date(input.dueAt).toISOString(),
      status: 'open',
      createdBy: actorOf(ctx).actorId,
      createdAt: this.clock.now().toISOString(),
      completedAt: null,
      completedBy: null,
      evidence: null,
    };
    await this.change(ctx, id, 'incident.rectification_added', async (trx, incident) => {
      if (incident.status === 'closed') throw closed(id);
      await this.store.addRectification(trx, rectification);
      return { rectification: rectification.id, owner: rectification.owner, dueAt: rectification.dueAt };
    });
    return rectificationView(rectification, this.clock.now().toISOString());
  }

  async completeRectification(
    ctx: ChangeContext,
    id: string,
    rectificationId: string,
    input: CompleteRectification,
  ): Promise<Rectification> {
    if (input.completedAt !== undefined) this.requireNotInFuture(input.completedAt, 'body.completedAt');
    let done: RectificationRecord | undefined;
    await this.change(ctx, id, 'incident.rectification_completed', async (trx, incident, now) => {
      if (incident.status === 'closed') throw closed(id);
      const item = await this.store.rectification(trx, id, rectificationId);
      if (!item) throw new NotFoundError(`No rectification ${rectificationId} on incident ${id}`);
      if (item.status === 'done')
        throw new ConflictError('rectification_done', `Rectification ${rectificationId} was completed at ${item.completedAt}`);
      const completedAt = input.completedAt ? new Date(input.completedAt).toISOString() : now;
      if (completedAt < item.createdAt) throw ValidationError.field('body.completedAt', 'cannot be before the item was created');
      done = { ...item, status: 'done', completedAt, completedBy: actorOf(ctx).actorId, evidence: input.evidence };
      await this.store.completeRectification(trx, done);
      return { rectification: rectificationId, completedAt, late: completedAt > item.dueAt };
    });
    return rectificationView(done as RectificationRecord, this.clock.now().toISOString());
  }

  async get(id: string): Promise<IncidentDetail> {
    const incident = await this.store.get(id);
    if (!incident) throw new NotFoundError(`No incident ${id}`);
    const now = this.clock.now().toISOString();
    const [containment, notifications, rectifications, history] = [
      await this.store.containments(id),
      await this.store.notifications(id),
      await this.store.rectifications(id),
      await this.store.history(id),
    ];
    const open = rectifications.filter((r) => r.status === 'open').length;
    return {
      ...incidentView(incident, open, now),
      containment,
      notifications,
      rectifications: rectifications.map((r) => rectificationView(r, now)),
      history,
    };
  }

  /** A page of incidents: every one for a bank-wide reader, else those concerning the reader's departments. */
  async list(query: IncidentQuery, access: DepartmentAccess): Promise<Page<Incident>> {
    const now = this.clock.now().toISOString();
    const after = decodeInstantCursor(query.cursor);
    const departments = access.all ? undefined : access.departments;
    const records = await this.store.list(
      {
        status: query.status,
        severity: query.severity,
        vendor: query.vendor,
        notificationOverdue: query.notificationOverdue,
        after: after && { createdAt: after.at, id: after.id },
        departments,
        now,
      },
      query.limit + 1,
    );
    const page = pageFrom(records, query.limit, (last) => `${last.createdAt}_${last.id}`);
    const counts = await this.store.rectificationCounts(page.items.map((i) => i.id));
    return { items: page.items.map((i) => incidentView(i, counts.get(i.id)?.open ?? 0, now)), nextCursor: page.nextCursor };
  }

  exists(id: string): Promise<boolean> {
    return this.store.exists(id);
  }

  /** Incidents whose regulator notification is past due and not recorded (compliance report). */
  async overdueNotifications(now = this.clock.now(), examples = 10, openDuring?: Period): Promise<Finding> {
    return summary(await this.store.overdueNotifications(now.toISOString(), examples, openDuring));
  }

  /** Incidents whose regulator notification was recorded after it was due. */
  async lateNotifications(examples = 10): Promise<Finding> {
    return summary(await this.store.lateNotifications(examples));
  }

  /** Incidents with no containment applied yet. */
  async withoutContainment(examples = 10, openDuring?: Period): Promise<Finding> {
    return summary(await this.store.withoutContainment(examples, openDuring));
  }

  /** Open rectification items past their due date (their ids). */
  async overdueRectifications(now = this.clock.now(), examples = 10, openDuring?: Period): Promise<Finding> {
    return summary(await this.store.overdueRectifications(now.toISOString(), examples, openDuring));
  }

  /** One change under the incident's row lock, with its audit event, in one transaction. */
  private async change(
    ctx: ChangeContext,
    id: string,
    action: string,
    apply: (trx: Trx, incident: IncidentRecord, now: string) => Promise<Record<string, unknown>>,
  ): Promise<void> {
    await this.changes.transaction(this.db, async (trx) => {
      const incident = await this.store.get(id, trx, true);
      if (!incident) throw new NotFoundError(`No incident ${id}`);
      const now = this.clock.now().toISOString();
      const details = await apply(trx, incident, now);
      incident.updatedAt = now;
      await this.store.update(trx, incident);
      await this.record(trx, ctx, action, id, details);
    });
  }

  private async record(trx: Trx, ctx: ChangeContext, action: string, id: string, details: Record<string, unknown>): Promise<void> {
    await this.audit.record(trx, ctx, { action, objectType: 'incident', objectId: id, details });
  }

  private requireNotInFuture(at: string, path: string): void {
    if (Date.parse(at) > this.clock.now().getTime() + SKEW_MS) throw ValidationError.field(path, 'cannot be in the future');
  }

  private async requireVendors(ids: readonly string[], path: string): Promise<string[]> {
    for (const id of ids) if (!(await this.directory.vendorExists(id))) throw ValidationError.field(path, `no vendor ${id}`);
    return [...ids];
  }

  private async resolveAssets(refs: readonly string[], path: string): Promise<string[]> {
    const ids: string[] = [];
    for (const ref of refs) {
      const id = await this.directory.assetId(ref);
      if (!id) throw ValidationError.field(path, `no data asset ${ref}`);
      ids.push(id);
    }
    return [...new Set(ids)];
  }
}

const summary = (r: { examined: number; count: number; ids: string[] }): Finding => ({
  examined: r.examined,
  count: r.count,
  examples: r.ids,
});
