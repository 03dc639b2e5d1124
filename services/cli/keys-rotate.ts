import { parseArgs } from 'node:util';
import { loadConfig } from '../config';
import { openDatabase, pendingMigrations } from '../db';
import { SIGNING_ALGORITHMS, type SigningAlgorithm } from '../oauth/settings';
import { loadSecrets } from '../secrets';
import { toolContainer } from './container';
import { runCli } from './run';

// Adds a new token-signing key: published at once, signing after --activate-after seconds (default 600).
// Running replicas on PostgreSQL learn about it through the change feed; the embedded database refuses it while the service runs (DATA_DIR lock).
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { alg: { type: 'string', default: 'ES256' }, 'activate-after': { type: 'string' } },
  });
  const alg = values.alg as SigningAlgorithm;
  if (!SIGNING_ALGORITHMS.includes(alg)) {
    console.error(`usage: npm run keys:rotate -- [--alg ${SIGNING_ALGORITHMS.join('|')}] [--activate-after SECONDS]`);
    process.exit(2);
  }
  const delay = values['activate-after'] === undefined ? undefined : Number(values['activate-after']);
  if (delay !== undefined && (!Number.isInteger(delay) || delay < 0 || delay > 86_400)) {
    console.error('--activate-after must be whole seconds from 0 to 86400');
    process.exit(2);
  }
  const config = loadConfig();
  const database = await openDatabase(config, { command: 'keys:rotate', poolMax: 2 });
  const { db } = database;
  try {
    const pending = await pendingMigrations(db);
    if (pending.length > 0) {
      console.error(
        `The database is not migrated (pending: ${pending.join(', ')}): run \`npm run migrate\` (or start the service once) first.`,
      );
      process.exitCode = 2;
      return;
    }
    const container = toolContainer({ config, db, secrets: loadSecrets(config) });
    const key = await container.oauth.signingKeys.rotate(
      { actor: { kind: 'system', name: 'keys-rotate-cli' }, requestId: null },
      { alg, activateAfterSeconds: delay },
    );
    console.log(JSON.stringify({ kid: key.kid, alg: key.alg, status: key.status, activatesAt: key.activatesAt }, null, 2));
  } finally {
    await database.close();
  }
}

runCli(main);
