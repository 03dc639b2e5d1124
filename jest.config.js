/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // The fault suite stops and crashes its own PostgreSQL cluster: `npm run test:faults` (jest.faults.config.js).
  // The OpenAPI fuzzer (test/fuzz) runs here too; `npm run test:fuzz` runs it alone.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/faults/'],
  transform: { '^.+\\.(t|j)sx?$': ['@swc/jest'] },
  // jose 6, openid-client 6 and oauth4webapi are ESM-only; let swc turn them into CommonJS for jest.
  transformIgnorePatterns: ['/node_modules/(?!(jose|openid-client|oauth4webapi)/)'],
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
  testTimeout: 60000,
  // Two worker processes even on two cores (jest would otherwise run everything in one process), each
  // replaced once it holds much memory: the embedded databases of earlier files otherwise pile up
  // and slow every later file several times over.
  maxWorkers: 2,
  workerIdleMemoryLimit: '1GB',
};
