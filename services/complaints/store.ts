import type { Db, Trx } from '../db';
import { rowMapper } from '../platform/row-mapper';
import { OPEN_STATUSES } from './deadlines';
import type {
  ComplaintCategory,
  ComplaintChannel,
  ComplaintExtension,
  ComplaintHistoryEntry,
  ComplaintLink,
  ComplaintStatus,
  LinkKind,
} from './schemas';
import type { ComplaintFilter, ComplaintRecord, ComplaintStoreType, OverdueCount } from './store-type';

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

/** The columns of a complaint's history, extension and link rows that hold the entry (each row also has its complaint_id). */
interface HistoryColumns {
  from_status: ComplaintStatus | null;
  to_status: ComplaintStatus;
  note: string | null;
  reason: string | null;
  actor: string;
  at: string;
}

interface ExtensionColumns {
  days: number;
  justification: string;
  approved_by: string | null;
  total_days: number;
  due_date: string;
  extended_by: string;
  extended_at: string;
}

interface LinkColumns {
  kind: LinkKind;
  target: string;
  linked_by: string;
  linked_at: string;
}

type Of<Columns> = Columns & { complaint_id: string };

const complaints = rowMapper<ComplaintRecord, ComplaintRow>({
  id: 'id',
  reference: 'reference',
  category: 'category',
  description: 'description',
  contact: 'contact',
  subjectRef: 'subject_ref',
  app: 'app',
  channel: 'channel',
  clientId: 'client_id',
  status: 'status',
  receivedAt: 'received_at',
  dueDays: 'due_days',
  dueDate: 'due_date',
  dueAt: 'due_at',
  decidedAt: 'decided_at',
  closedAt: 'closed_at',
  rejectionReason: 'rejection_reason',
  updatedAt: 'updated_at',
});

const history = rowMapper<ComplaintHistoryEntry, HistoryColumns>({
  from: 'from_status',
  to: 'to_status',
  note: 'note',
  reason: 'reason',
  actor: 'actor',
  at: 'at',
});

const extensions = rowMapper<ComplaintExtension, ExtensionColumns>({
  days: 'days',
  justification: 'justification',
  approvedBy: 'approved_by',
  totalDays: 'total_days',
  dueDate: 'due_date',
  extendedBy: 'extended_by',
  extendedAt: 'extended_at',
});

const links = rowMapper<ComplaintLink, LinkColumns>({ kind: 'kind', target: 'target', linkedBy: 'linked_by', linkedAt: 'linked_at' });

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

export class ComplaintStore implements ComplaintStoreType {
  constructor(private readonly db: Db) {}

  async insert(trx: Trx, c: ComplaintRecord): Promise<void> {
    await trx<ComplaintRow>('complaints').insert(complaints.toRow(c));
  }

  async update(trx: Trx, c: ComplaintRecord): Promise<void> {
    const { id, ...rest } = complaints.toRow(c);
    await trx<ComplaintRow>('complaints').where({ id }).update(rest);
  }

  async get(id: string, trx: Db | Trx = this.db, forUpdate = false): Promise<ComplaintRecord | undefined> {
    const q = trx<ComplaintRow>('complaints').where({ id }).first();
    if (forUpdate) q.forUpdate();
    const row = await q;
    return row && complaints.fromRow(row);
  }

  async departmentsOf(id: string): Promise<string[] | undefined> {
    if (!(await this.db<ComplaintRow>('complaints').where({ id }).first('id'))) return undefined;
    const { rows } = await this.db.raw<{ rows: Array<{ department: string }> }>(
      `select distinct d.department from complaints c, lateral (${COMPLAINT_DEPARTMENTS}) d where c.id = ? order by 1`,
      [id],
    );
    return rows.map((r) => r.department);
  }

  async byReference(reference: string): Promise<ComplaintRecord | undefined> {
    const row = await this.db<ComplaintRow>('complaints').where({ reference }).first();
    return row && complaints.fromRow(row);
  }

  async list(filter: ComplaintFilter, limit: number): Promise<ComplaintRecord[]> {
    const q = this.db<ComplaintRow>('complaints as c')
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
    return (await q).map(complaints.fromRow);
  }

  async overdue(now: string, examples: number, openDuring?: { from: string; to: string }): Promise<OverdueCount> {
    const all = () => {
      const q = this.db<ComplaintRow>('complaints');
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
    const total = async (q: ReturnType<typeof all>) => {
      const [row] = await q.count({ n: '*' });
      return Number(row.n);
    };
    const [examined, count] = [await total(all()), await total(open())];
    if (examples === 0 || count === 0) return { examined, count, ids: [] };
    const rows = await open()
      .orderBy([{ column: 'due_at' }, { column: 'id' }])
      .limit(examples)
      .select('id');
    return { examined, count, ids: rows.map((r) => r.id) };
  }

  async addHistory(trx: Trx, complaintId: string, e: ComplaintHistoryEntry): Promise<void> {
    await trx<Of<HistoryColumns>>('complaint_history').insert({ complaint_id: complaintId, ...history.toRow(e) });
  }

  async history(complaintId: string): Promise<ComplaintHistoryEntry[]> {
    const rows = await this.db<Of<HistoryColumns>>('complaint_history').where({ complaint_id: complaintId }).orderBy('id');
    return rows.map(history.fromRow);
  }

  async addExtension(trx: Trx, complaintId: string, e: ComplaintExtension): Promise<void> {
    await trx<Of<ExtensionColumns>>('complaint_extensions').insert({ complaint_id: complaintId, ...extensions.toRow(e) });
  }

  async extensions(complaintId: string): Promise<ComplaintExtension[]> {
    const rows = await this.db<Of<ExtensionColumns>>('complaint_extensions').where({ complaint_id: complaintId }).orderBy('id');
    return rows.map(extensions.fromRow);
  }

  async addLink(trx: Trx, complaintId: string, link: ComplaintLink): Promise<boolean> {
    const inserted = await trx<Of<LinkColumns>>('complaint_links')
      .insert({ complaint_id: complaintId, ...links.toRow(link) })
      .onConflict(['complaint_id', 'kind', 'target'])
      .ignore()
      .returning('kind');
    return inserted.length > 0;
  }

  async links(complaintIds: readonly string[]): Promise<Map<string, ComplaintLink[]>> {
    const out = new Map<string, ComplaintLink[]>();
    if (complaintIds.length === 0) return out;
    const rows = await this.db<Of<LinkColumns>>('complaint_links')
      .whereIn('complaint_id', [...complaintIds])
      .orderBy([{ column: 'linked_at' }, { column: 'kind' }, { column: 'target' }]);
    for (const r of rows) out.set(r.complaint_id, [...(out.get(r.complaint_id) ?? []), links.fromRow(r)]);
    return out;
  }
}
