import Koa from 'koa';
import type { Container } from './container';
import { errorHandler, requestContext } from './http/middleware';
import { httpMetrics } from './platform/metrics';
import { DOCS_INLINE_SCRIPT } from './operations/routes';
import { securityHeaders } from './http/security-headers';
import { buildRouter, methodNotAllowed } from './http/router';

/** security headers → request id + logger → metrics → problem+json errors → 405 → routes (each: authenticate, parse, authorize, validate, handle). */
export function createApp(container: Container): Koa {
  // Behind one load balancer: trust only the address it appends to X-Forwarded-For (the client sets the rest).
  const app = new Koa({ proxy: container.config.production, maxIpsCount: 1 });
  const router = buildRouter(container.routes, {
    staffAuth: container.staffAuth,
    clientAuth: container.clientAuth,
    staffAccess: container.staffAuthorizer,
    bodyLimitBytes: container.config.bodyLimitBytes,
    idempotency: container.idempotency,
  });
  app.silent = true;
  app.use(securityHeaders({ docsInlineScripts: [DOCS_INLINE_SCRIPT] }));
  app.use(requestContext(container.logger));
  app.use(httpMetrics(container.metrics));
  app.use(errorHandler());
  app.use(methodNotAllowed(router));
  app.use(router.routes());
  return app;
}
