import type { Db, Trx } from '../db';
import type {
  ComplaintCategory,
  ComplaintChannel,
  ComplaintExtension,
  ComplaintHistoryEntry,
  ComplaintLink,
  ComplaintStatus,
  LinkKind,
} from './schemas';
import { OPEN_STATUSES } from './deadlines';

/** A complaint as stored; `contact` is personal data and leaves only through the privacy officers' view. */
export interface ComplaintRecord {
  id: string;
  reference: string;
  category: ComplaintCategory;
  description: string;
  contact: string | null;
  subjectRef: string | null;
  app: string | null;
  channel: ComplaintChannel;
  clientId: string | null;
  status: ComplaintStatus;
  receivedAt: string;
  dueDays: number;
  dueDate: string;
  dueAt: string;
  decidedAt: string | null;
  closedAt: string | null;
  rejectionReason: string | null;
  updatedAt: string;
}

interface ComplaintRow {
  id: string;
  reference: string;
  category: ComplaintCategory;
  description: string;
  contact: string | null;
  subject_ref: string | null;
  app: string | null;
  channel: ComplaintChannel;
  client_id: string | null;
  status: ComplaintStatus;
  received_at: string;
  due_days: number;
  due_date: string;
  due_at: string;
  decided_at: string | null;
  closed_at: string | null;
  rejection_reason: string | null;
  updated_at: string;
}

const fromRow = (r: ComplaintRow): ComplaintRecord => ({
  id: r.id,
  reference: r.reference,
  category: r.category,
  description: r.description,
  contact: r.contact,
  subjectRef: r.subject_ref,
  app: r.app,
  channel: r.channel,
  clientId: r.client_id,
  status: r.status,
  receivedAt: r.received_at,
  dueDays: r.due_days,
  dueDate: r.due_date,
  dueAt: r.due_at,
  decidedAt: r.decided_at,
  closedAt: r.closed_at,
  rejectionReason: r.rejection_reason,
  updatedAt: r.updated_at,
});

const toRow = (c: ComplaintRecord): ComplaintRow => ({
  id: c.id,
  reference: c.reference,
  category: c.category,
  description: c.description,
  contact: c.contact,
  subject_ref: c.subjectRef,
  app: c.app,
  channel: c.channel,
  client_id: c.clientId,
  status: c.status,
  received_at: c.receivedAt,
  due_days: c.dueDays,
  due_date: c.dueDate,
  due_at: c.dueAt,
  decided_at: c.decidedAt,
  closed_at: c.closedAt,
  rejection_reason: c.rejectionReason,
  updated_at: c.updatedAt,
});

/**
 * The departments a complaint (alias `c`) concerns: the owners of the ledger app it names, of the apps
 * and data assets it is linked to, and of what its linked incidents concern. A vendor concerns none.
 */
const COMPLAINT_DEPARTMENTS = `
  select p.owning_department as department from apps p where lower(p.name) = lower(c.app)
  union select p.owning_department from complaint_links l join apps p on lower(p.name) = lower(l.target) where l.complaint_id = c.id and l.kind = 'app'
  union select a.owning_department from complaint_links l join data_assets a on a.id::text = l.target where l.complaint_id = c.id and l.kind = 'asset'
  union select a.owning_department from complaint_links l join incidents i on i.id::text = l.target join data_assets a on a.id = any(i.asset_ids)
    where l.complaint_id = c.id and l.kind = 'incident'
  union select p.owning_department from complaint_links l join incidents i on i.id::text = l.target
    join apps p on lower(p.name) in (select lower(x) from unnest(i.apps) x) where l.complaint_id = c.id and l.kind = 'incident'`;

export interface ComplaintFilter {
  status?: ComplaintStatus;
  category?: ComplaintCategory;
  overdue?: boolean;
  app?: string;
  vendor?: string;
  after?: { receivedAt: string; id: string };
  /** Only complaints concerning one of these departments (undefined = all). */
  departments?: readonly string[];
  now: string;
}

