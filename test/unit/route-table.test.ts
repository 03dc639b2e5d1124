import Router from '@koa/router';
import openapi from '../../openapi/openapi.json';
import type { RouteSpec } from '../../services/http/route';
import { RouteTable, koaPath } from '../../services/http/router';

// Routes are matched by group (their first two path segments) instead of by one router over
// every route: for every path, the grouped table must find exactly what one router finds.

const routes = Object.entries(openapi.paths as Record<string, Record<string, unknown>>).flatMap(([path, methods]) =>
  Object.keys(methods).map((method) => ({ path, method, operationId: `${method} ${path}` }) as unknown as RouteSpec),
);

const register = (router: Router, group: readonly RouteSpec[]) => {
  for (const route of group)
    router.register(koaPath(route.path), [route.method.toUpperCase()], [async () => {}], { name: route.operationId });
};

const one = new Router();
register(one, routes);
const table = new RouteTable(register, routes);

const concrete = (path: string) => path.replace(/\{\w+\}/g, '3f0c1d6e-1a2b-4c3d-8e9f-0a1b2c3d4e5f');
const probes = [
  ...routes.flatMap((r) => {
    const p = concrete(r.path);
    return [p, `${p}/`, p.toUpperCase(), `${p}/extra`, p.replace(/\/[^/]*$/, '/x')];
  }),
  '/',
  '',
  '/nothing',
  '/v1',
  '/v1/',
  '//v1/decisions',
  '/v1//decisions',
  '/docs',
  '/docs/swagger-ui.css',
  '/docs/a/b',
  '/V1/Decisions',
];
const summary = (m: { path: Array<{ name?: string | null; methods: string[] }>; route: boolean }) => ({
  route: m.route,
  layers: m.path.map((l) => `${l.name ?? ''}:${l.methods.join(',')}`),
});

describe('RouteTable', () => {
  it.each(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'])(
    'matches every path for %s exactly as one router over all routes',
    (method) => {
      for (const path of probes) {
        expect({ path, ...summary(table.match(path, method) as never) }).toEqual({ path, ...summary(one.match(path, method)) });
      }
    },
  );
});
