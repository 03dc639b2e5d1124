import http, { type Server } from 'node:http';
import type { Registry } from 'prom-client';
import { PROBLEM_TYPE_BASE } from '../shared/errors';

/**
 * GET /metrics on a listener of its own (METRICS_PORT): the scrape target stays off the public
 * port, so the proxy and the internet never see it. Anything else there is a 404.
 */
export function createMetricsServer(registry: Registry): Server {
  return http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if ((req.method === 'GET' || req.method === 'HEAD') && path === '/metrics') {
      registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'Content-Type': registry.contentType, 'Cache-Control': 'no-store' });
          res.end(req.method === 'HEAD' ? undefined : text);
        },
        () => {
          res.writeHead(500, { 'Content-Type': 'text/plain' }).end('metrics collection failed\n');
        },
      );
      return;
    }
    const body = JSON.stringify({
      type: `${PROBLEM_TYPE_BASE}not_found`,
      title: 'Not found',
      status: 404,
      code: 'not_found',
      detail: 'This listener serves GET /metrics only',
    });
    res.writeHead(404, { 'Content-Type': 'application/problem+json' }).end(body);
  });
}
