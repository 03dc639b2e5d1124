import { Writable } from 'node:stream';
import { REDACTED, SENSITIVE_KEYS, createLogger, redactSensitive } from '../../services/logger';

function capture() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      cb();
    },
  });
  return { logger: createLogger('info', sink), lines };
}

describe('log redaction', () => {
  it.each(SENSITIVE_KEYS.map((k) => [k]))('redacts %s at any depth', (key) => {
    const { logger, lines } = capture();
    const secret = `secret-value-of-${key}`;
    logger.info({ [key]: secret }, 'top');
    logger.info({ body: { [key]: secret } }, 'one down');
    logger.info({ req: { headers: { [key]: secret } } }, 'two down');
    logger.info({ a: { b: { c: { [key]: secret } } } }, 'three down');
    logger.info({ items: [{ [key]: secret }] }, 'in an array');
    expect(lines).toHaveLength(5);
    for (const line of lines) {
      expect(line).not.toContain(secret);
      expect(line).toContain(REDACTED);
    }
  });

  it('matches keys in any case (HTTP header names)', () => {
    const { logger, lines } = capture();
    logger.info({ headers: { Authorization: 'Bearer eyJhbGciOi.abc.def', 'X-API-Key': 'k-123', Accept: 'application/json' } }, 'headers');
    expect(JSON.parse(lines[0]).headers).toEqual({ Authorization: REDACTED, 'X-API-Key': REDACTED, Accept: 'application/json' });
  });

  it('redacts child-logger bindings too', () => {
    const { logger, lines } = capture();
    logger.child({ token: 'bound-secret', requestId: 'r-1' }).info('x');
    expect(lines[0]).not.toContain('bound-secret');
    expect(JSON.parse(lines[0])).toMatchObject({ requestId: 'r-1', token: REDACTED });
  });

  it('keeps an error an error: message and stack survive, a sensitive property does not', () => {
    const { logger, lines } = capture();
    const err = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED', password: 'db-password' });
    logger.error({ err }, 'failed');
    const entry = JSON.parse(lines[0]) as { err: Record<string, string> };
    expect(entry.err).toMatchObject({ type: 'Error', message: 'connect ECONNREFUSED', code: 'ECONNREFUSED', password: REDACTED });
    expect(entry.err.stack).toContain('connect ECONNREFUSED');
    expect(lines[0]).not.toContain('db-password');
  });

  it('never changes the caller’s objects', () => {
    const headers = { authorization: 'Bearer x' };
    const object = { req: { headers }, list: [{ token: 't' }] };
    const redacted = redactSensitive(object);
    expect(redacted).toEqual({ req: { headers: { authorization: REDACTED } }, list: [{ token: REDACTED }] });
    expect(object).toEqual({ req: { headers: { authorization: 'Bearer x' } }, list: [{ token: 't' }] });
    const clean = { method: 'GET', nested: { status: 200 } };
    expect(redactSensitive(clean)).toBe(clean);
  });

  it('survives cycles and very deep objects', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    expect(() => redactSensitive(cyclic)).not.toThrow();
    let deep: Record<string, unknown> = { token: 'deepest' };
    for (let i = 0; i < 50; i++) deep = { next: deep };
    expect(() => redactSensitive(deep)).not.toThrow();
  });

  it('keeps what is not sensitive and carries bindings such as the request id', () => {
    const { logger, lines } = capture();
    logger.child({ requestId: 'r-1' }).info({ status: 200, path: '/v1/departments' }, 'request');
    expect(JSON.parse(lines[0])).toMatchObject({
      requestId: 'r-1',
      status: 200,
      path: '/v1/departments',
      msg: 'request',
      service: 'privacy-governance',
    });
  });

  it('writes nothing below its level', () => {
    const { logger, lines } = capture();
    logger.debug('hidden');
    expect(lines).toEqual([]);
    expect(createLogger('warn').isLevelEnabled('info')).toBe(false);
  });
});
