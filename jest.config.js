/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // The fault suite stops and crashes its own PostgreSQL cluster: `npm run test:faults` (jest.faults.config.js).
  // The fault suite (npm run test:faults) and the OpenAPI fuzzer (npm run test:fuzz) run on their own.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/faults/', '<rootDir>/test/fuzz/'],
  transform: { '^.+\\.(t|j)sx?$': ['@swc/jest'] },
  // jose 6, openid-client 6 and oauth4webapi are ESM-only; let swc turn them into CommonJS for jest.
  transformIgnorePatterns: ['/node_modules/(?!(jose|openid-client|oauth4webapi)/)'],
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
  testTimeout: 60000,
};
