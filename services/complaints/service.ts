import crypto from 'node:crypto';
import { actorOf, type AuditRecorder, type ChangeContext } from '../audit';
import { withTransaction, type Transactor, type Trx } from '../db';
import { ConflictError, NotFoundError, ValidationError, isUniqueViolation } from '../shared/errors';
import { pseudonymize } from '../shared/pseudonym';
import type { DepartmentAccess } from '../http/route';
import type { Finding } from '../reports/compliance-check';
import { decodeInstantCursor, pageFrom, type Page } from '../shared/schemas';
import { INITIAL_DAYS, OPEN_STATUSES, dueOf, extendedTotal, isOverdue } from './deadlines';
import type {
  Complaint,
  ComplaintDetail,
  ComplaintLink,
  ComplaintQuery,
  ComplaintReceipt,
  ComplaintStatus,
  ExtendComplaint,
  LinkComplaint,
  LinkKind,
  PublicComplaintStatus,
  SubmitComplaint,
  TransitionComplaint,
} from './schemas';
import type { ComplaintRecord, ComplaintStoreType } from './store-type';
import { systemClock, type Clock } from '../platform/clock';

/** What links point at, answered by the features that own them. */
export interface ComplaintDirectory {
  vendorExists(id: string): Promise<boolean>;
  /** The asset's id, given its id or key. */
  assetId(idOrKey: string): Promise<string | undefined>;
  incidentExists(id: string): Promise<boolean>;
}

/** Whether a member of staff may see the contact of a complaint concerning `departments` (privacy officers). */
export type ContactAccess = (subject: string, departments: readonly string[]) => Promise<boolean>;

const NEXT: Readonly<Record<ComplaintStatus, readonly ComplaintStatus[]>> = {
  received: ['acknowledged'],
  acknowledged: ['investigating'],
  investigating: ['resolved', 'rejected'],
  resolved: ['closed'],
  rejected: ['closed'],
  closed: [],
};

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** PC- and 12 base32 characters from 60 random bits: a bearer reference nobody can guess. */
export function newReference(): string {
  const bytes = crypto.randomBytes(12);
  let out = '';
  for (const b of bytes) out += CROCKFORD[b & 31];
  return `PC-${out}`;
}

