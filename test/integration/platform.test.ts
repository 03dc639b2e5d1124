import crypto from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { createLocalJWKSet } from 'jose';
import supertest from 'supertest';
import { createApp } from '../../services/app';
import { loadConfig } from '../../services/config';
import { createContainer } from '../../services/container';
import { createLogger } from '../../services/logger';
import { createTestApp, expectProblem, type TestApp } from '../helpers/app';
import { createTestDatabase } from '../helpers/database';

let t: TestApp;
let admin: string;

beforeAll(async () => {
  t = await createTestApp({ env: { BODY_LIMIT_KB: '4' } });
  admin = await t.staffToken('root-admin');
  await t.http
    .post('/v1/departments')
    .set('Authorization', `Bearer ${admin}`)
    .send({ code: 'RETAIL', name: 'Retail banking', kind: 'business' })
    .expect(201);
});
afterAll(() => t.close());

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('request ids', () => {
  it('echoes a well-formed X-Request-Id and puts it in problems and logs', async () => {
    const res = await t.http.get('/v1/no-such-thing').set('X-Request-Id', 'branch-7:req.42');
    expect(res.headers['x-request-id']).toBe('branch-7:req.42');
    expect(res.body.requestId).toBe('branch-7:req.42');
    const line = t.logLines
      .map((l) => JSON.parse(l) as { requestId?: string; msg?: string })
      .find((l) => l.requestId === 'branch-7:req.42');
    expect(line).toMatchObject({ msg: 'request' });
  });

  it('makes one when none is sent', async () => {
    const res = await t.http.get('/healthz').expect(200);
    expect(res.headers['x-request-id']).toMatch(UUID);
  });

  it.each([
    ['too long', 'x'.repeat(129)],
    ['spaces and quotes', 'a b"c'],
    ['a log-injection attempt', 'ok\\nlevel=fatal'],
  ])('replaces a malformed one (%s) with its own', async (_label, incoming) => {
    const res = await t.http.get('/healthz').set('X-Request-Id', incoming).expect(200);
    expect(res.headers['x-request-id']).toMatch(UUID);
  });

  it('records the request id in the audit event of a change', async () => {
    await t.http
      .post('/v1/departments')
      .set('Authorization', `Bearer ${admin}`)
      .set('X-Request-Id', 'audit-trace-1')
      .send({ code: 'TRACE', name: 'Traced', kind: 'business' })
      .expect(201);
    const audit = await t.http.get('/v1/audit?objectType=department&objectId=TRACE').set('Authorization', `Bearer ${admin}`).expect(200);
    expect(audit.body.items[0]).toMatchObject({ action: 'department.created', requestId: 'audit-trace-1' });
  });
});

describe('unknown routes and methods', () => {
  it('answers 404 problem+json for an unknown path', async () => {
    const res = await t.http.get('/v1/nothing/here');
    expectProblem(res, 404, 'not_found');
    expect(res.body).toMatchObject({ status: 404, instance: '/v1/nothing/here', type: expect.stringMatching(/not_found$/) });
  });

  it('answers 405 with Allow for a known path and another method', async () => {
    const res = await t.http.delete('/v1/departments').set('Authorization', `Bearer ${admin}`);
    expectProblem(res, 405, 'method_not_allowed');
    expect(res.headers.allow).toBe('GET, HEAD, POST');
    const put = await t.http.put('/healthz');
    expectProblem(put, 405);
    expect(put.headers.allow).toBe('GET, HEAD');
    const patch = await t.http.put('/v1/departments/RETAIL').set('Authorization', `Bearer ${admin}`);
    expectProblem(patch, 405);
    expect(patch.headers.allow).toBe('GET, HEAD, PATCH');
  });

  it('answers HEAD on a GET route', async () => {
    await t.http.head('/healthz').expect(200);
  });
});

describe('request bodies', () => {
  const post = () => t.http.post('/v1/departments').set('Authorization', `Bearer ${admin}`);

  it('answers 415 for a body that is not JSON, or has no media type', async () => {
    expectProblem(await post().set('Content-Type', 'application/xml').send('<department/>'), 415, 'unsupported_media_type');
    expectProblem(await post().set('Content-Type', 'application/x-www-form-urlencoded').send('code=X&name=Y&kind=business'), 415);
    expectProblem(await post(), 415);
  });

  it('accepts JSON with a charset parameter', async () => {
    await post()
      .set('Content-Type', 'application/json; charset=utf-8')
      .send(JSON.stringify({ code: 'CHARSET', name: 'c', kind: 'business' }))
      .expect(201);
  });

  it('answers 413 for a body over BODY_LIMIT_KB and writes nothing', async () => {
    const before = await t.container.audit.verify();
    const res = await post().send({ code: 'HUGE', name: 'x'.repeat(5 * 1024), kind: 'business' });
    expectProblem(res, 413, 'payload_too_large');
    expect(res.body.detail).toContain(String(4 * 1024));
    expect((await t.container.audit.verify()).checked).toBe(before.checked);
    await t.http.get('/v1/departments/HUGE').set('Authorization', `Bearer ${admin}`).expect(404);
  });

  it.each([
    ['truncated', '{"code": "BROKEN", "name": '],
    ['trailing garbage', '{"code": "BROKEN"} x'],
    ['single quotes', "{'code': 'BROKEN'}"],
    ['a bare string', '"BROKEN"'],
    ['a number', '42'],
  ])('answers 400 for malformed JSON (%s) and writes nothing', async (_label, text) => {
    const res = await post().set('Content-Type', 'application/json').send(text);
    expectProblem(res, 400);
    await t.http.get('/v1/departments/BROKEN').set('Authorization', `Bearer ${admin}`).expect(404);
  });

  it('answers 400 naming the field for a JSON array or wrong shape', async () => {
    const res = await post().set('Content-Type', 'application/json').send('[]');
    expectProblem(res, 400, 'validation_failed');
  });
});

