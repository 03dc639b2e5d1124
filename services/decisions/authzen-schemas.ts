import { GrantAction, RowAttributeName } from '../access-grants/schemas';
import { AssetRef, FieldName } from '../data-assets/schemas';
import { PurposeKey } from '../purposes/schemas';
import { CustomerId } from '../consents/schemas';
import { Uuid } from '../shared/schemas';
import { z } from '../shared/zod';
import { DenyReason, MAX_SUBJECTS, Obligation, SubjectDecision } from './schemas';

/** Evaluations one boxcarred request may carry: each is a decision, audited on its own. */
export const MAX_EVALUATIONS = 100;

export const AuthzenSubject = z
  .object({
    type: z.literal('vendor').openapi({ description: 'Always `vendor`: the outsourcing vendor whose access is decided' }),
    id: Uuid.openapi({ description: 'The vendor’s id' }),
    properties: z.record(z.string(), z.unknown()).optional().openapi({ description: 'Ignored' }),
  })
  .openapi('AuthzenSubject');

export const AuthzenResource = z
  .object({
    type: z.literal('data_asset').openapi({ description: 'Always `data_asset`' }),
    id: AssetRef.openapi({ description: 'The data asset, by key or id' }),
    properties: z.object({ fields: z.array(FieldName).min(1).max(200).openapi({ description: 'The fields to release' }) }),
  })
  .openapi('AuthzenResource');

export const AuthzenAction = z
  .object({
    name: GrantAction,
    properties: z.record(z.string(), z.unknown()).optional().openapi({ description: 'Ignored' }),
  })
  .openapi('AuthzenAction');

export const AuthzenContext = z
  .object({
    purpose: PurposeKey.openapi({ description: 'The purpose key the data is used for' }),
    customer: CustomerId.optional().openapi({ description: 'The one customer the data is about (as `subject` of /v1/decisions)' }),
    customers: z
      .array(CustomerId)
      .min(1)
      .max(MAX_SUBJECTS)
      .optional()
      .openapi({
        description: `A bulk read: up to ${MAX_SUBJECTS} customers (as \`subjects\` of /v1/decisions); the answer’s context then says per customer`,
      }),
    records: z
      .number()
      .int()
      .min(1)
      .max(10_000_000)
      .optional()
      .openapi({ description: 'How many records will be released; required by capped grants' }),
    row_context: z
      .record(RowAttributeName, z.string().max(100))
      .optional()
      .openapi({ description: 'Attributes of the rows, checked against the grant’s row scope' }),
  })
  .openapi('AuthzenContext');

export const AuthzenEvaluationRequest = z
  .object({ subject: AuthzenSubject, action: AuthzenAction, resource: AuthzenResource, context: AuthzenContext })
  .openapi('AuthzenEvaluationRequest');
export type AuthzenEvaluationRequest = z.infer<typeof AuthzenEvaluationRequest>;

const PartialTuple = {
  subject: AuthzenSubject.optional(),
  action: AuthzenAction.optional(),
  resource: AuthzenResource.optional(),
  context: AuthzenContext.optional(),
};

export const EvaluationsSemantic = z.enum(['execute_all', 'deny_on_first_deny', 'permit_on_first_permit']);

export const AuthzenEvaluationsRequest = z
  .object({
    ...PartialTuple,
    evaluations: z.array(z.object(PartialTuple)).min(1).max(MAX_EVALUATIONS).optional().openapi({
      description:
        'Each inherits the top-level subject, action, resource and context it does not give itself. Without it, the top level is one evaluation.',
    }),
    options: z
      .object({ evaluations_semantic: EvaluationsSemantic.optional().openapi({ description: 'Default `execute_all`' }) })
      .optional(),
  })
  .openapi('AuthzenEvaluationsRequest');
export type AuthzenEvaluationsRequest = z.infer<typeof AuthzenEvaluationsRequest>;

export const AuthzenEvaluationResponse = z
  .object({
    decision: z.boolean().openapi({ description: 'True only when every requested field may be released (for every customer named)' }),
    context: z.object({
      decision_id: Uuid.openapi({ description: 'The decision’s id, as in its audit event' }),
      outcome: z.enum(['allow', 'partial', 'deny']),
      allowed_fields: z.array(z.string()),
      denied_fields: z.array(z.object({ field: z.string(), reason: DenyReason })),
      obligations: z.array(Obligation),
      customers: z
        .array(SubjectDecision)
        .optional()
        .openapi({ description: 'With `context.customers`: per customer, as `subjects` of /v1/decisions' }),
      reason: z
        .string()
        .optional()
        .openapi({ description: '`deny_on_first_deny` or `permit_on_first_permit` on the evaluation that ended a short-circuited batch' }),
    }),
  })
  .openapi('AuthzenEvaluationResponse');
