import crypto from 'node:crypto';
import type { Context, Next } from 'koa';
import helmet from 'koa-helmet';

type Directives = Record<string, string[]>;

// Nothing an API response needs: no scripts, styles, frames, forms or base URL; nobody frames it.
const API_CSP: Directives = {
  'default-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-ancestors': ["'none'"],
};

/** Swagger UI: its own files, the named inline scripts by hash, its inline styles and data: images, and the document. */
const docsCsp = (inlineScripts: readonly string[]): Directives => ({
  ...API_CSP,
  'script-src': ["'self'", ...inlineScripts.map((s) => `'sha256-${crypto.createHash('sha256').update(s, 'utf8').digest('base64')}'`)],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
});

/** Human-readable HTML reports carry their own inline <style> and nothing else. */
const HTML_REPORT_CSP: Directives = { ...API_CSP, 'style-src': ["'unsafe-inline'"] };

const withCsp = (directives: Directives) =>
  helmet({
    contentSecurityPolicy: { useDefaults: false, directives },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
  });

const isDocs = (path: string) => path === '/docs' || path.startsWith('/docs/');
// Responses under these prefixes may carry tokens or personal information: never stored by a cache unless the route says otherwise.
const NO_STORE = /^\/(v1|oauth)(\/|$)/;

/**
 * Security headers on every response (helmet): nosniff, no framing, no referrer, a strict CSP for the
 * API and a CSP for /docs that lets Swagger UI run; Cache-Control: no-store by default under /v1 and
 * /oauth (a route that may be cached, such as a published notice, sets its own).
 */
export function securityHeaders(options: { docsInlineScripts: readonly string[] }) {
  const api = withCsp(API_CSP);
  const docs = withCsp(docsCsp(options.docsInlineScripts));
  const htmlReport = withCsp(HTML_REPORT_CSP);
  return async (ctx: Context, next: Next): Promise<void> => {
    if (NO_STORE.test(ctx.path)) ctx.set('Cache-Control', 'no-store');
    const chosen = isDocs(ctx.path) ? docs : ctx.path.endsWith('.html') ? htmlReport : api;
    return chosen(ctx, next);
  };
}
