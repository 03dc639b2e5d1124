import crypto from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';
import type { Context, Next } from 'koa';

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

/** What helmet does to a response: headers removed, then headers set (the same for every request with fixed directives). */
interface HeaderPlan {
  readonly remove: readonly string[];
  readonly set: ReadonlyArray<readonly [string, string]>;
}

/**
 * Helmet's headers for these directives, asked of helmet once: the values are fixed, so a request
 * only copies them, instead of running helmet's fourteen middleware functions every time.
 */
function helmetHeaders(directives: Directives): HeaderPlan {
  const remove: string[] = [];
  const set: Array<[string, string]> = [];
  const recorder = {
    removeHeader: (name: string) => void remove.push(name),
    setHeader: (name: string, value: unknown) => void set.push([name, String(value)]),
  };
  let finished = false;
  helmet({
    contentSecurityPolicy: { useDefaults: false, directives },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
  })({} as IncomingMessage, recorder as unknown as ServerResponse, (err?: unknown) => {
    if (err) throw err;
    finished = true;
  });
  if (!finished) throw new Error('helmet did not set its headers synchronously');
  return { remove, set };
}

function applyHeaders(ctx: Context, plan: HeaderPlan): void {
  for (const name of plan.remove) ctx.res.removeHeader(name);
  for (const [name, value] of plan.set) ctx.res.setHeader(name, value);
}

const isDocs = (path: string) => path === '/docs' || path.startsWith('/docs/');
// Responses under these prefixes may carry tokens or personal information: never stored by a cache unless the route says otherwise.
const NO_STORE = /^\/(v1|oauth)(\/|$)/;

/**
 * Security headers on every response (helmet): nosniff, no framing, no referrer, a strict CSP for the
 * API and a CSP for /docs that lets Swagger UI run; Cache-Control: no-store by default under /v1 and
 * /oauth (a route that may be cached, such as a published notice, sets its own).
 */
export function securityHeaders(options: { docsInlineScripts: readonly string[] }) {
  const api = helmetHeaders(API_CSP);
  const docs = helmetHeaders(docsCsp(options.docsInlineScripts));
  const htmlReport = helmetHeaders(HTML_REPORT_CSP);
  return async (ctx: Context, next: Next): Promise<void> => {
    const path = ctx.path;
    if (NO_STORE.test(path)) ctx.set('Cache-Control', 'no-store');
    applyHeaders(ctx, isDocs(path) ? docs : path.endsWith('.html') ? htmlReport : api);
    return next();
  };
}
