import { loadConfig } from '../config';
import { migrateLatest, openDatabase } from '../db';
import { runCli } from './run';

// Applies every pending migration to DATABASE_URL, or to the embedded database under DATA_DIR, and says which.
async function main(): Promise<void> {
  const config = loadConfig();
  const database = await openDatabase(config, { command: 'migrate', poolMax: 1 });
  try {
    const applied = await migrateLatest(database.db);
    if (applied.length === 0) console.log('migrations: already up to date');
    else console.log(`migrations: applied ${applied.length}\n${applied.map((name) => `  ${name}`).join('\n')}`);
  } finally {
    await database.close();
  }
}

runCli(main);
