const { buildArgv } = require('jest-cli');

/** What every run shares, the fault suite's included (jest.faults.config.js). */
const base = {
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j)sx?$': ['@swc/jest'] },
  // jose 6, openid-client 6 and oauth4webapi are ESM-only; let swc turn them into CommonJS for jest.
  transformIgnorePatterns: ['/node_modules/(?!(jose|openid-client|oauth4webapi)/)'],
  testTimeout: 60000,
  // Two worker processes even on two cores (jest would otherwise run everything in one process), each
  // replaced once it holds much memory: the embedded databases of earlier files otherwise pile up
  // and slow every later file several times over.
  maxWorkers: 2,
  workerIdleMemoryLimit: '1GB',
};

/**
 * Whether the command names what to run (`npm test -- test/integration/x.test.ts`, a path pattern,
 * --watch, --onlyChanged…): those runs take the test files one by one, as jest always does. The whole suite
 * (`npm test`, `npm test -- --json …`) runs them in bundles (test/bundles/): each file is the same, in a describe
 * block named after it, but the files of a bundle share one jest module registry, so the service's modules and
 * the embedded database's WebAssembly are loaded once per bundle instead of once per file (a third of the suite's
 * CPU time went to that). See docs/testing.md.
 */
async function namesTests(args) {
  const argv = await buildArgv(args);
  return (
    argv._.length > 0 ||
    Boolean(argv.testPathPatterns?.length || argv.findRelatedTests || argv.onlyChanged || argv.changedSince || argv.lastCommit) ||
    Boolean(argv.onlyFailures || argv.watch || argv.watchAll)
  );
}

/** @returns {Promise<import('jest').Config>} */
module.exports = async () => {
  const oneByOne = await namesTests(process.argv.slice(2));
  return {
    ...base,
    roots: ['<rootDir>/test'],
    testMatch: oneByOne ? ['**/*.test.ts'] : ['<rootDir>/test/bundles/*.test.ts', '<rootDir>/test/fuzz/*.test.ts'],
    // The fault suite stops and crashes its own PostgreSQL cluster: `npm run test:faults` (jest.faults.config.js).
    // The OpenAPI fuzzer (test/fuzz) runs here too, on its own; `npm run test:fuzz` runs it alone.
    testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/faults/', ...(oneByOne ? ['<rootDir>/test/bundles/'] : [])],
    globalSetup: '<rootDir>/test/helpers/global-setup.ts',
    globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
  };
};
module.exports.base = base;
