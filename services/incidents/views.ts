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
