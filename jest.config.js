// Two projects: fast pure tests, and integration tests that drive real keepalived,
// MariaDB and network namespaces (they need root and run serially).
const swc = ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }];
const common = { transform: { '^.+\\.ts$': swc }, testEnvironment: 'node' };

module.exports = {
  // Jest 30 reads testTimeout from the top level only; integration tests wait on real daemons.
  testTimeout: 120000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
    },
  ],
};
