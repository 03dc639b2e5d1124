import type { Knex } from 'knex';
import type { Db, Trx } from '../db';
import { rowMapper } from '../platform/row-mapper';
import { concerningAny } from './scope-store';
import type {
  ContainmentRecord,
  IncidentHistoryEntry,
  IncidentNotification,
  IncidentSeverity,
  IncidentStatus,
  NotificationContent,
} from './schemas';
import type {
  CountWithExamples,
  IncidentFilter,
  IncidentRecord,
  IncidentStoreType,
  Period,
  RectificationCounts,
  RectificationRecord,
} from './store-type';

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

/** The columns of a history row that hold the entry (the row also has its id and incident_id). */
interface HistoryColumns {
  from_status: IncidentStatus | null;
  to_status: IncidentStatus;
  note: string | null;
  actor: string;
  at: string;
}

interface ContainmentColumns {
  id: string;
  started_at: string;
  at: string;
  actor: string;
  suspend_vendors: boolean;
  revoke_grants: boolean;
  disable_clients: boolean;
  note: string | null;
  result: ContainmentRecord['result'];
}

interface ContainmentRow extends ContainmentColumns {
  incident_id: string;
  released_at: string | null;
  released_by: string | null;
  release_reason: string | null;
}

interface NotificationRow {
  id: string;
  incident_id: string;
  audience: IncidentNotification['audience'];
  department: string | null;
  channel: IncidentNotification['channel'];
  sent_at: string;
  recipients: number | null;
  content: NotificationContent;
  recorded_by: string;
  recorded_at: string;
}

type Of<Columns> = Columns & { incident_id: string };

// PGlite and pg both hand back uuid[] / text[] as arrays; a literal keeps the write side engine-neutral.
const pgArray = (items: readonly string[]) => `{${items.map((i) => `"${i.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;

const incidents = rowMapper<IncidentRecord, IncidentRow>({
  id: 'id',
  title: 'title',
  description: 'description',
  source: 'source',
  severity: 'severity',
  status: 'status',
  detectedAt: 'detected_at',
  vendors: 'vendor_ids',
  assets: 'asset_ids',
  apps: 'apps',
  notificationDueAt: 'notification_due_at',
  regulatorNotifiedAt: 'regulator_notified_at',
  containedAt: 'contained_at',
  closedAt: 'closed_at',
  createdBy: 'created_by',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
});

/** An incident's row as written: the array columns as literals. */
const toRow = (i: IncidentRecord) => ({
  ...incidents.toRow(i),
  vendor_ids: pgArray(i.vendors),
  asset_ids: pgArray(i.assets),
  apps: pgArray(i.apps),
});

const rectifications = rowMapper<RectificationRecord, RectificationRow>({
  id: 'id',
  incidentId: 'incident_id',
  action: 'action',
  owner: 'owner_department',
  dueAt: 'due_at',
  status: 'status',
  createdBy: 'created_by',
  createdAt: 'created_at',
  completedAt: 'completed_at',
  completedBy: 'completed_by',
  evidence: 'evidence',
});

const history = rowMapper<IncidentHistoryEntry, HistoryColumns>({
  from: 'from_status',
  to: 'to_status',
  note: 'note',
  actor: 'actor',
  at: 'at',
});

const containments = rowMapper<Omit<ContainmentRecord, 'release'>, ContainmentColumns>({
  id: 'id',
  startedAt: 'started_at',
  at: 'at',
  by: 'actor',
  suspendVendors: 'suspend_vendors',
  revokeGrants: 'revoke_grants',
  disableClients: 'disable_clients',
  note: 'note',
  result: 'result',
});

const notifications = rowMapper<IncidentNotification, Omit<NotificationRow, 'incident_id'>>({
  id: 'id',
  audience: 'audience',
  department: 'department',
  channel: 'channel',
  sentAt: 'sent_at',
  recipients: 'recipients',
  content: 'content',
  recordedBy: 'recorded_by',
  recordedAt: 'recorded_at',
});

export class IncidentStore implements IncidentStoreType {
  constructor(private readonly db: Db) {}

  async insert(trx: Trx, i: IncidentRecord): Promise<void> {
    await trx('incidents').insert(toRow(i));
  }

  async update(trx: Trx, i: IncidentRecord): Promise<void> {
    const { id, ...rest } = toRow(i);
    await trx('incidents').where({ id }).update(rest);
  }

  async get(id: string, trx: Db | Trx = this.db, forUpdate = false): Promise<IncidentRecord | undefined> {
    const q = trx<IncidentRow>('incidents').where({ id }).first();
    if (forUpdate) q.forUpdate();
    const row = await q;
    return row && incidents.fromRow(row);
  }

  async list(filter: IncidentFilter, limit: number): Promise<IncidentRecord[]> {
    const q = this.db<IncidentRow>('incidents as i')
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
    return (await q).map(incidents.fromRow);
  }

  async exists(id: string): Promise<boolean> {
    return (await this.db<IncidentRow>('incidents').where({ id }).first('id')) !== undefined;
  }

  async addHistory(trx: Trx, incidentId: string, e: IncidentHistoryEntry): Promise<void> {
    await trx<Of<HistoryColumns>>('incident_history').insert({ incident_id: incidentId, ...history.toRow(e) });
  }

  async history(incidentId: string): Promise<IncidentHistoryEntry[]> {
    const rows = await this.db<Of<HistoryColumns>>('incident_history').where({ incident_id: incidentId }).orderBy('id');
    return rows.map(history.fromRow);
  }

