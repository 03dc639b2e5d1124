import { PageQuery, Timestamp, Uuid, page, Label } from '../shared/schemas';
import { z } from '../shared/zod';
import {
  INTERNAL_CLIENT_ROLES,
  MAX_ACCESS_TOKEN_TTL_SECONDS,
  MAX_ASSERTION_BYTES,
  MAX_AUTHORIZATION_DETAILS_CHARS,
  MAX_KEY_ACTIVATION_DELAY_SECONDS,
  MAX_SECRET_GRACE_SECONDS,
  MIN_ACCESS_TOKEN_TTL_SECONDS,
  SIGNING_ALGORITHMS,
} from './settings';

// ---- clients (/v1/clients) -------------------------------------------------------------------

export const ClientId = z
  .string()
  .regex(/^[A-Za-z0-9._~-]{1,100}$/, 'must be 1-100 letters, digits, . _ ~ or -')
  .openapi({ example: '4b0f8a52-0c4e-4a43-a1f3-7d1f7c3a9b10' });
export const ClientKind = z.enum(['internal', 'vendor']).openapi('ClientKind');
export const ClientStatus = z.enum(['active', 'disabled']).openapi('ClientStatus');
export const InternalRole = z.enum(INTERNAL_CLIENT_ROLES).openapi('InternalClientRole');
export const TokenEndpointAuthMethod = z
  .enum(['private_key_jwt', 'client_secret_basic', 'client_secret_post'])
  .openapi('TokenEndpointAuthMethod');
export type TokenEndpointAuthMethod = z.infer<typeof TokenEndpointAuthMethod>;

/** RFC 6749 §3.3 scope-token: printable ASCII except space, " and \. */
export const ScopeToken = z
  .string()
  .regex(/^[\x21\x23-\x5B\x5D-\x7E]{1,64}$/, 'must be 1-64 printable characters without spaces, quotes or backslashes')
  .openapi({ example: 'consents:write' });

const PublicJwk = z
  .looseObject({
    kty: z.enum(['EC', 'OKP', 'RSA']),
    kid: z.string().min(1).max(200).optional(),
    alg: z.string().max(20).optional(),
    use: z.literal('sig').optional(),
  })
  .openapi('PublicJwk', { description: 'A public JSON Web Key (RFC 7517); private members are refused' });
export const Jwks = z.strictObject({ keys: z.array(PublicJwk).min(1).max(10) }).openapi('Jwks');
export type Jwks = z.infer<typeof Jwks>;

const credentialFields = {
  name: Label(200),
  scopes: z.array(ScopeToken).max(50).default([]),
  tokenEndpointAuthMethod: TokenEndpointAuthMethod,
  jwks: Jwks.optional(),
  jwksUri: z.url().max(2000).optional(),
  accessTokenTtlSeconds: z.number().int().min(MIN_ACCESS_TOKEN_TTL_SECONDS).max(MAX_ACCESS_TOKEN_TTL_SECONDS).optional(),
};

/** private_key_jwt needs exactly one of jwks and jwksUri; secret methods take neither. */
const keysMatchMethod = (v: { tokenEndpointAuthMethod: string; jwks?: unknown; jwksUri?: unknown }, ctx: z.RefinementCtx) => {
  const given = Number(v.jwks !== undefined) + Number(v.jwksUri !== undefined);
  if (v.tokenEndpointAuthMethod === 'private_key_jwt' && given !== 1) {
    ctx.addIssue({ code: 'custom', path: ['jwks'], message: 'private_key_jwt needs exactly one of jwks and jwksUri' });
  }
  if (v.tokenEndpointAuthMethod !== 'private_key_jwt' && given !== 0) {
    ctx.addIssue({ code: 'custom', path: ['jwks'], message: 'client secret methods take no jwks or jwksUri' });
  }
};

export const RegisterInternalClient = z
  .strictObject({ ...credentialFields, roles: z.array(InternalRole).min(1).max(10) })
  .superRefine(keysMatchMethod)
  .openapi('RegisterInternalClient');
