import { OpenAPIRegistry, OpenApiGeneratorV31, zodToOpenAPIRegistry, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { RouteSpec } from './route';
import { Problem } from '../shared/schemas';
import { z } from '../shared/zod';

export const OPENAPI_INFO = {
  title: 'Privacy and data-access governance API',
  version: '0.1.0',
  description:
    'Data ownership, need-to-know vendor access, consent, complaints, incidents and the app ledger for banks and insurers. ' +
    'Errors are RFC 9457 application/problem+json with a stable `code`.',
  // package.json is UNLICENSED: proprietary to the bank that runs it (SPDX LicenseRef- form).
  license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
};

/** One description per tag; a route whose tag is missing here fails `npm run openapi:check` (tag-description). */
export const TAG_DESCRIPTIONS: Readonly<Record<string, string>> = {
  operations: 'Health, readiness, Prometheus metrics and this document: for the platform, not for business users.',
  departments: 'The bank’s departments. Business departments own data assets; every staff role is held in a department or in all (`*`).',
  'role-assignments': 'Who holds which staff role in which department (Casbin `g` rules). Administrators only.',
  audit: 'The append-only, hash-chained audit log of every change and decision (PIPL Art. 56), and its verification.',
  'data-assets': 'Business data sets, their fields with PI categories, classification (JR/T 0197-2020) and ownership transfers.',
  ownership: 'The data ownership map: every asset with its owning department and data owners.',
  'ownership-map': 'The data ownership map: every asset with its owning department and data owners.',
  purposes: 'Declared processing purposes with their legal basis (PIPL Art. 13) and retention.',
  vendors: 'Outsourcing vendors, their contracts and status (suspend, reinstate, terminate), and their OAuth clients.',
  clients: 'OAuth clients of vendors and of the bank’s own systems (enforcement points, app back ends).',
  oauth: 'OAuth 2.0 authorization server: metadata (RFC 8414), keys, client-credentials tokens, introspection and revocation.',
  'access-grants': 'Need-to-know grants: vendor × asset × named fields × purpose × validity window, approved by the owning department.',
  authzen: 'OpenID AuthZEN 1.0 policy decision point over the same decisions (metadata, evaluation, evaluations).',
  decisions: 'Field-level access decisions for the bank’s data services (policy enforcement points); default deny, always audited.',
  consents: 'Consent records against the exact notice version shown, withdrawals, checks and signed receipts.',
  notices: 'Versioned privacy notices per purpose (PIPL Art. 17); published versions are immutable.',
  public: 'Endpoints for customers without authentication: published notices and complaints (rate-limited).',
  complaints: 'Complaints with deadlines (15 days, one extension) and their handling.',
  incidents: 'Leak incidents: containment, blast radius, notifications (PIPL Art. 57) and rectification.',
  apps: 'The ledger of apps, mini-programs, official accounts and H5 pages, with security tests and vulnerabilities.',
  reports: 'Compliance and vendor-access reports for privacy officers, auditors and regulators.',
};

type ResponseConfig = RouteConfig['responses'][string];

/** POST operations by staff and clients take an Idempotency-Key (services/idempotency). */
export const acceptsIdempotencyKey = (route: RouteSpec): boolean =>
  route.method === 'post' && route.auth.kind !== 'public' && route.retries !== 'none';

const IdempotencyKeyHeader = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[!-~]+$/)
  .optional()
  .openapi({
    param: {
      name: 'Idempotency-Key',
      in: 'header',
      description:
        'Makes a retry safe: a repeat of this request with the same key (same caller, within 24 hours) changes nothing again and gets the first response back, ' +
        'with `Idempotent-Replayed: true`. Up to 255 visible ASCII characters; a UUID is a good choice.',
    },
    example: '6f1c2d1e-8b0a-4a53-9f3e-2f1d7c9b4a10',
  });

/** Routes whose answer depends on live state answer a retry afresh (RouteSpec.retries): never replayed. */
const answersAfresh = (route: RouteSpec): boolean => route.retries === 'answer-afresh';

const IdempotencyKeyAfreshHeader = IdempotencyKeyHeader.openapi({
  param: {
    name: 'Idempotency-Key',
    in: 'header',
    description:
      'Makes a retry safe without replaying it: a repeat of this request with the same key (same caller, within 24 hours) is answered again from the state ' +
      'of that moment (a vendor suspended or a grant revoked since denies), its answer names the first (`retryOf`), its audit event names the first one’s, ' +
      'and records the first decision counted are not counted again. Up to 255 visible ASCII characters.',
  },
});

const IDEMPOTENCY_RESPONSES: Readonly<Record<number, string>> = {
  409: '`idempotent_request_completed`: a request with this Idempotency-Key was carried out but its response was not kept (`auditEventId` names its change)',
  422: '`idempotency_key_reused`: this Idempotency-Key was used for a different request',
};

