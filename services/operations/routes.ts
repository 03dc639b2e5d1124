import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Registry } from 'prom-client';
import { NotFoundError, ServiceUnavailableError, UnauthorizedError } from '../shared/errors';
import { defineRoute, type RouteSpec } from '../http/route';
import { NoQuery, Problem, unknownQueryResponse } from '../shared/schemas';
import { z } from '../shared/zod';

export interface ReadinessCheck {
  readonly name: string;
  readonly check: () => Promise<boolean>;
}

const Health = z.object({ status: z.literal('ok') }).openapi('Health');
const Readiness = z.object({ status: z.enum(['ready', 'not_ready']), checks: z.record(z.string(), z.boolean()) }).openapi('Readiness');
const DocsParams = z.strictObject({ asset: z.enum(['swagger-ui.css', 'swagger-ui-bundle.js']) });

const SWAGGER_DIR = path.dirname(require.resolve('swagger-ui-dist/package.json'));
/** The one inline script of /docs: its hash is what the page's Content-Security-Policy lets run. */
export const DOCS_INLINE_SCRIPT = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#ui' });`;
const DOCS_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Privacy governance API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><div id="ui"></div><script src="/docs/swagger-ui-bundle.js"></script>
<script>${DOCS_INLINE_SCRIPT}</script></body></html>`;

/**
 * Whether GET /metrics answers on the public port: `open` (development, bound to 127.0.0.1 by
 * default), behind a bearer `token` (METRICS_TOKEN), or `elsewhere` (METRICS_PORT, or production
 * without either: 404 here).
 */
export type MetricsExposure =
  { readonly kind: 'open' } | { readonly kind: 'token'; readonly token: string } | { readonly kind: 'elsewhere' };

export function metricsExposure(config: {
  readonly production: boolean;
  readonly metrics: { readonly port: number | undefined; readonly token: string | undefined };
}): MetricsExposure {
  if (config.metrics.port !== undefined) return { kind: 'elsewhere' };
  if (config.metrics.token !== undefined) return { kind: 'token', token: config.metrics.token };
  return config.production ? { kind: 'elsewhere' } : { kind: 'open' };
}

const digest = (value: string) => crypto.createHash('sha256').update(value).digest();

/** Refuses a scrape of the public port's /metrics unless the exposure allows it. */
function metricsGate(exposure: MetricsExposure): (authorization: string) => void {
  if (exposure.kind === 'open') return () => undefined;
  if (exposure.kind === 'elsewhere') {
    return () => {
      throw new NotFoundError('No resource at /metrics');
    };
  }
  const expected = digest(`Bearer ${exposure.token}`);
  return (authorization) => {
    if (!crypto.timingSafeEqual(digest(authorization), expected))
      throw new UnauthorizedError('GET /metrics needs the METRICS_TOKEN bearer token', 'metrics');
  };
}

export function operationsRoutes(options: {
  readiness: readonly ReadinessCheck[];
  registry: Registry;
  openApiDocument: () => Record<string, unknown>;
  metrics: MetricsExposure;
}): RouteSpec[] {
  const checkScraper = metricsGate(options.metrics);
  return [
    defineRoute({
      method: 'get',
      path: '/healthz',
      operationId: 'health',
      summary: 'The process is up',
      tags: ['operations'],
      auth: { kind: 'public' },
      query: NoQuery,
      responses: { 200: { description: 'Up', schema: Health }, ...unknownQueryResponse },
      handler: async () => ({ body: { status: 'ok' } }),
    }),
    defineRoute({
      method: 'get',
      path: '/readyz',
      operationId: 'readiness',
      summary: 'The database is reachable, migrations are current and policies are loaded',
      tags: ['operations'],
      auth: { kind: 'public' },
      query: NoQuery,
      responses: {
        200: { description: 'Ready to serve', schema: Readiness },
        ...unknownQueryResponse,
        503: { description: 'Not ready', schema: Problem },
      },
      handler: async () => {
        const checks: Record<string, boolean> = {};
        await Promise.all(
          options.readiness.map(async (c) => {
            checks[c.name] = await c.check().catch(() => false);
          }),
        );
        const failed = Object.entries(checks)
          .filter(([, ok]) => !ok)
          .map(([name]) => name);
        if (failed.length > 0) throw new ServiceUnavailableError(`Not ready: ${failed.join(', ')}`);
        return { body: { status: 'ready', checks } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/metrics',
      operationId: 'metrics',
      summary: 'Prometheus metrics',
      description:
        'Served on this port only when METRICS_PORT is not set: behind `Authorization: Bearer <METRICS_TOKEN>` when that is set, ' +
        'open in development, and not at all in production without it (404). With METRICS_PORT, GET /metrics is served on that listener alone.',
      tags: ['operations'],
      auth: { kind: 'public' },
      query: NoQuery,
      responses: {
        200: { description: 'Prometheus text format', alternatives: { 'text/plain': z.string() } },
        ...unknownQueryResponse,
        401: { description: 'METRICS_TOKEN is set and the bearer token is missing or wrong', schema: Problem },
        404: { description: 'Metrics are not served on this port (METRICS_PORT, or production without METRICS_TOKEN)', schema: Problem },
      },
      handler: async ({ ctx }) => {
        checkScraper(ctx.get('authorization'));
        return { body: await options.registry.metrics(), type: options.registry.contentType };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/openapi.json',
      operationId: 'openapi',
      summary: 'This OpenAPI 3.1 document',
      tags: ['operations'],
      auth: { kind: 'public' },
      query: NoQuery,
      responses: { 200: { description: 'The document', schema: z.record(z.string(), z.unknown()) }, ...unknownQueryResponse },
      handler: async () => ({ body: options.openApiDocument() }),
    }),
    defineRoute({
      method: 'get',
      path: '/docs',
      operationId: 'docs',
      summary: 'Interactive API documentation',
      tags: ['operations'],
      auth: { kind: 'public' },
      query: NoQuery,
      responses: { 200: { description: 'HTML page', alternatives: { 'text/html': z.string() } }, ...unknownQueryResponse },
      handler: async () => ({ body: DOCS_HTML, type: 'text/html' }),
    }),
    defineRoute({
      method: 'get',
      path: '/docs/{asset}',
      operationId: 'docsAsset',
      summary: 'Static files of the documentation page',
      tags: ['operations'],
      auth: { kind: 'public' },
      params: DocsParams,
      query: NoQuery,
      responses: {
        200: { description: 'Static file', alternatives: { 'text/css': z.string(), 'text/javascript': z.string() } },
        400: { description: 'Unknown file or query parameter', schema: Problem },
      },
      handler: async ({ params }) => ({
        body: fs.createReadStream(path.join(SWAGGER_DIR, params.asset)),
        type: params.asset.endsWith('.css') ? 'text/css' : 'text/javascript',
        headers: { 'Cache-Control': 'public, max-age=86400' },
      }),
    }),
  ];
}