describe('health, readiness and metrics', () => {
  it('/healthz says the process is up', async () => {
    const res = await t.http.get('/healthz').expect(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('/readyz reports each check', async () => {
    const res = await t.http.get('/readyz').expect(200);
    expect(res.body).toMatchObject({ status: 'ready', checks: { database: true, migrations: true, staff_policies: true } });
    expect(Object.values(res.body.checks as Record<string, boolean>).every((ok) => ok)).toBe(true);
  });

  it('operations endpoints refuse unknown query parameters with 400', async () => {
    expectProblem(await t.http.get('/healthz?verbose=1'), 400, 'validation_failed');
    expectProblem(await t.http.get('/metrics?name[]=x'), 400, 'validation_failed');
  });

  it('/metrics counts requests by route template, never by raw path', async () => {
    const marker = `M${crypto.randomBytes(4).toString('hex').toUpperCase()}`;
    await t.http.get(`/v1/departments/${marker}`).set('Authorization', `Bearer ${admin}`).expect(404);
    await t.http.get('/v1/departments/RETAIL').set('Authorization', `Bearer ${admin}`).expect(200);
    await t.http.get(`/v1/unknown/${marker}`).expect(404);
    const res = await t.http.get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toMatch(/http_requests_total\{method="GET",route="\/v1\/departments\/:code",status="200"\} [1-9]/);
    expect(res.text).toMatch(/http_requests_total\{method="GET",route="\/v1\/departments\/:code",status="404"\} [1-9]/);
    expect(res.text).toMatch(/http_requests_total\{method="GET",route="unmatched",status="404"\} [1-9]/);
    expect(res.text).toMatch(
      /http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/v1\/departments\/:code",status="200"\}/,
    );
    expect(res.text).toMatch(/db_pool_connections\{state="used"\}/);
    expect(res.text).not.toContain(marker);
    expect(res.text).not.toContain('/v1/departments/RETAIL');
  });

  it('/openapi.json serves the document and /docs renders it', async () => {
    const doc = await t.http.get('/openapi.json').expect(200);
    expect(doc.body).toMatchObject({ openapi: '3.1.0', info: { license: { name: expect.any(String) } } });
    expect(Object.keys(doc.body.paths as object)).toEqual(expect.arrayContaining(['/healthz', '/v1/departments', '/v1/audit/verify']));
    const page = await t.http.get('/docs').expect(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    await t.http
      .get('/docs/swagger-ui.css')
      .expect(200)
      .expect('Content-Type', /text\/css/);
    expectProblem(await t.http.get('/docs/..%2Fpackage.json'), 400);
  });
});

describe('logs', () => {
  it('never contain the Authorization header, tokens or secrets', async () => {
    const token = await t.staffToken('root-admin');
    await t.http.get('/v1/departments').set('Authorization', `Bearer ${token}`).set('Cookie', 'session=cookie-secret').expect(200);
    await t.http.get('/v1/departments').set('Authorization', `Bearer ${token}x`).expect(401);
    const log = t.logLines.join('\n');
    expect(log.length).toBeGreaterThan(0);
    expect(log).not.toContain(token.split('.')[2]);
    expect(log).not.toContain('cookie-secret');
    expect(log).not.toMatch(/bearer/i);
  });

  it('log the route path but never the query string (which may carry identifiers)', async () => {
    await t.http.get('/v1/departments?cursor=c2VjcmV0LWN1cnNvcg').set('Authorization', `Bearer ${admin}`);
    expect(t.logLines.join('\n')).not.toContain('c2VjcmV0LWN1cnNvcg');
  });
});

describe('readiness when something is missing', () => {
  it('/readyz answers 503 while staff policies are not loaded', async () => {
    const database = await createTestDatabase();
    const config = loadConfig({ DATA_DIR: path.join(os.tmpdir(), 'pg-unused'), LOG_LEVEL: 'silent' });
    const container = createContainer({
      config,
      db: database.db,
      logger: createLogger('silent'),
      secrets: {
        subjectIdKey: crypto.randomBytes(32),
        keyEncryptionKey: crypto.randomBytes(32),
        auditCheckpointKey: crypto.randomBytes(32),
      },
      staffKeys: createLocalJWKSet({ keys: [] }),
      defaultMetrics: false,
    });
    const server = createApp(container).listen(0, '127.0.0.1');
    try {
      const res = await supertest(server).get('/readyz');
      expectProblem(res, 503, 'service_unavailable');
      expect(res.body.detail).toContain('staff_policies');
      expect(res.headers['retry-after']).toBe('1');
      await container.start();
      await supertest(server).get('/readyz').expect(200);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await container.stop();
      await database.drop();
    }
  });

  it('/readyz answers 503 when the database is unreachable, while /healthz stays up', async () => {
    const other = await createTestApp();
    try {
      await other.http.get('/readyz').expect(200);
      await other.container.db.destroy();
      const res = await other.http.get('/readyz');
      expectProblem(res, 503, 'service_unavailable');
      expect(res.body.detail).toContain('database');
      await other.http.get('/healthz').expect(200);
    } finally {
      await other.close();
    }
  });
});
