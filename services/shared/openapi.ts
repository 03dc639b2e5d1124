import { OpenAPIRegistry, OpenApiGeneratorV31, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { RouteSpec } from './route';
import { z } from './zod';

export const OPENAPI_INFO = {
  title: 'Privacy and data-access governance API',
  version: '0.1.0',
  description:
    'Data ownership, need-to-know vendor access, consent, complaints, incidents and the app ledger for banks and insurers. ' +
    'Errors are RFC 9457 application/problem+json with a stable `code`.',
};

type ResponseConfig = RouteConfig['responses'][string];

function responsesOf(route: RouteSpec): RouteConfig['responses'] {
  const out: RouteConfig['responses'] = {};
  for (const [status, spec] of Object.entries(route.responses)) {
    const problem = Number(status) >= 400;
    const content: Record<string, { schema: z.ZodType }> = {};
    if (spec.schema) content[problem ? 'application/problem+json' : 'application/json'] = { schema: spec.schema };
    for (const [type, schema] of Object.entries(spec.alternatives ?? {})) content[type] = { schema };
    const response: ResponseConfig = { description: spec.description };
    if (Object.keys(content).length > 0) response.content = content;
    if (spec.headers) {
      response.headers = Object.fromEntries(
        Object.entries(spec.headers).map(([name, description]) => [name, { description, schema: { type: 'string' } }]),
      );
    }
    out[status] = response;
  }
  return out;
}

/** The OpenAPI 3.1 document, generated from the same route declarations and schemas that validate requests. */
export function buildOpenApiDocument(routes: readonly RouteSpec[], serverUrl?: string): Record<string, unknown> {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'staff', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'A staff JWT from the bank’s identity provider',
  });
  registry.registerComponent('securitySchemes', 'client', {
    type: 'oauth2',
    description: 'An access token from this service’s token endpoint (client credentials)',
    flows: { clientCredentials: { tokenUrl: '/oauth/token', scopes: {} } },
  });
  for (const route of routes) {
    const security =
      route.auth.kind === 'staff' ? [{ staff: [] }] : route.auth.kind === 'client' ? [{ client: [...(route.auth.scopes ?? [])] }] : [];
    const bodyType = route.bodyType === 'form' ? 'application/x-www-form-urlencoded' : 'application/json';
    const description = [
      route.description,
      route.auth.kind === 'staff'
        ? `Permission: \`${route.auth.permission.object}:${route.auth.permission.action}\` (${route.auth.permission.scope.kind === 'global' ? 'for every department' : route.auth.permission.scope.kind === 'any' ? 'in at least one department; results are limited to those departments' : 'in the department that owns the object'}).`
        : route.auth.kind === 'client'
          ? `Machine clients${route.auth.roles ? ` with role ${route.auth.roles.join(' or ')}` : ''}${route.auth.scopes ? ` or scope ${route.auth.scopes.join(' or ')}` : ''}.`
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
        ...(route.body ? { body: { required: true, content: { [bodyType]: { schema: route.body } } } } : {}),
      },
      responses: responsesOf(route),
    });
  }
  const generator = new OpenApiGeneratorV31(registry.definitions);
  return generator.generateDocument({
    openapi: '3.1.0',
    info: OPENAPI_INFO,
    servers: [{ url: serverUrl ?? '/' }],
    tags: [...new Set(routes.flatMap((r) => r.tags))].sort().map((name) => ({ name })),
  }) as unknown as Record<string, unknown>;
}
