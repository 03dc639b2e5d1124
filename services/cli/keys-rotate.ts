import path from 'node:path';
import { parseArgs } from 'node:util';
import { createLocalJWKSet } from 'jose';
import { loadConfig } from '../config';
import { createContainer } from '../container';
import { createDatabase, migrationsCurrent } from '../db';
import { createLogger } from '../logger';
import { SIGNING_ALGORITHMS, type SigningAlgorithm } from '../oauth/settings';
import { loadSecrets } from '../secrets';

// Adds a new token-signing key: published at once, signing after --activate-after seconds (default 600).
// Running replicas on PostgreSQL learn about it through the change feed; on the embedded database, stop the service first.
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
  const db = createDatabase({ databaseUrl: config.databaseUrl, pgliteDir: path.join(config.dataDir, 'pglite'), poolMax: 2 });
  try {
    if (!(await migrationsCurrent(db))) {
      console.error('The database is not migrated: run `npm run migrate` (or start the service once) first.');
      process.exit(2);
    }
    const container = createContainer({
      config,
      db,
      logger: createLogger('warn'),
      secrets: loadSecrets(config),
      staffKeys: createLocalJWKSet({ keys: [] }),
      defaultMetrics: false,
    });
    const key = await container.oauth.signingKeys.rotate(
      { actor: { kind: 'system', name: 'keys-rotate-cli' }, requestId: null },
      { alg, activateAfterSeconds: delay },
    );
    console.log(JSON.stringify({ kid: key.kid, alg: key.alg, status: key.status, activatesAt: key.activatesAt }, null, 2));
  } finally {
    await db.destroy();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
