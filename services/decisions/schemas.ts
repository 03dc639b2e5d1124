import { GrantAction, RowScope, RowAttributeName } from '../access-grants/schemas';
import { AssetRef, FieldName } from '../data-assets/schemas';
import { PurposeKey } from '../purposes/schemas';
import { CustomerId } from '../consents/schemas';
import { Uuid } from '../shared/schemas';
import { z } from '../shared/zod';

/** Customers one decision may name: a bulk read is bounded, so its consent read and audit event are. */
export const MAX_SUBJECTS = 1000;

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
    'consent_unverifiable',
    'volume_exceeded',
    'records_required',
    'row_scope',
  ])
  .openapi('DenyReason', {
    description:
      'Why a field is denied. `consent_missing`: the purpose rests on consent and a named customer has no current consent (sensitive fields: no separate consent); ' +
      '`consent_unverifiable`: the purpose rests on consent and the request names no customer (`subject` or `subjects`), so nobody’s consent can be checked; ' +
      '`records_required`: the grant caps records per day and the request does not say how many (`records`).',
  });

/** Why one named customer's data may not be released, beyond the reasons that hold for everyone. */
export const SubjectDenyReason = z
  .enum([...DenyReason.options, 'consent_never_given', 'consent_withdrawn', 'consent_stale', 'consent_not_separate'])
  .openapi('SubjectDenyReason', {
    description:
      'The reasons of DenyReason, and for this customer under a consent-based purpose: `consent_never_given`, `consent_withdrawn`, ' +
      '`consent_stale` (given to a notice version that a later material version superseded) or `consent_not_separate` (a sensitive field needs consent given separately, PIPL Art. 29).',
  });

export const DecisionRequest = z
  .strictObject({
    vendor: Uuid,
    asset: AssetRef,
    fields: z.array(FieldName).min(1).max(200),
    action: GrantAction,
    purpose: PurposeKey,
    subject: CustomerId.optional().openapi({
      description:
        'The one customer the data is about; kept only as a keyed pseudonym. Under a purpose whose legal basis is consent, name the customer (this or `subjects`): without one, personal fields are denied `consent_unverifiable`.',
    }),
    subjects: z
      .array(CustomerId)
      .min(1)
      .max(MAX_SUBJECTS)
      .optional()
      .openapi({
        description:
          `A bulk read: the customers the rows are about (at most ${MAX_SUBJECTS}; a customer named twice counts once). The answer then carries \`subjects\`, one entry per customer, ` +
          'saying which fields may be released for that customer and why not. Not together with `subject`.',
      }),
    records: z.number().int().min(1).max(10_000_000).optional().openapi({
      description:
        'How many records will be released. Required by grants with a daily record cap (without it their fields are denied `records_required`); with `subjects`, at least one per customer named.',
    }),
    rowContext: z
      .record(RowAttributeName, z.string().max(100))
      .optional()
      .openapi({ description: 'Attributes of the rows to be released, e.g. { "branch": "SZ01" }, checked against the grant’s row scope' }),
  })
  .superRefine((req, ctx) => {
    if (req.subject !== undefined && req.subjects !== undefined) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['subjects'],
        message: 'name one customer with subject or several with subjects, not both',
      });
    }
    const named = req.subjects === undefined ? 0 : new Set(req.subjects).size;
    if (req.records !== undefined && req.records < named) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['records'], message: `${named} customers are named: at least one record each` });
    }
  })
  .openapi('DecisionRequest');
export type DecisionRequest = z.infer<typeof DecisionRequest>;

export const Obligation = z
  .object({ type: z.literal('row_scope'), grant: Uuid, filter: RowScope })
  .openapi('Obligation', { description: 'Something the enforcement point must do when it releases the data' });

export const SubjectDecision = z
  .object({
    subject: z.string().openapi({ description: 'The customer as the request named it' }),
    allowedFields: z.array(z.string()).openapi({ description: 'The fields that may be released for this customer' }),
    deniedFields: z.array(z.object({ field: z.string(), reason: SubjectDenyReason })),
    consent: z
      .enum(['current', 'never_given', 'withdrawn', 'stale', 'not_required'])
      .openapi({ description: 'This customer’s consent to the purpose; `not_required` when no requested field needs it' }),
  })
  .openapi('SubjectDecision');
export type SubjectDecision = z.infer<typeof SubjectDecision>;

export const Decision = z
  .object({
    decisionId: Uuid,
    decision: z.enum(['allow', 'partial', 'deny']),
    allowedFields: z
      .array(z.string())
      .openapi({ description: 'With `subjects`: the fields that may be released for every customer named' }),
    deniedFields: z.array(z.object({ field: z.string(), reason: DenyReason })).openapi({
      description:
        'With `subjects`: a field that some customers’ consent does not cover is denied `consent_missing` here; `subjects` says for whom it may be released',
    }),
    grants: z.array(Uuid).openapi({ description: 'The grants that allowed the released fields' }),
    rowScope: RowScope.optional().openapi({ description: 'Present when every matched grant has the same row scope' }),
    obligations: z.array(Obligation),
    subjects: z
      .array(SubjectDecision)
      .optional()
      .openapi({ description: 'Present when the request sent `subjects`: one entry per distinct customer, in the order first named' }),
    retryOf: Uuid.optional().openapi({
      description:
        'Present on a retry with an Idempotency-Key used before: the first decision’s id. The retry is decided again from live state, never replayed.',
    }),
  })
  .openapi('Decision');
export type Decision = z.infer<typeof Decision>;
