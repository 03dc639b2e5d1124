import { ValidationError } from '../shared/errors';
import { decodeCursor } from '../shared/schemas';
import type { Incident, Rectification } from './schemas';
import type { IncidentRecord, RectificationRecord } from './store-type';

/** How incidents are shown: notification deadlines and overdue flags computed against `now`. */
export function incidentView(i: IncidentRecord, openRectifications: number, now: string): Incident {
  return {
    id: i.id,
    title: i.title,
    description: i.description,
    source: i.source as Incident['source'],
    severity: i.severity,
    status: i.status,
    detectedAt: i.detectedAt,
    vendors: i.vendors,
    assets: i.assets,
    apps: i.apps,
    regulatorNotification: {
      dueAt: i.notificationDueAt,
      sentAt: i.regulatorNotifiedAt,
      overdue: i.regulatorNotifiedAt === null && now >= i.notificationDueAt,
      late: i.regulatorNotifiedAt !== null && i.regulatorNotifiedAt > i.notificationDueAt,
    },
    containedAt: i.containedAt,
    closedAt: i.closedAt,
    openRectifications,
    createdBy: i.createdBy,
    createdAt: i.createdAt,
    updatedAt: i.updatedAt,
  };
}

export function rectificationView(r: RectificationRecord, now: string): Rectification {
  return {
    id: r.id,
    incident: r.incidentId,
    action: r.action,
    owner: r.owner,
    dueAt: r.dueAt,
    status: r.status,
    overdue: r.status === 'open' && now >= r.dueAt,
    createdBy: r.createdBy,
    createdAt: r.createdAt,
    completedAt: r.completedAt,
    completedBy: r.completedBy,
    evidence: r.evidence,
  };
}

/** The incident as the audit log keeps it: everything but the free-text description. */
export function auditView(i: IncidentRecord): Record<string, unknown> {
  const { description, ...rest } = i;
  return { ...rest, descriptionLength: description.length };
}

export function decodeIncidentCursor(cursor: string | undefined): { createdAt: string; id: string } | undefined {
  const decoded = decodeCursor(cursor);
  if (decoded === undefined) return undefined;
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)_([0-9a-f-]{36})$/.exec(decoded);
  if (!match || Number.isNaN(Date.parse(match[1]))) {
    throw new ValidationError('query.cursor: not a cursor this service issued', [{ path: 'query.cursor', message: 'invalid cursor' }]);
  }
  return { createdAt: match[1], id: match[2] };
}