/**
 * What the shared router answers on its own before any handler runs (services/http/router.ts):
 * invalid path, query or body (400, nesting over MAX_JSON_DEPTH included), a body over
 * BODY_LIMIT_KB (413) or of another media type (415). Documented on every route it applies to.
 */
function routerResponses(route: RouteSpec): Readonly<Record<number, string>> {
  const out: Record<number, string> = {};
  if (route.params || route.query || route.body) out[400] = 'Invalid input';
  if (route.body) {
    out[413] = 'The body is larger than the service accepts';
    out[415] = `The body is not ${route.bodyType === 'form' ? 'application/x-www-form-urlencoded' : 'application/json'}`;
  }
  return out;
}

function idempotencyResponses(route: RouteSpec): Readonly<Record<number, string>> {
  return answersAfresh(route) ? { 422: IDEMPOTENCY_RESPONSES[422] } : IDEMPOTENCY_RESPONSES;
}

const headerOf = (param: z.ZodType | undefined) => (param ? { headers: [param] } : {});

function responsesOf(route: RouteSpec): RouteConfig['responses'] {
  const out: RouteConfig['responses'] = {};
  for (const [status, description] of Object.entries(routerResponses(route))) {
    if (!route.responses[Number(status)]) out[status] = { description, content: { 'application/problem+json': { schema: Problem } } };
  }
  if (acceptsIdempotencyKey(route)) {
    for (const [status, description] of Object.entries(idempotencyResponses(route))) {
      const own = route.responses[Number(status)];
      if (!own) out[status] = { description, content: { 'application/problem+json': { schema: Problem } } };
    }
  }
  for (const [status, spec] of Object.entries(route.responses)) {
    const problem = Number(status) >= 400;
    const content: Record<string, { schema: z.ZodType }> = {};
    if (spec.schema) content[problem ? 'application/problem+json' : 'application/json'] = { schema: spec.schema };
    for (const [type, schema] of Object.entries(spec.alternatives ?? {})) content[type] = { schema };
    const idempotencyNote = acceptsIdempotencyKey(route) ? idempotencyResponses(route)[Number(status)] : undefined;
    const response: ResponseConfig = { description: idempotencyNote ? `${spec.description}; or ${idempotencyNote}` : spec.description };
    if (Object.keys(content).length > 0) response.content = content;
    if (spec.headers) {
      response.headers = Object.fromEntries(
        Object.entries(spec.headers).map(([name, description]) => [name, { description, schema: { type: 'string' } }]),
      );
    }
    out[status] = response;
  }
  // In status order, whichever of the route, the router and idempotency declared each one.
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => Number(a) - Number(b)));
}

/**
 * zod-to-openapi writes `Named.nullable()` as `allOf: [{ $ref }, { type: [..., 'null'] }]`, which
 * still makes null satisfy the referenced schema, so a null is invalid (upstream
 * asteasolutions/zod-to-openapi PR #387). Rewrites each such schema as `anyOf: [{ $ref }, { type: 'null' }]`.
 */
export function nullableRefsAsAnyOf(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(nullableRefsAsAnyOf);
  if (node === null || typeof node !== 'object') return node;
  const out = Object.fromEntries(Object.entries(node).map(([key, value]) => [key, nullableRefsAsAnyOf(value)]));
  const parts = out.allOf;
  if (!Array.isArray(parts) || parts.length !== 2) return out;
  const ref = parts.find((p: Record<string, unknown>) => typeof p.$ref === 'string' && Object.keys(p).length === 1);
  const nullable = parts.find((p: Record<string, unknown>) => Array.isArray(p.type) && p.type.includes('null'));
  if (!ref || !nullable || ref === nullable) return out;
  const { allOf: _allOf, ...siblings } = out;
  const { type: _type, ...annotations } = nullable as Record<string, unknown>;
  return { ...siblings, ...annotations, anyOf: [ref, { type: 'null' }] };
}

const isZodSchema = (value: unknown): value is z.ZodType => typeof value === 'object' && value !== null && '_zod' in value;

/**
 * Every named schema (`.openapi('Name')`) the routes reach, by name. Registered before the paths:
 * otherwise, when the first use the generator meets is `Named.nullable()`, the component itself
 * becomes nullable (`type: [object, null]`) and every non-null use of it accepts null.
 */
