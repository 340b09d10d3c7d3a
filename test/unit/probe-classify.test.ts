import { classifyProbeError, PROBE_DEADLINE_CODE } from '../../lambda/probe/core/classify';

test.each([
  ['ECONNREFUSED (host up, server down)', 'refused', { code: 'ECONNREFUSED', errno: -111, message: 'connect ECONNREFUSED 10.0.1.10:3306' }],
  ['ETIMEDOUT (mysql2 connectTimeout: dropped packets)', 'timeout', { code: 'ETIMEDOUT', message: 'connect ETIMEDOUT' }],
  ['EHOSTUNREACH', 'timeout', { code: 'EHOSTUNREACH', errno: -113, message: 'connect EHOSTUNREACH' }],
  ['PROTOCOL_SEQUENCE_TIMEOUT (mysql2 query timeout)', 'timeout', { code: 'PROTOCOL_SEQUENCE_TIMEOUT', message: 'Query inactivity timeout' }],
  ["the probe's own deadline", 'timeout', { code: PROBE_DEADLINE_CODE, message: '10.0.1.10:3306: no answer within 4000 ms while connecting' }],
  ['max_statement_time (1969)', 'timeout', { errno: 1969, code: 'ER_STATEMENT_TIMEOUT', message: 'Query execution was interrupted (max_statement_time exceeded)' }],
  ['PROTOCOL_CONNECTION_LOST (server went away)', 'connection-lost', { code: 'PROTOCOL_CONNECTION_LOST', message: 'Connection lost: The server closed the connection.' }],
  ['ECONNRESET', 'connection-lost', { code: 'ECONNRESET', errno: -104, message: 'read ECONNRESET' }],
  ['1045 access denied', 'auth', { errno: 1045, code: 'ER_ACCESS_DENIED_ERROR', sqlMessage: "Access denied for user 'eip_probe'@'10.0.3.7'" }],
  ['1040 too many connections', 'too-many-connections', { errno: 1040, code: 'ER_CON_COUNT_ERROR', message: 'Too many connections' }],
  ['1203 max_user_connections', 'too-many-connections', { errno: 1203, code: 'ER_TOO_MANY_USER_CONNECTIONS', message: 'User eip_probe already has more than max_user_connections' }],
  ['1129 host blocked', 'host-blocked', { errno: 1129, code: 'ER_HOST_IS_BLOCKED', message: "Host '10.0.3.7' is blocked because of many connection errors" }],
  ['1290 read_only refused the write', 'other', { errno: 1290, code: 'ER_OPTION_PREVENTS_STATEMENT', message: 'The MariaDB server is running with the --read-only option' }],
  ['1142 a missing grant', 'other', { errno: 1142, code: 'ER_TABLEACCESS_DENIED_ERROR', message: 'SELECT command denied' }],
  ['a thrown string', 'other', 'boom'],
])('%s → %s', (_what, reason, err) => {
  const f = classifyProbeError(err);
  expect(f.reason).toBe(reason);
  expect(f.message.length).toBeGreaterThan(0);
});

test('the message keeps the server’s words and the code', () => {
  expect(classifyProbeError({ errno: 1045, code: 'ER_ACCESS_DENIED_ERROR', sqlMessage: "Access denied for user 'eip_probe'" }).message).toMatch(/Access denied for user 'eip_probe'.*ER_ACCESS_DENIED_ERROR 1045/);
});
