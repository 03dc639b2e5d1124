import path from 'node:path';
import { loadConfig } from '../config';
import { createDatabase, migrateLatest } from '../db';

// Applies every pending migration to DATABASE_URL, or to the embedded database under DATA_DIR.
async function main(): Promise<void> {
  const config = loadConfig();
  const db = createDatabase({ databaseUrl: config.databaseUrl, pgliteDir: path.join(config.dataDir, 'pglite'), poolMax: 1 });
  try {
    await migrateLatest(db);
    console.log('migrations are current');
  } finally {
    await db.destroy();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