export class ComplaintStore {
  constructor(private readonly db: Db) {}

  async insert(trx: Trx, c: ComplaintRecord): Promise<void> {
    await trx('complaints').insert(toRow(c));
  }

  async update(trx: Trx, c: ComplaintRecord): Promise<void> {
    const { id, ...rest } = toRow(c);
    await trx('complaints').where({ id }).update(rest);
  }

  async get(id: string, trx: Db | Trx = this.db, forUpdate = false): Promise<ComplaintRecord | undefined> {
    const q = trx('complaints').where({ id }).first();
    if (forUpdate) q.forUpdate();
    const row = (await q) as ComplaintRow | undefined;
    return row && fromRow(row);
  }

  /** The departments complaint `id` concerns, sorted; undefined when there is no such complaint. */
  async departmentsOf(id: string): Promise<string[] | undefined> {
    if (!(await this.db('complaints').where({ id }).first('id'))) return undefined;
    const { rows } = (await this.db.raw(
      `select distinct d.department from complaints c, lateral (${COMPLAINT_DEPARTMENTS}) d where c.id = ? order by 1`,
      [id],
    )) as {
      rows: Array<{ department: string }>;
    };
    return rows.map((r) => r.department);
  }

  async byReference(reference: string): Promise<ComplaintRecord | undefined> {
    const row = (await this.db('complaints').where({ reference }).first()) as ComplaintRow | undefined;
    return row && fromRow(row);
  }

  async list(filter: ComplaintFilter, limit: number): Promise<ComplaintRecord[]> {
    const q = this.db('complaints as c')
      .select('c.*')
      .orderBy([{ column: 'c.received_at' }, { column: 'c.id' }])
      .limit(limit);
    if (filter.departments) {
      const held = filter.departments;
      if (held.length === 0) q.whereRaw('false');
      else
        q.whereRaw(`exists (select 1 from (${COMPLAINT_DEPARTMENTS}) d where d.department in (${held.map(() => '?').join(', ')}))`, [
          ...held,
        ]);
    }
    if (filter.status) q.where('c.status', filter.status);
    if (filter.category) q.where('c.category', filter.category);
    if (filter.overdue === true) q.whereIn('c.status', [...OPEN_STATUSES]).where('c.due_at', '<=', filter.now);
    if (filter.overdue === false) q.where((w) => w.whereNotIn('c.status', [...OPEN_STATUSES]).orWhere('c.due_at', '>', filter.now));
    if (filter.app) {
      const app = filter.app;
      q.where((w) =>
        w
          .where('c.app', app)
          .orWhereExists((s) =>
            s.from('complaint_links as l').whereRaw('l.complaint_id = c.id').where({ 'l.kind': 'app', 'l.target': app }),
          ),
      );
    }
    if (filter.vendor) {
      const vendor = filter.vendor;
      q.whereExists((s) =>
        s.from('complaint_links as l').whereRaw('l.complaint_id = c.id').where({ 'l.kind': 'vendor', 'l.target': vendor }),
      );
    }
    if (filter.after) {
      const { receivedAt, id } = filter.after;
      q.where((w) => w.where('c.received_at', '>', receivedAt).orWhere((x) => x.where('c.received_at', receivedAt).where('c.id', '>', id)));
    }
    return ((await q) as ComplaintRow[]).map(fromRow);
  }