export type RegisterInternalClient = z.infer<typeof RegisterInternalClient>;

/** The body the vendor feature accepts for /v1/vendors/{id}/clients (the vendor comes from the path). */
export const RegisterVendorClient = z.strictObject(credentialFields).superRefine(keysMatchMethod).openapi('RegisterVendorClient');
export type RegisterVendorClient = z.infer<typeof RegisterVendorClient>;

/** What ClientService.register takes, for either kind of client. */
export type RegisterClientInput =
  | ({ readonly kind: 'internal' } & RegisterInternalClient)
  | ({ readonly kind: 'vendor'; readonly vendorId: string } & RegisterVendorClient);

export const RotateClientCredentials = z
  .strictObject({
    graceSeconds: z
      .number()
      .int()
      .min(0)
      .max(MAX_SECRET_GRACE_SECONDS)
      .optional()
      .openapi({ description: 'Secret clients: how long the previous secret keeps working (default 86400 s = 24 h)' }),
    jwks: Jwks.optional().openapi({ description: 'private_key_jwt clients: the new key set (replaces the old one)' }),
    jwksUri: z.url().max(2000).optional(),
  })
  .openapi('RotateClientCredentials');
export type RotateClientCredentials = z.infer<typeof RotateClientCredentials>;

export const OAuthClient = z
  .object({
    clientId: ClientId,
    name: z.string(),
    kind: ClientKind,
    vendorId: Uuid.nullable(),
    roles: z.array(z.string()),
    scopes: z.array(z.string()),
    tokenEndpointAuthMethod: TokenEndpointAuthMethod,
    jwks: Jwks.nullable(),
    jwksUri: z.string().nullable(),
    accessTokenTtlSeconds: z.number().int(),
    status: ClientStatus,
    previousSecretExpiresAt: Timestamp.nullable().openapi({
      description: 'Until when the secret replaced by the last rotation still works',
    }),
    disabledAt: Timestamp.nullable(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .openapi('OAuthClient');
export type OAuthClient = z.infer<typeof OAuthClient>;

export const RegisteredClient = OAuthClient.extend({
  clientSecret: z.string().optional().openapi({ description: 'Shown once, in this response only; store it in a secret manager' }),
}).openapi('RegisteredClient');
export type RegisteredClient = z.infer<typeof RegisteredClient>;

export const ClientParams = z.strictObject({ clientId: ClientId });
export const ClientQuery = z.strictObject({
  ...PageQuery,
  kind: ClientKind.optional(),
  vendorId: Uuid.optional(),
  status: ClientStatus.optional(),
});
export const ClientPage = page(OAuthClient, 'OAuthClientPage');

// ---- signing keys (/v1/signing-keys) -----------------------------------------------------------

export const SigningKeyStatus = z.enum(['next', 'active', 'retiring', 'retired']).openapi('SigningKeyStatus', {
  description:
    'next: published, not signing yet; active: signs new tokens; retiring: published until its tokens expire; retired: unpublished',
});
export const SigningKey = z
  .object({
    kid: z.string(),
    alg: z.enum(SIGNING_ALGORITHMS),
    status: SigningKeyStatus,
    publicJwk: z.record(z.string(), z.unknown()),
    createdAt: Timestamp,
    activatesAt: Timestamp,
    retiresAt: Timestamp.nullable(),
    publishedUntil: Timestamp.nullable(),
  })
  .openapi('SigningKey');
export type SigningKey = z.infer<typeof SigningKey>;
export const SigningKeyList = z.object({ items: z.array(SigningKey) }).openapi('SigningKeyList');
export const RotateSigningKey = z
  .strictObject({
    alg: z.enum(SIGNING_ALGORITHMS).default('ES256'),
    activateAfterSeconds: z
      .number()
      .int()
      .min(0)
      .max(MAX_KEY_ACTIVATION_DELAY_SECONDS)
      .optional()
      .openapi({ description: 'Publish the new key this long before it signs (default 600 s)' }),
  })
  .openapi('RotateSigningKey');
export type RotateSigningKey = z.infer<typeof RotateSigningKey>;

// ---- protocol endpoints (/oauth/*, /.well-known/*) --------------------------------------------

const formString = (max: number) => z.string().max(max);
/** Client authentication parameters any protocol endpoint accepts in its form (RFC 6749 §2.3, RFC 7523). */
const clientAuthenticationFields = {
  client_id: formString(200).optional(),
  client_secret: formString(200).optional(),
  client_assertion_type: formString(200).optional(),
  client_assertion: formString(MAX_ASSERTION_BYTES).optional(),
};

// z.object (not strict): RFC 6749 §3.2 says unknown parameters are ignored. Repeated parameters arrive as arrays and fail.
export const TokenRequestForm = z
  .object({
    grant_type: formString(200),
    scope: formString(4000).optional(),
    authorization_details: formString(MAX_AUTHORIZATION_DETAILS_CHARS)
      .optional()
      .openapi({ description: 'RFC 9396: a JSON array of objects, type data_access' }),
    ...clientAuthenticationFields,
  })
  .openapi('TokenRequest');
export type TokenRequestForm = z.infer<typeof TokenRequestForm>;

export const TokenResponse = z
  .object({
    access_token: z.string(),
    token_type: z.literal('Bearer'),
    expires_in: z.number().int(),
    scope: z.string().optional(),
    authorization_details: z.array(z.unknown()).optional(),
  })
  .openapi('TokenResponse');

export const OAuthErrorBody = z
  .object({ error: z.string(), error_description: z.string().optional() })
  .openapi('OAuthErrorResponse', { description: 'RFC 6749 §5.2 error response' });

export const IntrospectionRequestForm = z
  .object({ token: formString(16_000), token_type_hint: formString(100).optional(), ...clientAuthenticationFields })
  .openapi('IntrospectionRequest');
export type IntrospectionRequestForm = z.infer<typeof IntrospectionRequestForm>;

export const IntrospectionResponse = z
  .object({
    active: z.boolean(),
    scope: z.string().optional(),
    client_id: z.string().optional(),
    sub: z.string().optional(),
    aud: z.union([z.string(), z.array(z.string())]).optional(),
    iss: z.string().optional(),
    exp: z.number().int().optional(),
    iat: z.number().int().optional(),
    jti: z.string().optional(),
    token_type: z.string().optional(),
    authorization_details: z.array(z.unknown()).optional(),
    vendor_id: z.string().optional(),
  })
  .openapi('IntrospectionResponse');

export const RevocationRequestForm = z
  .object({ token: formString(16_000), token_type_hint: formString(100).optional(), ...clientAuthenticationFields })
  .openapi('RevocationRequest');
export type RevocationRequestForm = z.infer<typeof RevocationRequestForm>;

export const AuthorizationServerMetadata = z
  .object({
    issuer: z.string(),
    token_endpoint: z.string(),
    introspection_endpoint: z.string(),
    revocation_endpoint: z.string(),
    jwks_uri: z.string(),
    grant_types_supported: z.array(z.string()),
    response_types_supported: z
      .array(z.string())
      .min(1)
      .optional()
      .openapi({ description: 'Omitted: this server has no authorization endpoint (RFC 8414 §3.2, errata 7793)' }),
    scopes_supported: z.array(z.string()).optional(),
    token_endpoint_auth_methods_supported: z.array(z.string()),
    token_endpoint_auth_signing_alg_values_supported: z.array(z.string()),
    introspection_endpoint_auth_methods_supported: z.array(z.string()),
    introspection_endpoint_auth_signing_alg_values_supported: z.array(z.string()),
    revocation_endpoint_auth_methods_supported: z.array(z.string()),
    revocation_endpoint_auth_signing_alg_values_supported: z.array(z.string()),
    authorization_details_types_supported: z.array(z.string()).min(1).optional(),
    service_documentation: z.string().optional(),
  })
  .openapi('AuthorizationServerMetadata');

export const PublicJwks = z.object({ keys: z.array(z.record(z.string(), z.unknown())) }).openapi('PublicJwks');
