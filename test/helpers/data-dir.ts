import fs from 'node:fs';
import path from 'node:path';
import { TEMPLATE_ENV, templateDump } from './database';

/**
 * Fills DATA_DIR with an embedded database copied from the migrated test template, so a service
 * started on it skips the first start's minute of creating and migrating a cluster. The template is
 * PGlite's dump of its data directory (a tar of PGDATA), written out as it is: what PGlite does with
 * `loadDataDir` before it starts, without starting a database in the test's process to do it.
 */
export async function embeddedDataDir(dataDir: string): Promise<void> {
  const template = process.env[TEMPLATE_ENV];
  if (!template || process.env.DATABASE_URL) throw new Error('embeddedDataDir needs the PGlite test template');
  extractTar(Buffer.from(await templateDump(template).arrayBuffer()), path.join(dataDir, 'pglite'));
}

const BLOCK = 512;

/** Writes the directories and files of a tar archive (ustar, as PGlite's dumpDataDir makes it) under `dir`. */
function extractTar(archive: Buffer, dir: string): void {
  const root = path.resolve(dir);
  fs.mkdirSync(root, { recursive: true });
  let offset = 0;
  while (offset + BLOCK <= archive.length) {
    const header = archive.subarray(offset, offset + BLOCK);
    if (header.every((byte) => byte === 0)) break;
    const field = (start: number, length: number) => header.toString('utf8', start, start + length).split('\0')[0];
    const name = [field(345, 155), field(0, 100)].filter(Boolean).join('/');
    const size = parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1) || '0';
    const target = path.join(root, name);
    if (target !== root && !target.startsWith(`${root}${path.sep}`)) throw new Error(`tar entry outside ${root}: ${name}`);
    offset += BLOCK;
    if (type === '5') {
      fs.mkdirSync(target, { recursive: true });
    } else if (type === '0') {
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, archive.subarray(offset, offset + size));
    } else {
      throw new Error(`tar entry of type ${type} not expected in a PGlite dump: ${name}`);
    }
    offset += Math.ceil(size / BLOCK) * BLOCK;
  }
}
