import { probeSettingsFromEnv, ProbeSettingsError } from '../../lambda/probe/settings';

const ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:eip-failover-orders-db-probe-AbCdEf';

test('defaults: every 10 s, connect timeout 2 s (the query budget follows it)', () => {
  expect(probeSettingsFromEnv({ EIP_FAILOVER_PROBE_SECRET_ARN: ARN })).toEqual({ everyMs: 10_000, connectTimeoutMs: 2_000, queryTimeoutMs: 2_000, secretArn: ARN });
  expect(probeSettingsFromEnv({ EIP_FAILOVER_PROBE_SECRET_ARN: ARN, EIP_FAILOVER_PROBE_EVERY_MS: '5000', EIP_FAILOVER_PROBE_CONNECT_TIMEOUT_MS: ' ' })).toMatchObject({ everyMs: 5_000, connectTimeoutMs: 2_000 });
});

test('every problem at once, each naming the variable and what it takes', () => {
  const bad = () => probeSettingsFromEnv({ EIP_FAILOVER_PROBE_EVERY_MS: '10s', EIP_FAILOVER_PROBE_CONNECT_TIMEOUT_MS: '50' });
  expect(bad).toThrow(ProbeSettingsError);
  expect(bad).toThrow(/EIP_FAILOVER_PROBE_SECRET_ARN is not set/);
  expect(bad).toThrow(/EIP_FAILOVER_PROBE_EVERY_MS="10s": expected a whole number of milliseconds from 1000 to 60000/);
  expect(bad).toThrow(/EIP_FAILOVER_PROBE_CONNECT_TIMEOUT_MS="50": expected a whole number of milliseconds from 100 to 30000/);
});

test('the connect timeout must be below the interval', () => {
  expect(() => probeSettingsFromEnv({ EIP_FAILOVER_PROBE_SECRET_ARN: ARN, EIP_FAILOVER_PROBE_EVERY_MS: '2000', EIP_FAILOVER_PROBE_CONNECT_TIMEOUT_MS: '2000' })).toThrow(
    /EIP_FAILOVER_PROBE_CONNECT_TIMEOUT_MS \(2000\) must be below EIP_FAILOVER_PROBE_EVERY_MS \(2000\)/,
  );
});
