import type { BenchContext, BenchRow, Scenario } from './lib';

// The service's own request path with nothing behind it: GET /healthz goes through request id and
// logger, metrics, problem+json handling, the router's match and zod's check of the (empty) query,
// and answers {"status":"ok"}. Against the bare Koa JSON route, it is the share of the target
// ratios the shared request path uses before any endpoint does its work.

export async function requestPathBench(bench: BenchContext): Promise<BenchRow[]> {
  const baseline = await bench.baseline('json');
  const service = await bench.startService();
  try {
    const result = await bench.load('GET /healthz (the request path alone)', { url: `${service.url}/healthz`, pid: service.pid });
    return [
      { scenario: 'request-path', result: baseline, notes: 'bare Koa, one JSON route' },
      { scenario: 'request-path', result, baseline, notes: `no authentication, no database; LOG_LEVEL=${bench.settings.logLevel}` },
    ];
  } finally {
    await service.stop();
  }
}

export const requestPathScenario: Scenario = {
  name: 'request-path',
  description: 'GET /healthz (request id, logging, metrics, router, validation; nothing else) vs a bare Koa JSON route',
  run: requestPathBench,
};
