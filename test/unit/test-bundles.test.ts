import fs from 'node:fs';
import path from 'node:path';
import { BUNDLE_GROUPS, TEST_ROOT, bundleCount, bundleFiles, filesOf } from '../bundles/bundle';

// The whole suite runs the test files in bundles (jest.config.js): a file left out of every bundle would never run
// in CI, and a file in two would run twice.

describe('test bundles', () => {
  it.each(Object.entries(BUNDLE_GROUPS))('deal every test file of the %s group to exactly one bundle', (group, folders) => {
    const count = bundleCount(group);
    expect(count).toBeGreaterThan(0);
    const dealt = Array.from({ length: count }, (_, i) => bundleFiles(folders, i, count)).flat();
    expect([...dealt].sort()).toEqual(
      filesOf(folders)
        .map((f) => f.name)
        .sort(),
    );
    expect(new Set(dealt).size).toBe(dealt.length);
  });

  it('leave no test folder out, but the fuzzer (run on its own) and the fault suite (npm run test:faults)', () => {
    const folders = fs
      .readdirSync(TEST_ROOT, { withFileTypes: true })
      .filter((d) => d.isDirectory() && fs.readdirSync(path.join(TEST_ROOT, d.name)).some((f) => f.endsWith('.test.ts')))
      .map((d) => d.name)
      .sort();
    expect(folders).toEqual([...Object.values(BUNDLE_GROUPS).flat(), 'bundles', 'faults', 'fuzz'].sort());
  });

  it('deal the largest files first, each to the bundle holding the fewest bytes', () => {
    const sizes = (files: string[]) => files.reduce((n, f) => n + fs.statSync(path.join(TEST_ROOT, f)).size, 0);
    const folders = BUNDLE_GROUPS.database;
    const count = bundleCount('database');
    const loads = Array.from({ length: count }, (_, i) => sizes(bundleFiles(folders, i, count)));
    const largest = Math.max(...filesOf(folders).map((f) => f.bytes));
    expect(Math.max(...loads) - Math.min(...loads)).toBeLessThanOrEqual(largest);
  });
});
