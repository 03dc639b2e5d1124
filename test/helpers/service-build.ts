import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { transformSync, version as swcVersion } from '@swc/core';

// The service's sources (services/, db/) transpiled once to CommonJS, for tests that start the service or
// its command-line tools as processes. `tsx services/server.ts` loads its TypeScript machinery on every
// start (about a second of CPU per process, twice that for the tsx wrapper, which starts a second node);
// `node <build>/services/server.js` does not. swc transpiles as it does for jest, file by file, so a
// child runs the same code as the tests in-process, laid out as `npm run build` lays out dist/: the
// migrations are .js files (one migration identity, services/migrations.ts) and policies/ is found
// next to services/.

const ROOT = path.resolve(__dirname, '..', '..');
const SOURCE_DIRS = ['services', 'db'];
/** Under node_modules: ignored by git, jest, eslint, prettier and tsc; `npm ci` starts it afresh. */
const CACHE = path.join(ROOT, 'node_modules', '.cache', 'service-build');
/** A build no test has asked for within this long is removed when another is made. */
const KEEP_MS = 3_600_000;

function sourceFiles(dir: string): string[] {
  return fs
    .readdirSync(path.join(ROOT, dir), { withFileTypes: true })
    .flatMap((entry) => {
      const relative = path.join(dir, entry.name);
      if (entry.isDirectory()) return sourceFiles(relative);
      return entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [relative] : [];
    })
    .sort();
}

function transpile(file: string, source: string): string {
  return transformSync(source, {
    filename: path.join(ROOT, file),
    swcrc: false,
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
  }).code;
}

/** Builds from the sources as they are now, unless a build of exactly these sources exists. */
function build(): string {
  const sources = SOURCE_DIRS.flatMap((dir) => sourceFiles(dir)).map((file) => ({ file, text: fs.readFileSync(path.join(ROOT, file)) }));
  const hash = crypto.createHash('sha256').update(`swc ${swcVersion}\n`);
  for (const { file, text } of sources) hash.update(`${file}\n${text.length}\n`).update(text);
  const dir = path.join(CACHE, hash.digest('hex').slice(0, 16));
  if (fs.existsSync(path.join(dir, 'complete'))) {
    const now = new Date();
    fs.utimesSync(dir, now, now);
    return dir;
  }
  // Written aside, then renamed into place: a build that exists is whole (another jest worker may be making the same one).
  const draft = `${dir}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`;
  for (const { file, text } of sources) {
    const target = path.join(draft, file.replace(/\.ts$/, '.js'));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, transpile(file, text.toString('utf8')));
  }
  fs.symlinkSync(path.join(ROOT, 'policies'), path.join(draft, 'policies'));
  fs.writeFileSync(path.join(draft, 'complete'), '');
  try {
    fs.renameSync(draft, dir);
  } catch (err) {
    fs.rmSync(draft, { recursive: true, force: true });
    if (!fs.existsSync(path.join(dir, 'complete'))) throw err;
  }
  for (const other of fs.readdirSync(CACHE)) {
    const stale = path.join(CACHE, other);
    if (stale !== dir && Date.now() - fs.statSync(stale).mtimeMs > KEEP_MS) fs.rmSync(stale, { recursive: true, force: true });
  }
  return dir;
}

let built: string | undefined;

/** The path of `script` (a source path such as `services/server.ts`) in the build: run it with `node`. */
export function builtScript(script: string): string {
  built ??= build();
  const target = path.join(built, script.replace(/\.ts$/, '.js'));
  if (!fs.existsSync(target)) throw new Error(`${script} is not a source under ${SOURCE_DIRS.join(' or ')}/`);
  return target;
}
