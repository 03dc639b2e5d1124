const { base } = require('./jest.config.js');

/**
 * The fault suite (npm run test:faults): PostgreSQL stopped, crashed and exhausted, the service
 * killed mid-load, clocks skewed and keys rotated. Each file runs its own PostgreSQL cluster
 * (initdb into a temporary directory), one file at a time; the teardown prints the summary table.
 * @type {import('jest').Config}
 */
module.exports = {
  ...base,
  roots: ['<rootDir>/test/faults'],
  testPathIgnorePatterns: ['/node_modules/'],
  globalSetup: '<rootDir>/test/faults/global-setup.ts',
  globalTeardown: '<rootDir>/test/faults/global-teardown.ts',
  testTimeout: 600000,
  maxWorkers: 1,
};
