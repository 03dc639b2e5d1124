import { createLocalJWKSet } from 'jose';
import { loadConfig } from '../../services/config';
import type { Db } from '../../services/db';
import type { Feature } from '../../services/feature';
import { defineRoute, type RouteSpec } from '../../services/http/route';
import { House } from '../../services/house';
import { createLogger } from '../../services/logger';
import { ManualClock } from '../../services/platform/clock';
import { z } from '../../services/shared/zod';

// The composition helper on its own (no database): order of routes, start and stop; the clock and write lanes given to features.

const clock = new ManualClock('2026-12-01T00:00:00Z');
const house = (env: Record<string, string> = {}) =>
  new House({
    config: loadConfig(env),
    db: { client: {} } as unknown as Db,
    logger: createLogger('silent'),
    secrets: { subjectIdKey: Buffer.alloc(32), keyEncryptionKey: Buffer.alloc(32), auditCheckpointKey: Buffer.alloc(32) },
    staffKeys: createLocalJWKSet({ keys: [] }),
    defaultMetrics: false,
    clock,
  });

const route = (path: string): RouteSpec =>
  defineRoute({
    method: 'get',
    path,
    operationId: `get${path.replace(/\W/g, '_')}`,
    summary: path,
    tags: ['operations'],
    auth: { kind: 'public' },
    responses: { 200: { description: 'ok', schema: z.object({}) } },
    handler: async () => ({ body: {} }),
  });

function feature(name: string, log: string[], over: Partial<Feature<{ name: string }>> = {}): Feature<{ name: string }> {
  return {
    name,
    provides: { name },
    routes: [route(`/${name}`)],
    start: async () => void log.push(`start ${name}`),
    stop: async () => void log.push(`stop ${name}`),
    ...over,
  };
}

describe('House', () => {
  it('gives features the injected clock and one write lane on PGlite', () => {
    const h = house();
    expect(h.platform.clock).toBe(clock);
    expect(h.platform.writeLanes).toBe(1);
  });

  it('starts features in the order added and stops them in the reverse order', async () => {
    const log: string[] = [];
    const h = house();
    for (const name of ['audit', 'departments', 'a-new-feature']) h.add(feature(name, log));
    await h.start();
    await h.stop();
    expect(log).toEqual([
      'start audit',
      'start departments',
      'start a-new-feature',
      'stop a-new-feature',
      'stop departments',
      'stop audit',
    ]);
  });

  it('lists routes after the operations routes, in the published order, a feature it does not name last', () => {
    const h = house();
    for (const name of ['audit', 'a-new-feature', 'departments', 'vendors']) h.add(feature(name, []));
    const paths = h.routes.map((r) => r.path).filter((p) => ['/audit', '/a-new-feature', '/departments', '/vendors'].includes(p));
    expect(paths).toEqual(['/departments', '/vendors', '/audit', '/a-new-feature']);
    expect(h.routes[0].path).toBe('/healthz');
  });

  it('refuses a feature added once the routes are assembled', () => {
    const h = house();
    void h.routes;
    expect(() => h.add(feature('late', []))).toThrow(/after the routes were assembled/);
  });

  it('gathers the compliance sources the features answer, and refuses to go on while one is unanswered', async () => {
    const h = house();
    const finding = async () => ({ examined: 1, count: 0, examples: [] });
    h.add(feature('complaints', [], { compliance: { overdueComplaints: finding } }));
    expect(() => h.complianceSources()).toThrow(/No feature answers the compliance report's overdueNotifications, .*appOutagesBeyondRto\b/);
    h.add(
      feature('incidents', [], {
        compliance: { overdueNotifications: finding, incidentsWithoutContainment: finding, overdueRectifications: finding },
      }),
    );
    expect(() => h.complianceSources()).toThrow(/report's appsReleasedWithoutFiling,/);
  });
});