  async addContainment(trx: Trx, incidentId: string, c: ContainmentRecord): Promise<void> {
    await trx('incident_containments').insert({ incident_id: incidentId, ...containments.toRow(c), result: JSON.stringify(c.result) });
  }

  async containments(incidentId: string): Promise<ContainmentRecord[]> {
    const rows = await this.db<ContainmentRow>('incident_containments')
      .where({ incident_id: incidentId })
      .orderBy([{ column: 'at' }, { column: 'id' }]);
    return rows.map((r) => ({
      ...containments.fromRow(r),
      release: r.released_at === null ? null : { at: r.released_at, by: r.released_by ?? '', reason: r.release_reason ?? '' },
    }));
  }

  async addNotification(trx: Trx, incidentId: string, n: IncidentNotification): Promise<void> {
    await trx('incident_notifications').insert({ incident_id: incidentId, ...notifications.toRow(n), content: JSON.stringify(n.content) });
  }

  async notifications(incidentId: string): Promise<IncidentNotification[]> {
    const rows = await this.db<NotificationRow>('incident_notifications')
      .where({ incident_id: incidentId })
      .orderBy([{ column: 'sent_at' }, { column: 'id' }]);
    return rows.map(notifications.fromRow);
  }

  async addRectification(trx: Trx, r: RectificationRecord): Promise<void> {
    await trx<RectificationRow>('incident_rectifications').insert(rectifications.toRow(r));
  }

  async completeRectification(trx: Trx, r: RectificationRecord): Promise<void> {
    await trx<RectificationRow>('incident_rectifications')
      .where({ id: r.id })
      .update({ status: r.status, completed_at: r.completedAt, completed_by: r.completedBy, evidence: r.evidence });
  }

  async rectification(trx: Trx, incidentId: string, id: string): Promise<RectificationRecord | undefined> {
    const row = await trx<RectificationRow>('incident_rectifications').where({ id, incident_id: incidentId }).first().forUpdate();
    return row && rectifications.fromRow(row);
  }

  async rectifications(incidentId: string): Promise<RectificationRecord[]> {
    const rows = await this.db<RectificationRow>('incident_rectifications')
      .where({ incident_id: incidentId })
      .orderBy([{ column: 'created_at' }, { column: 'id' }]);
    return rows.map(rectifications.fromRow);
  }

  async rectificationCounts(incidentIds: readonly string[], trx: Db | Trx = this.db): Promise<Map<string, RectificationCounts>> {
    const out = new Map<string, RectificationCounts>();
    if (incidentIds.length === 0) return out;
    const rows = await trx<RectificationRow>('incident_rectifications')
      .whereIn('incident_id', [...incidentIds])
      .groupBy('incident_id')
      .select<Array<{ incident_id: string; total: number | string; open: number | string }>>(
        'incident_id',
        trx.raw('count(*) as total'),
        trx.raw(`count(*) filter (where status = 'open') as open`),
      );
    for (const r of rows) out.set(r.incident_id, { total: Number(r.total), open: Number(r.open) });
    return out;
  }

  /** Incidents, or those open at some time in the period: detected before its end and not closed before its start. */
  private incidents(openDuring?: Period): Knex.QueryBuilder<IncidentRow> {
    const q = this.db<IncidentRow>('incidents');
    if (openDuring)
      q.where('detected_at', '<', openDuring.to).where((w) => w.whereNull('closed_at').orWhere('closed_at', '>=', openDuring.from));
    return q;
  }

  overdueNotifications(now: string, examples: number, openDuring?: Period): Promise<CountWithExamples> {
    return this.countWithExamples(
      this.incidents(openDuring),
      (q) => q.whereNull('regulator_notified_at').where('notification_due_at', '<=', now),
      'notification_due_at',
      examples,
    );
  }

  lateNotifications(examples: number): Promise<CountWithExamples> {
    return this.countWithExamples(
      this.incidents(),
      (q) => q.whereRaw('regulator_notified_at > notification_due_at'),
      'notification_due_at',
      examples,
    );
  }

  withoutContainment(examples: number, openDuring?: Period): Promise<CountWithExamples> {
    return this.countWithExamples(this.incidents(openDuring), (q) => q.where('status', 'open'), 'detected_at', examples);
  }

  overdueRectifications(now: string, examples: number, openDuring?: Period): Promise<CountWithExamples> {
    const items = this.db<RectificationRow>('incident_rectifications');
    if (openDuring)
      items
        .where('created_at', '<', openDuring.to)
        .where((w) => w.whereNull('completed_at').orWhere('completed_at', '>=', openDuring.from));
    return this.countWithExamples(items, (q) => q.where('status', 'open').where('due_at', '<=', now), 'due_at', examples);
  }

  /** How many rows `examined` holds, how many of them `offending` keeps, and the first few of those. */
  private async countWithExamples<R extends { id: string }>(
    examined: Knex.QueryBuilder<R>,
    offending: (q: Knex.QueryBuilder<R>) => Knex.QueryBuilder<R>,
    orderBy: keyof R & string,
    examples: number,
  ): Promise<CountWithExamples> {
    const count = async (q: Knex.QueryBuilder<R>) => {
      const [row] = await q.count({ n: '*' });
      return Number(row.n);
    };
    const result = { examined: await count(examined.clone()), count: await count(offending(examined.clone())) };
    if (examples === 0 || result.count === 0) return { ...result, ids: [] };
    const ids = await offending(examined.clone())
      .orderBy([{ column: orderBy }, { column: 'id' }])
      .limit(examples)
      .pluck('id');
    return { ...result, ids };
  }
}
