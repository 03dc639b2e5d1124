import { GLOBAL, defineRoute, staffPermission, type RouteSpec } from '../shared/route';
import { decodeNumericCursor, encodeCursor, problemResponses } from '../shared/schemas';
import { AuditPage, AuditQuery, VerifyResultSchema } from './schemas';
import type { AuditLog } from './service';

export function auditRoutes(audit: AuditLog): RouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/audit',
      operationId: 'listAuditEvents',
      summary: 'Read the audit log, newest first',
      tags: ['audit'],
      auth: staffPermission('audit', 'read', GLOBAL),
      query: AuditQuery,
      responses: { 200: { description: 'A page of audit events', schema: AuditPage }, ...problemResponses },
      handler: async ({ query }) => {
        const items = await audit.list(
          {
            action: query.action,
            actorId: query.actor,
            objectType: query.objectType,
            objectId: query.objectId,
            from: query.from,
            to: query.to,
            beforeSeq: decodeNumericCursor(query.cursor),
          },
          query.limit + 1,
        );
        const more = items.length > query.limit;
        const pageItems = items.slice(0, query.limit);
        const last = pageItems[pageItems.length - 1];
        return { body: { items: pageItems, nextCursor: more && last ? encodeCursor(last.seq) : null } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/audit/verify',
      operationId: 'verifyAuditChain',
      summary: 'Verify the whole hash chain from the first event',
      tags: ['audit'],
      auth: staffPermission('audit', 'verify', GLOBAL),
      responses: { 200: { description: 'The verification result', schema: VerifyResultSchema }, ...problemResponses },
      handler: async () => ({ body: await audit.verify() }),
    }),
  ];
}
