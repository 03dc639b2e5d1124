import { PageQuery, Timestamp, page } from '../shared/schemas';
import { z } from '../shared/zod';

export const AuditEventSchema = z
  .object({
    seq: z.number().int(),
    id: z.string(),
    occurredAt: Timestamp,
    actorType: z.enum(['staff', 'client', 'public', 'system']),
    actorId: z.string(),
    action: z.string(),
    objectType: z.string(),
    objectId: z.string().nullable(),
    requestId: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
    prevHash: z.string(),
    hash: z.string(),
  })
  .openapi('AuditEvent');

export const AuditQuery = z.strictObject({
  ...PageQuery,
  action: z.string().max(100).optional().openapi({ description: 'Event type, e.g. department.created' }),
  actor: z.string().max(200).optional(),
  objectType: z.string().max(100).optional(),
  objectId: z.string().max(200).optional(),
  from: Timestamp.optional(),
  to: Timestamp.optional(),
});

export const AuditPage = page(AuditEventSchema, 'AuditEventPage');

export const VerifyResultSchema = z
  .object({
    valid: z.boolean(),
    checked: z.number().int(),
    archivedThroughSeq: z
      .number()
      .int()
      .optional()
      .openapi({ description: 'Events up to this seq are in months detached by retention; the walk started after them, from the hash recorded when they were detached' }),
    firstInvalidEventId: z.string().optional(),
    firstInvalidSeq: z.number().int().optional(),
    reason: z.string().optional(),
  })
  .openapi('AuditVerification');
