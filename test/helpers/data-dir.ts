import path from 'node:path';
import { createPglite } from '../../services/db';
import { TEMPLATE_ENV, templateDump } from './database';

/**
 * Fills DATA_DIR with an embedded database copied from the migrated test template, so a service
 * started on it skips the first start's minute of creating and migrating a cluster.
 */
export async function embeddedDataDir(dataDir: string): Promise<void> {
  const template = process.env[TEMPLATE_ENV];
  if (!template || process.env.DATABASE_URL) throw new Error('embeddedDataDir needs the PGlite test template');
  const pglite = createPglite(path.join(dataDir, 'pglite'), { loadDataDir: templateDump(template) });
  await pglite.waitReady;
  await pglite.close();
}
