import { PageQuery, Timestamp, Uuid, page, FreeText } from '../shared/schemas';
import { AssetRef, FieldName } from '../data-assets/schemas';
import { PurposeKey } from '../purposes/schemas';
import { z } from '../shared/zod';

export const MAX_GRANT_DAYS = 365;

export const GrantAction = z.enum(['read', 'write', 'export']).openapi('GrantAction');
export type GrantAction = z.infer<typeof GrantAction>;

// PostgreSQL's reserved key words, and the names JavaScript gives special meaning on objects: never a column.
const NOT_COLUMN_NAMES = new Set(
  (
    'all analyse analyze and any array as asc asymmetric authorization binary both case cast check collate collation column concurrently ' +
    'constraint create cross current_catalog current_date current_role current_schema current_time current_timestamp current_user default ' +
    'deferrable desc distinct do else end except false fetch for foreign freeze from full grant group having ilike in initially inner intersect ' +
    'into is isnull join lateral leading left like limit localtime localtimestamp natural not notnull null offset on only or order outer overlaps ' +
    'placing primary references returning right select session_user similar some symmetric system_user table tablesample then to trailing true ' +
    'union unique user using variadic verbose when where window with constructor prototype'
  ).split(' '),
);

/** A row attribute as data services name it: lower-case letters, digits and _, starting with a letter, at most 63 bytes. */
export const RowAttributeName = z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, 'must be a column name such as branch');

/** A column identifier a grant's row scope names: a row attribute name that is never a reserved word. */
export const ColumnName = RowAttributeName.refine((v) => !NOT_COLUMN_NAMES.has(v), 'is a reserved word, not a column name');

/** Copies a parsed row scope into an object without a prototype, so no key can reach Object.prototype. */
export const prototypeFreeRowScope = (scope: RowScope): RowScope => Object.assign(Object.create(null) as RowScope, scope);

/** A small row filter: attribute → allowed values, e.g. { "branch": ["SZ01"] }. */
export const RowScope = z
  .record(ColumnName, z.array(z.string().min(1).max(100)).min(1).max(50))
  .refine((v) => Object.keys(v).length >= 1 && Object.keys(v).length <= 5, { message: 'name 1 to 5 attributes' })
  .openapi('RowScope', { example: { branch: ['SZ01'] } });
export type RowScope = z.infer<typeof RowScope>;

export const CreateAccessGrant = z
  .strictObject({
    vendor: Uuid,
    asset: AssetRef,
    fields: z.array(FieldName).min(1).max(200),
    actions: z.array(GrantAction).min(1).max(3),
    purpose: PurposeKey,
    validFrom: Timestamp.optional().openapi({ description: 'Defaults to now' }),
    validUntil: Timestamp.openapi({
      description: `Required; after validFrom, at most ${MAX_GRANT_DAYS} days later, not after the contract’s end`,
    }),
    rowScope: RowScope.optional(),
    dailyRecordCap: z.number().int().min(1).max(1_000_000_000).optional(),
    justification: FreeText(2000, 10),
  })
  .openapi('CreateAccessGrant');
export type CreateAccessGrant = z.infer<typeof CreateAccessGrant>;

export const GrantStatus = z.enum(['requested', 'approved', 'active', 'expired', 'rejected', 'revoked']).openapi('GrantStatus', {
  description: 'approved = approved but not yet in its window; active = approved and inside it; expired = past validUntil',
});
export type GrantStatus = z.infer<typeof GrantStatus>;

const Approval = z.object({ by: z.string(), at: Timestamp }).nullable();

export const AccessGrant = z
  .object({
    id: Uuid,
    vendor: Uuid,
    asset: z.object({ id: Uuid, key: z.string(), owningDepartment: z.string() }),
    fields: z.array(z.string()),
    actions: z.array(GrantAction),
    purpose: z.string(),
    validFrom: Timestamp,
    validUntil: Timestamp,
    rowScope: RowScope.nullable(),
    dailyRecordCap: z.number().int().nullable(),
    justification: z.string(),
    sensitive: z.boolean().openapi({ description: 'Includes a sensitive field: a privacy officer must co-approve' }),
    status: GrantStatus,
    requestedBy: z.string(),
    requestedAt: Timestamp,
    approvals: z.object({ owner: Approval, privacyOfficer: Approval, privacyOfficerRequired: z.boolean() }),
    decidedBy: z.string().nullable(),
    decidedAt: Timestamp.nullable(),
    decisionReason: z.string().nullable(),
    lastUsedAt: Timestamp.nullable(),
  })
  .openapi('AccessGrant');
export type AccessGrant = z.infer<typeof AccessGrant>;

export const GrantQuery = z.strictObject({
  ...PageQuery,
  vendor: Uuid.optional(),
  asset: Uuid.optional(),
  purpose: PurposeKey.optional(),
  status: GrantStatus.optional(),
});
export type GrantQuery = z.infer<typeof GrantQuery>;

export const GrantPage = page(AccessGrant, 'AccessGrantPage');

export const Reason = z.strictObject({ reason: FreeText(2000, 3) }).openapi('Reason');
export const OptionalNote = z.strictObject({ note: FreeText(2000).optional() }).openapi('ApprovalNote');
