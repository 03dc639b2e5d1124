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

const CheckpointRef = z.object({ number: z.number().int(), seq: z.number().int(), hash: z.string(), madeAt: Timestamp });

export const VerifyQuery = z.strictObject({
  checkpoint: z.string().min(1).max(4000).optional().openapi({
    description:
      'A checkpoint JWS kept by a witness (normally the newest it holds): it must still be in the database, unchanged, and the chain must still match it',
  }),
});

export const VerifyResultSchema = z
  .object({
    valid: z.boolean(),
    checked: z.number().int(),
    archivedThroughSeq: z.number().int().optional().openapi({
      description:
        'Events up to this seq are in months detached by retention; the walk started after them, from the hash recorded when they were detached',
    }),
    firstInvalidEventId: z.string().optional(),
    firstInvalidSeq: z
      .number()
      .int()
      .optional()
      .openapi({ description: 'The first event that breaks (for deleted events: the first one missing)' }),
    invalidCheckpoint: z
      .number()
      .int()
      .optional()
      .openapi({ description: 'The checkpoint whose check failed: missing, altered, or not matching the chain' }),
    reason: z.string().optional(),
    checkpoints: z
      .object({
        checked: z.number().int(),
        intervalSeconds: z.number().int(),
        last: CheckpointRef.nullable().openapi({ description: 'The newest checkpoint the chain matched' }),
        unanchoredEvents: z.number().int().openapi({ description: 'Events after the newest checkpoint: protected by the hash chain only' }),
        statement: z.string().openapi({ description: 'What the result proves about deletion and rewriting after the last checkpoint' }),
      })
      .optional(),
  })
  .openapi('AuditVerification');

export const CheckpointSchema = z
  .object({
    number: z.number().int(),
    seq: z.number().int(),
    hash: z.string(),
    madeAt: Timestamp,
    prev: z.string().openapi({ description: "SHA-256 (hex) of the previous checkpoint's JWS; 64 zeros for the first" }),
    kid: z.string(),
    jws: z.string().openapi({
      description: 'Compact JWS (EdDSA, typ audit-checkpoint+jws) over {number, seq, hash, madeAt, prev}: the copy a witness keeps',
    }),
  })
  .openapi('AuditCheckpoint');

export const CheckpointPage = page(CheckpointSchema, 'AuditCheckpointPage');

// Pages like every other list (limit 1-200, default 50): a witness downloads them in order with the cursor.
export const CheckpointQuery = z.strictObject({ ...PageQuery });

export const CheckpointJwks = z
  .object({
    keys: z.array(
      z.object({
        kty: z.literal('OKP'),
        crv: z.literal('Ed25519'),
        x: z.string(),
        kid: z.string(),
        alg: z.literal('EdDSA'),
        use: z.literal('sig'),
      }),
    ),
  })
  .openapi('AuditCheckpointKeys');