export type AuthzenEvaluationResponse = z.infer<typeof AuthzenEvaluationResponse>;

export const AuthzenEvaluationsResponse = z
  .object({
    decision: z.boolean().optional().openapi({ description: 'Only when the request had no `evaluations`' }),
    context: AuthzenEvaluationResponse.shape.context.optional(),
    evaluations: z
      .array(AuthzenEvaluationResponse)
      .optional()
      .openapi({ description: 'In request order; a short-circuited batch ends at the evaluation that decided it' }),
  })
  .openapi('AuthzenEvaluationsResponse');

export const AuthzenConfiguration = z
  .object({
    policy_decision_point: z.string(),
    access_evaluation_endpoint: z.string(),
    access_evaluations_endpoint: z.string(),
    search_subject_endpoint: z.string(),
    search_resource_endpoint: z.string(),
  })
  .openapi('AuthzenConfiguration', { description: 'OpenID AuthZEN 1.0 policy decision point metadata' });

/** Results one search page may carry (`page.limit`), and the default. */
export const MAX_SEARCH_LIMIT = 200;
export const DEFAULT_SEARCH_LIMIT = 50;

const Ignored = z.unknown().optional().openapi({ description: 'Ignored (the searched entity’s id, per the specification)' });

export const AuthzenPageRequest = z
  .object({
    token: z
      .string()
      .min(1)
      .max(512)
      .optional()
      .openapi({ description: 'The `next_token` of the previous page, with the rest of the request unchanged' }),
    limit: z
      .number()
      .int()
      .min(1)
      .max(MAX_SEARCH_LIMIT)
      .optional()
      .openapi({
        description: `Most results on a page: 1 to ${MAX_SEARCH_LIMIT}, default ${DEFAULT_SEARCH_LIMIT}; the same on every page of a search`,
      }),
    properties: z.record(z.string(), z.unknown()).optional().openapi({ description: 'Ignored' }),
  })
  .openapi('AuthzenPageRequest');

export const AuthzenResourceSearchRequest = z
  .object({
    subject: AuthzenSubject,
    action: AuthzenAction,
    resource: z.object({ type: z.literal('data_asset').openapi({ description: 'Always `data_asset`' }), id: Ignored, properties: Ignored }),
    context: AuthzenContext,
    page: AuthzenPageRequest.optional(),
  })
  .openapi('AuthzenResourceSearchRequest');
export type AuthzenResourceSearchRequest = z.infer<typeof AuthzenResourceSearchRequest>;

export const AuthzenSubjectSearchRequest = z
  .object({
    subject: z.object({ type: z.literal('vendor').openapi({ description: 'Always `vendor`' }), id: Ignored, properties: Ignored }),
    action: AuthzenAction,
    resource: AuthzenResource,
    context: AuthzenContext,
    page: AuthzenPageRequest.optional(),
  })
  .openapi('AuthzenSubjectSearchRequest');
export type AuthzenSubjectSearchRequest = z.infer<typeof AuthzenSubjectSearchRequest>;

export const AuthzenPageResponse = z
  .object({
    next_token: z.string().openapi({ description: 'Opaque; the empty string on the last page' }),
    count: z.number().int().openapi({ description: 'Results on this page' }),
  })
  .openapi('AuthzenPageResponse');

export const AuthzenResourceSearchResponse = z
  .object({
    page: AuthzenPageResponse,
    results: z.array(
      z.object({
        type: z.literal('data_asset'),
        id: Uuid.openapi({ description: 'The data asset’s id' }),
        properties: z.object({
          key: z.string().optional().openapi({ description: 'The data asset’s key' }),
          fields: z
            .array(z.string())
            .openapi({ description: 'The fields an evaluation with this subject, action and context would allow now' }),
        }),
      }),
    ),
  })
  .openapi('AuthzenResourceSearchResponse');
export type AuthzenResourceSearchResponse = z.infer<typeof AuthzenResourceSearchResponse>;

export const AuthzenSubjectSearchResponse = z
  .object({
    page: AuthzenPageResponse,
    results: z.array(
      z.object({
        type: z.literal('vendor'),
        id: Uuid.openapi({ description: 'A vendor an evaluation would allow every requested field' }),
      }),
    ),
  })
  .openapi('AuthzenSubjectSearchResponse');
export type AuthzenSubjectSearchResponse = z.infer<typeof AuthzenSubjectSearchResponse>;
