import { MysqlFailureKind, classifyMysqlError } from '../../node-agent/mysql/classify';
import { passwordFromFileText } from '../../node-agent/mysql/connection';
import { healthQuery } from '../../node-agent/mysql/health-check';

/** Error objects shaped as mysql2 and Node's net layer produce them. */
const netError = (code: string, errno: number) =>
  Object.assign(new Error(`connect ${code} 127.0.0.1:3306`), { code, errno, syscall: 'connect', address: '127.0.0.1', port: 3306 });
const serverError = (code: string, errno: number, sqlMessage: string) =>
  Object.assign(new Error(sqlMessage), { code, errno, sqlState: 'HY000', sqlMessage, fatal: true });

describe('classifyMysqlError', () => {
  test.each<[string, unknown, MysqlFailureKind, RegExp]>([
    ['refused (TCP)', netError('ECONNREFUSED', -111), 'refused', /server not running.*ECONNREFUSED/],
    ['socket file missing', netError('ENOENT', -2), 'refused', /server not running.*ENOENT/],
    ['connect timeout', netError('ETIMEDOUT', -110), 'timeout', /no answer/],
    ['host unreachable', netError('EHOSTUNREACH', -113), 'timeout', /no answer/],
    ['server went away', Object.assign(new Error('Connection lost: The server closed the connection.'), { code: 'PROTOCOL_CONNECTION_LOST', fatal: true }), 'connection-lost', /connection lost/],
    ['reset', netError('ECONNRESET', -104), 'connection-lost', /ECONNRESET/],
    ['auth', serverError('ER_ACCESS_DENIED_ERROR', 1045, "Access denied for user 'eip_health'@'localhost' (using password: YES)"), 'auth', /access denied.*1045.*password file/],
    ['too many connections', serverError('ER_CON_COUNT_ERROR', 1040, 'Too many connections'), 'too-many-connections', /1040/],
    ['per-user limit', serverError('ER_TOO_MANY_USER_CONNECTIONS', 1203, 'User eip_health already has more than max_user_connections'), 'too-many-connections', /1203/],
    ['host blocked', serverError('ER_HOST_IS_BLOCKED', 1129, "Host '10.0.1.5' is blocked"), 'host-blocked', /1129.*FLUSH HOSTS/],
    ['read-only', serverError('ER_OPTION_PREVENTS_STATEMENT', 1290, 'The MariaDB server is running with the --read-only option'), 'read-only', /1290/],
    ['other server error', serverError('ER_UNKNOWN_ERROR', 1105, 'boom'), 'other', /^boom \(ER_UNKNOWN_ERROR 1105\)$/],
  ])('%s', (_name, err, kind, reason) => {
    const failure = classifyMysqlError(err);
    expect(failure.kind).toBe(kind);
    expect(failure.reason).toMatch(reason);
    expect(failure.reason).not.toContain('\n');
  });

  test('non-errors still give a one-line reason', () => {
    expect(classifyMysqlError('weird\nthing')).toEqual({ kind: 'other', reason: 'weird' });
    expect(classifyMysqlError(undefined)).toEqual({ kind: 'other', reason: 'undefined' });
  });
});

describe('password file text', () => {
  test('drops one trailing newline only', () => {
    expect(passwordFromFileText('secret\n')).toBe('secret');
    expect(passwordFromFileText('secret\r\n')).toBe('secret');
    expect(passwordFromFileText('sec ret ')).toBe('sec ret ');
    expect(passwordFromFileText('secret')).toBe('secret');
  });
});

test('the health query is bounded on the server by the remaining deadline', () => {
  expect(healthQuery(1500)).toBe('SET STATEMENT max_statement_time=1.500 FOR SELECT 1 AS ok');
  expect(healthQuery(0)).toBe('SET STATEMENT max_statement_time=0.001 FOR SELECT 1 AS ok');
});
