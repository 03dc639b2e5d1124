import { isDatabaseUnavailable } from '../../services/shared/errors';

const pgError = (code: string, message = 'error') => Object.assign(new Error(message), { code });

describe('which database errors mean "unavailable" (503 + Retry-After) rather than a bug (500)', () => {
  it.each([
    ['08006 connection failure', pgError('08006')],
    ['08001 cannot connect', pgError('08001')],
    ['08P01 protocol violation', pgError('08P01')],
    ['53000 insufficient resources', pgError('53000')],
    ['53100 disk full', pgError('53100')],
    ['53200 out of memory', pgError('53200')],
    ['53300 too many connections', pgError('53300')],
    ['53400 configuration limit exceeded', pgError('53400')],
    ['57P01 admin shutdown', pgError('57P01')],
    ['57P02 crash shutdown', pgError('57P02')],
    ['57P03 cannot connect now', pgError('57P03')],
    ['57P04 database dropped', pgError('57P04')],
    ['57P05 idle session timeout', pgError('57P05')],
    ['55000 allow_connections false', pgError('55000', 'database "x" is not currently accepting connections')],
    ['28000 role may not log in', pgError('28000', 'role "x" is not permitted to log in')],
    ['28P01 password rotated', pgError('28P01', 'password authentication failed for user "x"')],
    ['3D000 database missing', pgError('3D000', 'database "x" does not exist')],
    ['25006 read-only standby after failover', pgError('25006')],
    ['40P01 deadlock victim', pgError('40P01')],
    ['40001 serialization victim', pgError('40001')],
    ['pool acquire timeout', Object.assign(new Error('Knex: Timeout acquiring a connection.'), { name: 'KnexTimeoutError' })],
    ['connection refused', pgError('ECONNREFUSED')],
    ['DNS failure', pgError('ENOTFOUND')],
    ['DNS try again', pgError('EAI_AGAIN')],
    ['network unreachable', pgError('ENETUNREACH')],
    ['connection terminated', new Error('Connection terminated unexpectedly')],
    ['server starting up (message only)', new Error('the database system is starting up')],
    ['an error from another realm', { code: '57P01', message: 'terminating connection due to administrator command' }],
  ])('%s → unavailable', (_label, err) => {
    expect(isDatabaseUnavailable(err)).toBe(true);
  });

  it.each([
    ['23505 unique violation', pgError('23505')],
    ['22P02 invalid text representation', pgError('22P02')],
    ['42501 insufficient privilege (append-only audit)', pgError('42501')],
    ['42P01 undefined table', pgError('42P01')],
    ['55000 with another meaning', pgError('55000', 'cannot drop the currently open database')],
    ['57014 query canceled', pgError('57014')],
    ['a plain bug', new TypeError('x is undefined')],
    ['not an object', 'ECONNREFUSED'],
    ['null', null],
  ])('%s → not unavailable', (_label, err) => {
    expect(isDatabaseUnavailable(err)).toBe(false);
  });
});
