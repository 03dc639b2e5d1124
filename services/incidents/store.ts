import type { Db, Trx } from '../db';
import { concerningAny } from './scope-store';
import type {
  ContainmentRecord,
  IncidentHistoryEntry,
  IncidentNotification,
  IncidentSeverity,
  IncidentStatus,
  NotificationContent,
} from './schemas';

export interface IncidentRecord {
  id: string;
  title: string;
  description: string;
  source: string;
  severity: IncidentSeverity;
  status: IncidentStatus;
  detectedAt: string;
  vendors: string[];
  assets: string[];
  apps: string[];
  notificationDueAt: string;
  regulatorNotifiedAt: string | null;
  containedAt: string | null;
  closedAt: string | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

export interface RectificationRecord {
  id: string;
  incidentId: string;
  action: string;
  owner: string;
  dueAt: string;
  status: 'open' | 'done';
  createdBy: string;
  createdAt: string;
  completedAt: string | null;
  completedBy: string | null;
  evidence: string | null;
}

interface IncidentRow {
  id: string;
  title: string;
  description: string;
  source: string;
  severity: IncidentSeverity;
  status: IncidentStatus;
  detected_at: string;
  vendor_ids: string[];
  asset_ids: string[];
  apps: string[];
  notification_due_at: string;
  regulator_notified_at: string | null;
  contained_at: string | null;
  closed_at: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
}

interface RectificationRow {
  id: string;
  incident_id: string;
  action: string;
  owner_department: string;
  due_at: string;
  status: 'open' | 'done';
  created_by: string;
  created_at: string;
  completed_at: string | null;
  completed_by: string | null;
  evidence: string | null;
}

// PGlite and pg both hand back uuid[] / text[] as arrays; a literal keeps the write side engine-neutral.
const pgArray = (items: readonly string[]) => `{${items.map((i) => `"${i.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;

const fromRow = (r: IncidentRow): IncidentRecord => ({
  id: r.id,
  title: r.title,
  description: r.description,
  source: r.source,
  severity: r.severity,
  status: r.status,
  detectedAt: r.detected_at,
  vendors: r.vendor_ids,
  assets: r.asset_ids,
  apps: r.apps,
  notificationDueAt: r.notification_due_at,
  regulatorNotifiedAt: r.regulator_notified_at,
  containedAt: r.contained_at,
  closedAt: r.closed_at,
  createdBy: r.created_by,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toRow = (i: IncidentRecord) => ({
  id: i.id,
  title: i.title,
  description: i.description,
  source: i.source,
  severity: i.severity,
  status: i.status,
  detected_at: i.detectedAt,
  vendor_ids: pgArray(i.vendors),
  asset_ids: pgArray(i.assets),
  apps: pgArray(i.apps),
  notification_due_at: i.notificationDueAt,
  regulator_notified_at: i.regulatorNotifiedAt,
  contained_at: i.containedAt,
  closed_at: i.closedAt,
  created_by: i.createdBy,
  created_at: i.createdAt,
  updated_at: i.updatedAt,
});

const rectificationFromRow = (r: RectificationRow): RectificationRecord => ({
  id: r.id,
  incidentId: r.incident_id,
  action: r.action,
  owner: r.owner_department,
  dueAt: r.due_at,
  status: r.status,
  createdBy: r.created_by,
  createdAt: r.created_at,
  completedAt: r.completed_at,
  completedBy: r.completed_by,
  evidence: r.evidence,
});

export interface IncidentFilter {
  status?: IncidentStatus;
  severity?: IncidentSeverity;
  vendor?: string;
  notificationOverdue?: boolean;
  after?: { createdAt: string; id: string };
  /** Only incidents concerning one of these departments (undefined = all). */
  departments?: readonly string[];
  now: string;
}

/** A report period as UTC instants, `to` exclusive. */
export interface Period {
  readonly from: string;
  readonly to: string;
}

/** Of how many, how many, and the ids of the first few (oldest first). */
export interface CountWithExamples {
  /** How many records the question was asked of. */
  examined: number;
  count: number;
  ids: string[];
}

export class IncidentStore {
  constructor(private readonly db: Db) {}

  async insert(trx: Trx, i: IncidentRecord): Promise<void> {
    await trx('incidents').insert(toRow(i));
  }

  async update(trx: Trx, i: IncidentRecord): Promise<void> {
    const { id, ...rest } = toRow(i);
    await trx('incidents').where({ id }).update(rest);
  }

  async get(id: string, trx: Db | Trx = this.db, forUpdate = false): Promise<IncidentRecord | undefined> {
    const q = trx('incidents').where({ id }).first();
    if (forUpdate) q.forUpdate();
    const row = (await q) as IncidentRow | undefined;
    return row && fromRow(row);
  }

  async list(filter: IncidentFilter, limit: number): Promise<IncidentRecord[]> {
    const q = this.db('incidents as i')
      .select('i.*')
      .orderBy([{ column: 'i.created_at' }, { column: 'i.id' }])
      .limit(limit);
    if (filter.departments) concerningAny(q, filter.departments);
    if (filter.status) q.where('status', filter.status);
    if (filter.severity) q.where('severity', filter.severity);
    if (filter.vendor) q.whereRaw('vendor_ids @> ?::uuid[]', [pgArray([filter.vendor])]);
    if (filter.notificationOverdue === true) q.whereNull('regulator_notified_at').where('notification_due_at', '<=', filter.now);
    if (filter.notificationOverdue === false)
      q.where((w) => w.whereNotNull('regulator_notified_at').orWhere('notification_due_at', '>', filter.now));
    if (filter.after) {
      const { createdAt, id } = filter.after;
      q.where((w) => w.where('created_at', '>', createdAt).orWhere((x) => x.where('created_at', createdAt).where('id', '>', id)));
    }
    return ((await q) as IncidentRow[]).map(fromRow);
  }

  async exists(id: string): Promise<boolean> {
    return (await this.db('incidents').where({ id }).first('id')) !== undefined;
  }

  async addHistory(trx: Trx, incidentId: string, e: IncidentHistoryEntry): Promise<void> {
    await trx('incident_history').insert({
      incident_id: incidentId,
      from_status: e.from,
      to_status: e.to,
      note: e.note,
      actor: e.actor,
      at: e.at,
    });
  }

  async history(incidentId: string): Promise<IncidentHistoryEntry[]> {
    const rows = (await this.db('incident_history').where({ incident_id: incidentId }).orderBy('id')) as Array<{
      from_status: IncidentStatus | null;
      to_status: IncidentStatus;
      note: string | null;
      actor: string;
      at: string;
    }>;
    return rows.map((r) => ({ from: r.from_status, to: r.to_status, note: r.note, actor: r.actor, at: r.at }));
  }

  async addContainment(trx: Trx, incidentId: string, c: ContainmentRecord): Promise<void> {
    await trx('incident_containments').insert({
      id: c.id,
      incident_id: incidentId,
      started_at: c.startedAt,
      at: c.at,
      actor: c.by,
      suspend_vendors: c.suspendVendors,
      revoke_grants: c.revokeGrants,
      disable_clients: c.disableClients,
      note: c.note,
      result: JSON.stringify(c.result),
    });
  }

  async containments(incidentId: string): Promise<ContainmentRecord[]> {
    const rows = (await this.db('incident_containments')
      .where({ incident_id: incidentId })
      .orderBy([{ column: 'at' }, { column: 'id' }])) as Array<{
      id: string;
      started_at: string;
      at: string;
      actor: string;
      suspend_vendors: boolean;
      revoke_grants: boolean;
      disable_clients: boolean;
      note: string | null;
      result: ContainmentRecord['result'];
      released_at: string | null;
      released_by: string | null;
      release_reason: string | null;
    }>;
    return rows.map((r) => ({
      id: r.id,
      startedAt: r.started_at,
      at: r.at,
      by: r.actor,
      suspendVendors: r.suspend_vendors,
      revokeGrants: r.revoke_grants,
      disableClients: r.disable_clients,
      note: r.note,
      result: r.result,
      release: r.released_at === null ? null : { at: r.released_at, by: r.released_by ?? '', reason: r.release_reason ?? '' },
    }));
  }

  async addNotification(trx: Trx, incidentId: string, n: IncidentNotification): Promise<void> {
    await trx('incident_notifications').insert({
      id: n.id,
      incident_id: incidentId,
      audience: n.audience,
      department: n.department,
      channel: n.channel,
      sent_at: n.sentAt,
      recipients: n.recipients,
      content: JSON.stringify(n.content),
      recorded_by: n.recordedBy,
      recorded_at: n.recordedAt,
    });
  }

  async notifications(incidentId: string): Promise<IncidentNotification[]> {
    const rows = (await this.db('incident_notifications')
      .where({ incident_id: incidentId })
      .orderBy([{ column: 'sent_at' }, { column: 'id' }])) as Array<{
      id: string;
      audience: IncidentNotification['audience'];
      department: string | null;
      channel: IncidentNotification['channel'];
      sent_at: string;
      recipients: number | null;
      content: NotificationContent;
      recorded_by: string;
      recorded_at: string;
    }>;
    return rows.map((r) => ({
      id: r.id,
      audience: r.audience,
      department: r.department,
      channel: r.channel,
      sentAt: r.sent_at,
      recipients: r.recipients,
      content: r.content,
      recordedBy: r.recorded_by,
      recordedAt: r.recorded_at,
    }));
  }

  async addRectification(trx: Trx, r: RectificationRecord): Promise<void> {
    await trx('incident_rectifications').insert({
      id: r.id,
      incident_id: r.incidentId,
      action: r.action,
      owner_department: r.owner,
      due_at: r.dueAt,
      status: r.status,
      created_by: r.createdBy,
      created_at: r.createdAt,
      completed_at: r.completedAt,
      completed_by: r.completedBy,
      evidence: r.evidence,
    });
  }

  async completeRectification(trx: Trx, r: RectificationRecord): Promise<void> {
    await trx('incident_rectifications')
      .where({ id: r.id })
      .update({ status: r.status, completed_at: r.completedAt, completed_by: r.completedBy, evidence: r.evidence });
  }

  async rectification(trx: Trx, incidentId: string, id: string): Promise<RectificationRecord | undefined> {
    const row = (await trx('incident_rectifications').where({ id, incident_id: incidentId }).first().forUpdate()) as
      RectificationRow | undefined;
    return row && rectificationFromRow(row);
  }

  async rectifications(incidentId: string): Promise<RectificationRecord[]> {
    const rows = (await this.db('incident_rectifications')
      .where({ incident_id: incidentId })
      .orderBy([{ column: 'created_at' }, { column: 'id' }])) as RectificationRow[];
    return rows.map(rectificationFromRow);
  }

  /** Rectification items per incident: all, and those still open. */
  async rectificationCounts(
    incidentIds: readonly string[],
    trx: Db | Trx = this.db,
  ): Promise<Map<string, { total: number; open: number }>> {
    const out = new Map<string, { total: number; open: number }>();
    if (incidentIds.length === 0) return out;
    const rows = (await trx('incident_rectifications')
      .whereIn('incident_id', [...incidentIds])
      .groupBy('incident_id')
      .select('incident_id', trx.raw('count(*) as total'), trx.raw(`count(*) filter (where status = 'open') as open`))) as Array<{
      incident_id: string;
      total: number;
      open: number;
    }>;
    for (const r of rows) out.set(r.incident_id, { total: Number(r.total), open: Number(r.open) });
    return out;
  }

  /** Incidents, or those open at some time in the period: detected before its end and not closed before its start. */
  private incidents(openDuring?: Period): ReturnType<Db> {
    const q = this.db('incidents');
    if (openDuring)
      q.where('detected_at', '<', openDuring.to).where((w) => w.whereNull('closed_at').orWhere('closed_at', '>=', openDuring.from));
    return q;
  }

  /** Of the incidents (open during the period, if given), those whose regulator notification is due and not recorded. */
  overdueNotifications(now: string, examples: number, openDuring?: Period): Promise<CountWithExamples> {
    return this.countWithExamples(
      this.incidents(openDuring),
      (q) => q.whereNull('regulator_notified_at').where('notification_due_at', '<=', now),
      'notification_due_at',
      examples,
    );
  }

  /** Of all incidents, those whose regulator notification was recorded after it was due. */
  lateNotifications(examples: number): Promise<CountWithExamples> {
    return this.countWithExamples(
      this.db('incidents'),
      (q) => q.whereRaw('regulator_notified_at > notification_due_at'),
      'notification_due_at',
      examples,
    );
  }

  /** Of the incidents (open during the period, if given), those still open: nothing has been done to contain them. */
  withoutContainment(examples: number, openDuring?: Period): Promise<CountWithExamples> {
    return this.countWithExamples(this.incidents(openDuring), (q) => q.where('status', 'open'), 'detected_at', examples);
  }

  /** Of the rectification items (open at some time in the period, if given), the open ones past their due date (ids of the items). */
  overdueRectifications(now: string, examples: number, openDuring?: Period): Promise<CountWithExamples> {
    const items = this.db('incident_rectifications');
    if (openDuring)
      items
        .where('created_at', '<', openDuring.to)
        .where((w) => w.whereNull('completed_at').orWhere('completed_at', '>=', openDuring.from));
    return this.countWithExamples(items, (q) => q.where('status', 'open').where('due_at', '<=', now), 'due_at', examples);
  }

  /** How many rows `examined` holds, how many of them `offending` keeps, and the first few of those. */
  private async countWithExamples(
    examined: ReturnType<Db>,
    offending: (q: ReturnType<Db>) => ReturnType<Db>,
    orderBy: string,
    examples: number,
  ): Promise<CountWithExamples> {
    const count = async (q: ReturnType<Db>) => Number(((await q.count('* as n')) as Array<{ n: number | string }>)[0].n);
    const result = { examined: await count(examined.clone()), count: await count(offending(examined.clone())) };
    if (examples === 0 || result.count === 0) return { ...result, ids: [] };
    const rows = (await offending(examined.clone())
      .orderBy([{ column: orderBy }, { column: 'id' }])
      .limit(examples)
      .select('id')) as Array<{ id: string }>;
    return { ...result, ids: rows.map((r) => r.id) };
  }
}