function namedSchemas(routes: readonly RouteSpec[]): Map<string, z.ZodType> {
  const named = new Map<string, z.ZodType>();
  const seen = new Set<unknown>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (!isZodSchema(value)) {
      // An object's shape: property name → schema.
      if (value !== null && typeof value === 'object' && !seen.has(value)) {
        seen.add(value);
        Object.values(value).forEach(visit);
      }
      return;
    }
    if (seen.has(value)) return;
    seen.add(value);
    const name = zodToOpenAPIRegistry.get(value)?._internal?.refId;
    if (name !== undefined && !named.has(name)) named.set(name, value);
    Object.values(value._zod.def).forEach(visit);
  };
  for (const route of routes) {
    visit([route.params, route.query, route.body]);
    for (const response of Object.values(route.responses)) visit([response.schema, Object.values(response.alternatives ?? {})]);
  }
  // Path and query schemas become parameters, never components (an unused component fails the lint).
  for (const route of routes) {
    for (const expanded of [route.params, route.query]) {
      const name = expanded ? zodToOpenAPIRegistry.get(expanded)?._internal?.refId : undefined;
      if (name !== undefined && named.get(name) === expanded) named.delete(name);
    }
  }
  return named;
}

/** The OpenAPI 3.1 document, generated from the same route declarations and schemas that validate requests. */
export function buildOpenApiDocument(routes: readonly RouteSpec[], serverUrl?: string): Record<string, unknown> {
  const registry = new OpenAPIRegistry();
  // Only the schemes some route uses: an unused component is a lint error.
  if (routes.some((r) => r.auth.kind === 'staff')) {
    registry.registerComponent('securitySchemes', 'staff', {
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description: 'A staff JWT from the bank’s identity provider',
    });
  }
  if (routes.some((r) => r.auth.kind === 'client')) {
    // Every scope a route names is declared here (an undeclared scope is a lint error).
    const scopes = [...new Set(routes.flatMap((r) => (r.auth.kind === 'client' ? (r.auth.scopes ?? []) : [])))].sort();
    registry.registerComponent('securitySchemes', 'client', {
      type: 'oauth2',
      description: 'An access token from this service’s token endpoint (client credentials)',
      flows: {
        clientCredentials: {
          tokenUrl: '/oauth/token',
          scopes: Object.fromEntries(scopes.map((s) => [s, `Routes that accept the scope ${s}`])),
        },
      },
    });
  }
  for (const [name, schema] of namedSchemas(routes)) registry.register(name, schema);
  const replayed = routes.filter((r) => acceptsIdempotencyKey(r) && !answersAfresh(r));
  const idempotencyKey = replayed.length > 0 ? registry.registerParameter('IdempotencyKey', IdempotencyKeyHeader) : undefined;
  const afreshKey = routes.some(answersAfresh)
    ? registry.registerParameter('IdempotencyKeyAnsweredAfresh', IdempotencyKeyAfreshHeader)
    : undefined;
  for (const route of routes) {
    const security =
      route.auth.kind === 'staff' ? [{ staff: [] }] : route.auth.kind === 'client' ? [{ client: [...(route.auth.scopes ?? [])] }] : [];
    const bodyType = route.bodyType === 'form' ? 'application/x-www-form-urlencoded' : 'application/json';
    const description = [
      route.description,
      route.auth.kind === 'staff'
        ? `Permission: \`${route.auth.permission.object}:${route.auth.permission.action}\` (${route.auth.permission.scope.kind === 'global' ? 'for every department' : route.auth.permission.scope.kind === 'any' ? 'in at least one department; results are limited to those departments' : route.auth.permission.scope.kind === 'concerned' ? 'in a department the object concerns, or for every department when it concerns none' : 'in the department that owns the object'}).`
        : route.auth.kind === 'client'
          ? `Machine clients${route.auth.roles ? ` with role ${route.auth.roles.join(' or ')}` : ''}${route.auth.scopes ? ` ${route.auth.roles ? 'or' : 'with'} scope ${route.auth.scopes.join(' or ')}` : ''}.`
          : undefined,
    ]
      .filter(Boolean)
      .join('\n\n');
    registry.registerPath({
      method: route.method,
      path: route.path,
      operationId: route.operationId,
      summary: route.summary,
      ...(description ? { description } : {}),
      tags: [...route.tags],
      security,
      request: {
        ...(route.params ? { params: route.params as z.ZodObject } : {}),
        ...(route.query ? { query: route.query as z.ZodObject } : {}),
        ...(acceptsIdempotencyKey(route) ? headerOf(answersAfresh(route) ? afreshKey : idempotencyKey) : {}),
        ...(route.body ? { body: { required: true, content: { [bodyType]: { schema: route.body } } } } : {}),
      },
      responses: responsesOf(route),
    });
  }
  const generator = new OpenApiGeneratorV31(registry.definitions);
  const document = generator.generateDocument({
    openapi: '3.1.0',
    info: OPENAPI_INFO,
    servers: [{ url: serverUrl ?? '/' }],
    tags: [...new Set(routes.flatMap((r) => r.tags))]
      .sort()
      .map((name) => (TAG_DESCRIPTIONS[name] ? { name, description: TAG_DESCRIPTIONS[name] } : { name })),
  });
  return nullableRefsAsAnyOf(document) as Record<string, unknown>;
}