  /**
   * Of all complaints (or those undecided at some time in `openDuring`: received before its end and not
   * decided before its start), the undecided ones past their deadline: how many of how many, and the ids of the longest overdue.
   */
  async overdue(
    now: string,
    examples: number,
    openDuring?: { from: string; to: string },
  ): Promise<{ examined: number; count: number; ids: string[] }> {
    const all = () => {
      const q = this.db('complaints');
      if (openDuring)
        q.where('received_at', '<', openDuring.to).where((w) =>
          w.whereRaw('coalesce(decided_at, closed_at) is null').orWhereRaw('coalesce(decided_at, closed_at) >= ?', [openDuring.from]),
        );
      return q;
    };
    const open = () =>
      all()
        .whereIn('status', [...OPEN_STATUSES])
        .where('due_at', '<=', now);
    const total = async (q: ReturnType<Db>) => Number(((await q.count('* as n')) as Array<{ n: number | string }>)[0].n);
    const [examined, count] = [await total(all()), await total(open())];
    if (examples === 0 || count === 0) return { examined, count, ids: [] };
    const rows = (await open()
      .orderBy([{ column: 'due_at' }, { column: 'id' }])
      .limit(examples)
      .select('id')) as Array<{ id: string }>;
    return { examined, count, ids: rows.map((r) => r.id) };
  }

  async addHistory(trx: Trx, complaintId: string, e: ComplaintHistoryEntry): Promise<void> {
    await trx('complaint_history').insert({
      complaint_id: complaintId,
      from_status: e.from,
      to_status: e.to,
      note: e.note,
      reason: e.reason,
      actor: e.actor,
      at: e.at,
    });
  }

  async history(complaintId: string): Promise<ComplaintHistoryEntry[]> {
    const rows = (await this.db('complaint_history').where({ complaint_id: complaintId }).orderBy('id')) as Array<{
      from_status: ComplaintStatus | null;
      to_status: ComplaintStatus;
      note: string | null;
      reason: string | null;
      actor: string;
      at: string;
    }>;
    return rows.map((r) => ({ from: r.from_status, to: r.to_status, note: r.note, reason: r.reason, actor: r.actor, at: r.at }));
  }

  async addExtension(trx: Trx, complaintId: string, e: ComplaintExtension): Promise<void> {
    await trx('complaint_extensions').insert({
      complaint_id: complaintId,
      days: e.days,
      justification: e.justification,
      approved_by: e.approvedBy,
      total_days: e.totalDays,
      due_date: e.dueDate,
      extended_by: e.extendedBy,
      extended_at: e.extendedAt,
    });
  }

  async extensions(complaintId: string): Promise<ComplaintExtension[]> {
    const rows = (await this.db('complaint_extensions').where({ complaint_id: complaintId }).orderBy('id')) as Array<{
      days: number;
      justification: string;
      approved_by: string | null;
      total_days: number;
      due_date: string;
      extended_by: string;
      extended_at: string;
    }>;
    return rows.map((r) => ({
      days: r.days,
      justification: r.justification,
      approvedBy: r.approved_by,
      totalDays: r.total_days,
      dueDate: r.due_date,
      extendedBy: r.extended_by,
      extendedAt: r.extended_at,
    }));
  }

  /** Adds a link; false when the complaint already has it. */
  async addLink(trx: Trx, complaintId: string, link: ComplaintLink): Promise<boolean> {
    const inserted = (await trx('complaint_links')
      .insert({ complaint_id: complaintId, kind: link.kind, target: link.target, linked_by: link.linkedBy, linked_at: link.linkedAt })
      .onConflict(['complaint_id', 'kind', 'target'])
      .ignore()
      .returning('kind')) as unknown[];
    return inserted.length > 0;
  }

  async links(complaintIds: readonly string[]): Promise<Map<string, ComplaintLink[]>> {
    const out = new Map<string, ComplaintLink[]>();
    if (complaintIds.length === 0) return out;
    const rows = (await this.db('complaint_links')
      .whereIn('complaint_id', [...complaintIds])
      .orderBy([{ column: 'linked_at' }, { column: 'kind' }, { column: 'target' }])) as Array<{
      complaint_id: string;
      kind: LinkKind;
      target: string;
      linked_by: string;
      linked_at: string;
    }>;
    for (const r of rows) {
      out.set(r.complaint_id, [
        ...(out.get(r.complaint_id) ?? []),
        { kind: r.kind, target: r.target, linkedBy: r.linked_by, linkedAt: r.linked_at },
      ]);
    }
    return out;
  }
}
