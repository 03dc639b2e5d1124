import fs from 'node:fs';
import path from 'node:path';

/**
 * A bundle: some of the suite's test files, run in one jest module registry (see jest.config.js). Each file runs
 * as it would alone, inside a describe block named after it, so its hooks and state stay its own; what the files
 * share is what they import (the service's modules, the test helpers, the embedded database's WebAssembly).
 *
 * A bundle file is named `<group>-<n>.test.ts` and holds one line, `runBundle(__filename)`. The files of a group's
 * folders are dealt out over the group's bundle files, largest first, each to the bundle holding the fewest bytes
 * so far: to add a test file, add it to its folder; to split the work finer, add a bundle file.
 */
export const BUNDLE_GROUPS: Readonly<Record<string, readonly string[]>> = {
  // Rules on fakes and pure functions: no database.
  unit: ['unit'],
  // Each file makes its own database (a copy of the migrated template) and usually its own service.
  database: ['integration', 'policies'],
};

export const TEST_ROOT = path.join(__dirname, '..');

interface TestFile {
  readonly name: string;
  readonly bytes: number;
}

export function filesOf(folders: readonly string[]): TestFile[] {
  return folders.flatMap((folder) =>
    fs
      .readdirSync(path.join(TEST_ROOT, folder))
      .filter((f) => f.endsWith('.test.ts'))
      .map((f) => ({ name: `${folder}/${f}`, bytes: fs.statSync(path.join(TEST_ROOT, folder, f)).size })),
  );
}

/** The test files of bundle `index` (0-based) of `count`: dealt out largest first to the lightest bundle, ties by name. */
export function bundleFiles(folders: readonly string[], index: number, count: number): string[] {
  const bundles = Array.from({ length: count }, () => ({ bytes: 0, files: [] as string[] }));
  const files = filesOf(folders).sort((a, b) => b.bytes - a.bytes || a.name.localeCompare(b.name));
  for (const file of files) {
    const lightest = bundles.reduce((min, b) => (b.bytes < min.bytes ? b : min));
    lightest.bytes += file.bytes;
    lightest.files.push(file.name);
  }
  return bundles[index].files.sort();
}

/** How many bundle files the group has; they must be numbered 1 to that many. */
export function bundleCount(group: string): number {
  const numbers = fs
    .readdirSync(__dirname)
    .map((f) => new RegExp(`^${group}-(\\d+)\\.test\\.ts$`).exec(f)?.[1])
    .filter((n) => n !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
  if (numbers.some((n, i) => n !== i + 1)) throw new Error(`test/bundles: the ${group} bundles must be numbered 1 to ${numbers.length}`);
  return numbers.length;
}

/** Runs the bundle a file named `<group>-<n>.test.ts` stands for. */
export function runBundle(bundleFile: string): void {
  const match = /^([a-z]+)-(\d+)\.test\.ts$/.exec(path.basename(bundleFile));
  const folders = match ? BUNDLE_GROUPS[match[1]] : undefined;
  if (!match || !folders)
    throw new Error(`${bundleFile}: a bundle is named <group>-<n>.test.ts, group one of ${Object.keys(BUNDLE_GROUPS).join(', ')}`);
  for (const file of bundleFiles(folders, Number(match[2]) - 1, bundleCount(match[1]))) {
    describe(file, () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- the test file registers its tests as it loads
      require(path.join(TEST_ROOT, file));
    });
  }
}