export class ComplaintService {
  constructor(
    private readonly db: Transactor,
    private readonly store: ComplaintStoreType,
    private readonly audit: AuditRecorder,
    private readonly subjectKey: Buffer,
    private readonly directory: ComplaintDirectory,
    private readonly contactAccess: ContactAccess,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Takes a complaint in from a customer (public) or an app back end (client); answers its tracking reference. */
  async submit(ctx: ChangeContext, input: SubmitComplaint): Promise<ComplaintReceipt> {
    const clientId = ctx.actor.kind === 'client' ? ctx.actor.clientId : null;
    for (let attempt = 1; ; attempt += 1) {
      const now = this.clock.now().toISOString();
      const due = dueOf(now, INITIAL_DAYS);
      const complaint: ComplaintRecord = {
        id: crypto.randomUUID(),
        reference: newReference(),
        category: input.category,
        description: input.description,
        contact: input.contact ?? null,
        subjectRef: input.subject === undefined ? null : pseudonymize(this.subjectKey, input.subject),
        app: input.app ?? null,
        channel: clientId === null ? 'public' : 'app_backend',
        clientId,
        status: 'received',
        receivedAt: now,
        dueDays: INITIAL_DAYS,
        dueDate: due.dueDate,
        dueAt: due.dueAt,
        decidedAt: null,
        closedAt: null,
        rejectionReason: null,
        updatedAt: now,
      };
      try {
        await withTransaction(this.db, async (trx) => {
          await this.store.insert(trx, complaint);
          await this.store.addHistory(trx, complaint.id, {
            from: null,
            to: 'received',
            note: null,
            reason: null,
            actor: actorOf(ctx).actorId,
            at: now,
          });
          await this.audit.record(trx, ctx, {
            action: 'complaint.received',
            objectType: 'complaint',
            objectId: complaint.id,
            // Never the description, contact or subject: the audit log cannot be erased.
            details: {
              reference: complaint.reference,
              category: complaint.category,
              channel: complaint.channel,
              app: complaint.app,
              hasContact: complaint.contact !== null,
              hasSubject: complaint.subjectRef !== null,
              dueDate: complaint.dueDate,
            },
          });
        });
      } catch (err) {
        if (attempt < 3 && isUniqueViolation(err)) continue;
        throw err;
      }
      return { reference: complaint.reference, status: complaint.status, receivedAt: complaint.receivedAt, dueDate: complaint.dueDate };
    }
  }

  /** The customer's view by tracking reference: status and dates, nothing personal. */
  async publicStatus(reference: string): Promise<PublicComplaintStatus> {
    const c = await this.store.byReference(reference);
    if (!c) throw new NotFoundError('No complaint with this reference');
    return {
      reference: c.reference,
      category: c.category,
      status: c.status,
      receivedAt: c.receivedAt,
      dueDate: c.dueDate,
      extended: c.dueDays > INITIAL_DAYS,
      updatedAt: c.updatedAt,
    };
  }

  /** A page of complaints: every one for a bank-wide reader, else those concerning the reader's departments. */
  async list(query: ComplaintQuery, access: DepartmentAccess): Promise<Page<Complaint>> {
    const now = this.clock.now().toISOString();
    const after = decodeInstantCursor(query.cursor);
    const departments = access.all ? undefined : access.departments;
    const records = await this.store.list(
      {
        status: query.status,
        category: query.category,
        overdue: query.overdue,
        app: query.app,
        vendor: query.vendor,
        after: after && { receivedAt: after.at, id: after.id },
        departments,
        now,
      },
      query.limit + 1,
    );
    const page = pageFrom(records, query.limit, (last) => `${last.receivedAt}_${last.id}`);
    const links = await this.store.links(page.items.map((c) => c.id));
    return { items: page.items.map((c) => view(c, links.get(c.id) ?? [], now)), nextCursor: page.nextCursor };
  }

  /** One complaint with its extensions and history; the contact only for those allowed to see it. */
  async get(id: string, viewer: ChangeContext['actor']): Promise<ComplaintDetail> {
    const c = await this.store.get(id);
    if (!c) throw new NotFoundError(`No complaint ${id}`);
    const [links, extensions, history] = await Promise.all([this.store.links([id]), this.store.extensions(id), this.store.history(id)]);
    const detail: ComplaintDetail = { ...view(c, links.get(id) ?? [], this.clock.now().toISOString()), extensions, history };
    if (viewer.kind === 'staff' && (await this.contactAccess(viewer.subject, (await this.store.departmentsOf(id)) ?? [])))
      detail.contact = c.contact;
    return detail;
  }

  /** The departments the complaint concerns (see ComplaintStoreType); a 404 when there is no such complaint. */
  async departmentsOf(id: string): Promise<string[]> {
    const departments = await this.store.departmentsOf(id);
    if (departments === undefined) throw new NotFoundError(`No complaint ${id}`);
    return departments;
  }

  async transition(ctx: ChangeContext, id: string, input: TransitionComplaint): Promise<ComplaintDetail> {
    await this.change(ctx, id, async (trx, c, now) => {
      const from = c.status;
      if (!NEXT[from].includes(input.to)) {
        throw new ConflictError(
          'illegal_transition',
          `The complaint is ${from}; it can move to ${NEXT[from].join(' or ') || 'nothing'} (received → acknowledged → investigating → resolved | rejected → closed)`,
        );
      }
      c.status = input.to;
      if (input.to === 'resolved' || input.to === 'rejected') c.decidedAt = now;
      if (input.to === 'rejected') c.rejectionReason = input.reason ?? null;
      if (input.to === 'closed') c.closedAt = now;
      await this.store.addHistory(trx, id, {
        from,
        to: input.to,
        note: input.note ?? null,
        reason: input.reason ?? null,
        actor: actorOf(ctx).actorId,
        at: now,
      });
      return {
        action: 'complaint.transitioned',
        details: {
          before: { status: from },
          after: { status: input.to },
          decidedLate: input.to === 'resolved' || input.to === 'rejected' ? now >= c.dueAt : null,
        },
      };
    });
    return this.get(id, ctx.actor);
  }

  /** Moves the deadline; refused once it has passed (an extension cannot hide a missed deadline). */
  async extend(ctx: ChangeContext, id: string, input: ExtendComplaint): Promise<ComplaintDetail> {
    await this.change(ctx, id, async (trx, c, now) => {
      if (!OPEN_STATUSES.includes(c.status))
        throw new ConflictError('complaint_decided', `The complaint is ${c.status}; only an undecided complaint can be extended`);
      if (now >= c.dueAt)
        throw new ConflictError('complaint_overdue', `The deadline passed at ${c.dueAt}; an extension must be decided before it`);
      const before = { dueDays: c.dueDays, dueDate: c.dueDate };
      const total = extendedTotal(c.dueDays, input.days, input.approvedBy);
      const due = dueOf(c.receivedAt, total);
      Object.assign(c, { dueDays: total, dueDate: due.dueDate, dueAt: due.dueAt });
      await this.store.addExtension(trx, id, {
        days: input.days,
        justification: input.justification,
        approvedBy: input.approvedBy ?? null,
        totalDays: total,
        dueDate: due.dueDate,
        extendedBy: actorOf(ctx).actorId,
        extendedAt: now,
      });
      return {
        action: 'complaint.extended',
        details: { before, after: { dueDays: total, dueDate: due.dueDate }, days: input.days, approvedBy: input.approvedBy ?? null },
      };
    });
    return this.get(id, ctx.actor);
  }

  /** Links the complaint to an incident, app, asset or vendor (each link once). */
  async link(ctx: ChangeContext, id: string, input: LinkComplaint): Promise<ComplaintDetail> {
    const [kind, given] = Object.entries(input)[0] as [LinkKind, string];
    const target = await this.resolveTarget(kind, given);
    await this.change(ctx, id, async (trx, _c, now) => {
      const link: ComplaintLink = { kind, target, linkedBy: actorOf(ctx).actorId, linkedAt: now };
      if (!(await this.store.addLink(trx, id, link)))
        throw new ConflictError('link_exists', `The complaint is already linked to this ${kind}`);
      return { action: 'complaint.linked', details: { kind, target } };
    });
    return this.get(id, ctx.actor);
  }

  /** Undecided complaints past their deadline, of all (or of those open at some time in `openDuring`), for the compliance report. */
  async overdueSummary(now = this.clock.now(), examples = 10, openDuring?: { from: string; to: string }): Promise<Finding> {
    const { examined, count, ids } = await this.store.overdue(now.toISOString(), examples, openDuring);
    return { examined, count, examples: ids };
  }

  private async resolveTarget(kind: LinkKind, given: string): Promise<string> {
    const unknown = () => new ValidationError(`body.${kind}: no such ${kind}`, [{ path: `body.${kind}`, message: `unknown ${kind}` }]);
    switch (kind) {
      case 'incident':
        if (!(await this.directory.incidentExists(given))) throw unknown();
        return given;
      case 'vendor':
        if (!(await this.directory.vendorExists(given))) throw unknown();
        return given;
      case 'asset': {
        const assetId = await this.directory.assetId(given);
        if (!assetId) throw unknown();
        return assetId;
      }
      case 'app':
        return given;
    }
  }

  /** One change under the complaint's row lock, with its audit event, in one transaction. */
  private async change(
    ctx: ChangeContext,
    id: string,
    apply: (trx: Trx, c: ComplaintRecord, now: string) => Promise<{ action: string; details: Record<string, unknown> }>,
  ): Promise<void> {
    await withTransaction(this.db, async (trx) => {
      const c = await this.store.get(id, trx, true);
      if (!c) throw new NotFoundError(`No complaint ${id}`);
      const now = this.clock.now().toISOString();
      const { action, details } = await apply(trx, c, now);
      c.updatedAt = now;
      await this.store.update(trx, c);
      await this.audit.record(trx, ctx, { action, objectType: 'complaint', objectId: id, details });
    });
  }
}

function view(c: ComplaintRecord, links: ComplaintLink[], now: string): Complaint {
  return {
    id: c.id,
    reference: c.reference,
    category: c.category,
    description: c.description,
    app: c.app,
    channel: c.channel,
    clientId: c.clientId,
    subjectRef: c.subjectRef,
    hasContact: c.contact !== null,
    status: c.status,
    receivedAt: c.receivedAt,
    dueDays: c.dueDays,
    dueDate: c.dueDate,
    dueAt: c.dueAt,
    overdue: isOverdue(c.status, c.dueAt, now),
    decidedAt: c.decidedAt,
    closedAt: c.closedAt,
    rejectionReason: c.rejectionReason,
    updatedAt: c.updatedAt,
    links,
  };
}
