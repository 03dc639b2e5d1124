import { AssetRef, FieldName, GrantAction, PurposeKey, RowScope } from '../access-grants/schemas';
import { Uuid } from '../shared/schemas';
import { z } from '../shared/zod';

export const DenyReason = z
  .enum([
    'no_grant',
    'field_not_granted',
    'purpose_mismatch',
    'grant_expired',
    'grant_not_yet_valid',
    'vendor_suspended',
    'contract_expired',
    'consent_missing',
    'volume_exceeded',
    'row_scope',
  ])
  .openapi('DenyReason');

export const DecisionRequest = z
  .strictObject({
    vendor: Uuid,
    asset: AssetRef,
    fields: z.array(FieldName).min(1).max(200),
    action: GrantAction,
    purpose: PurposeKey,
    subject: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .openapi({ description: 'The customer the data is about; kept only as a keyed pseudonym' }),
    records: z.number().int().min(1).max(10_000_000).optional().openapi({ description: 'How many records will be released' }),
    rowContext: z
      .record(z.string().regex(/^[a-z][a-z0-9_]{0,62}$/), z.string().max(100))
      .optional()
      .openapi({ description: 'Attributes of the rows to be released, e.g. { "branch": "SZ01" }, checked against the grant’s row scope' }),
  })
  .openapi('DecisionRequest');
export type DecisionRequest = z.infer<typeof DecisionRequest>;

export const Obligation = z
  .object({ type: z.literal('row_scope'), grant: Uuid, filter: RowScope })
  .openapi('Obligation', { description: 'Something the enforcement point must do when it releases the data' });

export const Decision = z
  .object({
    decisionId: Uuid,
    decision: z.enum(['allow', 'partial', 'deny']),
    allowedFields: z.array(z.string()),
    deniedFields: z.array(z.object({ field: z.string(), reason: DenyReason })),
    grants: z.array(Uuid).openapi({ description: 'The grants that allowed the allowed fields' }),
    rowScope: RowScope.optional().openapi({ description: 'Present when every matched grant has the same row scope' }),
    obligations: z.array(Obligation),
  })
  .openapi('Decision');
export type Decision = z.infer<typeof Decision>;
