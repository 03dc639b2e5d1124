import { GLOBAL, defineRoute, staffPermission, type RouteSpec } from '../http/route';
import { decodeNumericCursor, pageFrom, problemResponses } from '../shared/schemas';
import { ValidationError } from '../shared/errors';
import { CheckpointRejected, type Checkpoint } from './checkpoint-key';
import type { AuditCheckpoints } from './checkpoints';
import { AuditPage, AuditQuery, CheckpointJwks, CheckpointPage, CheckpointQuery, VerifyQuery, VerifyResultSchema } from './schemas';
import type { AuditLog } from './service';

/** A witness's checkpoint, checked against the published key before it is compared with the database. */
async function witnessCheckpoint(checkpoints: AuditCheckpoints, jws: string | undefined): Promise<Checkpoint[]> {
  if (jws === undefined) return [];
  try {
    return [await checkpoints.parse(jws)];
  } catch (err) {
    if (!(err instanceof CheckpointRejected)) throw err;
    throw new ValidationError(`query.checkpoint: not a checkpoint of this service: ${err.message}`, [
      { path: 'query.checkpoint', message: err.message },
    ]);
  }
}

export function auditRoutes(audit: AuditLog, checkpoints: AuditCheckpoints): RouteSpec[] {
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
        return { body: pageFrom(items, query.limit, (last) => last.seq) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/audit/verify',
      operationId: 'verifyAuditChain',
      summary: 'Verify the hash chain from the first retained event against the signed checkpoints',
      description:
        'Names the first event (or checkpoint) that breaks and why. Events after the newest checkpoint are protected by the hash chain only (bounded by the checkpoint interval); pass a checkpoint a witness kept to detect deleted checkpoints.',
      tags: ['audit'],
      auth: staffPermission('audit', 'verify', GLOBAL),
      query: VerifyQuery,
      responses: { 200: { description: 'The verification result', schema: VerifyResultSchema }, ...problemResponses },
      handler: async ({ query }) => ({ body: await audit.verify(undefined, await witnessCheckpoint(checkpoints, query.checkpoint)) }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/audit/checkpoints',
      operationId: 'listAuditCheckpoints',
      summary: 'Signed checkpoints of the audit chain head, oldest first (for a witness to keep copies)',
      tags: ['audit'],
      auth: staffPermission('audit', 'verify', GLOBAL),
      query: CheckpointQuery,
      responses: { 200: { description: 'A page of checkpoints', schema: CheckpointPage }, ...problemResponses },
      handler: async ({ query }) => {
        const items = await checkpoints.list(decodeNumericCursor(query.cursor) ?? 0, query.limit + 1);
        return { body: pageFrom(items, query.limit, (last) => last.number) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/audit/checkpoints/jwks',
      operationId: 'getAuditCheckpointKeys',
      summary: 'The public key (JWKS) that verifies the audit checkpoints',
      tags: ['audit'],
      auth: staffPermission('audit', 'verify', GLOBAL),
      responses: { 200: { description: 'The checkpoint key set', schema: CheckpointJwks }, ...problemResponses },
      handler: async () => ({ body: checkpoints.jwks() }),
    }),
  ];
}
