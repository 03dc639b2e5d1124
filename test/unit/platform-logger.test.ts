import { Writable } from 'node:stream';
import { SENSITIVE_KEYS, createLogger } from '../../services/logger';

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
  it.each(SENSITIVE_KEYS.map((k) => [k]))('redacts %s at the top level and two levels down', (key) => {
    const { logger, lines } = capture();
    const secret = `secret-value-of-${key}`;
    logger.info({ [key]: secret }, 'top');
    logger.info({ body: { [key]: secret } }, 'one down');
    logger.info({ req: { headers: { [key]: secret } } }, 'two down');
    expect(lines).toHaveLength(3);
    for (const line of lines) {
      expect(line).not.toContain(secret);
      expect(line).toContain('[redacted]');
    }
  });

  it('redacts the Authorization and Cookie headers of a logged request', () => {
    const { logger, lines } = capture();
    logger.info({ req: { method: 'GET', headers: { authorization: 'Bearer eyJhbGciOi.abc.def', cookie: 'sid=1', accept: 'application/json' } } }, 'request');
    const entry = JSON.parse(lines[0]) as { req: { headers: Record<string, string> } };
    expect(entry.req.headers).toEqual({ authorization: '[redacted]', cookie: '[redacted]', accept: 'application/json' });
  });

  it('keeps what is not sensitive and carries bindings such as the request id', () => {
    const { logger, lines } = capture();
    logger.child({ requestId: 'r-1' }).info({ status: 200, path: '/v1/departments' }, 'request');
    expect(JSON.parse(lines[0])).toMatchObject({ requestId: 'r-1', status: 200, path: '/v1/departments', msg: 'request', service: 'privacy-governance' });
  });

  it('writes nothing below its level', () => {
    const { logger, lines } = capture();
    const quiet = createLogger('warn');
    expect(quiet.isLevelEnabled('info')).toBe(false);
    logger.debug('hidden');
    expect(lines).toEqual([]);
  });
});
