import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config';
import { createDatabase } from '../db';
import { toolContainer } from './container';

// Writes or checks openapi/openapi.json from the route declarations (no database is contacted).
const FILE = path.join(__dirname, '..', '..', 'openapi', 'openapi.json');

export function generateDocument(): string {
  const config = loadConfig({ DATA_DIR: path.join(__dirname, '..', '..', 'data'), LOG_LEVEL: 'silent' });
  const db = createDatabase({ databaseUrl: 'postgres://openapi-generation.invalid/none' });
  const container = toolContainer({
    config,
    db,
    secrets: { subjectIdKey: Buffer.alloc(32), keyEncryptionKey: Buffer.alloc(32), auditCheckpointKey: Buffer.alloc(32) },
    logLevel: 'silent',
  });
  const text = `${JSON.stringify(container.openApiDocument(), null, 2)}\n`;
  void db.destroy();
  return text;
}

function main(): void {
  const mode = process.argv[2];
  const text = generateDocument();
  if (mode === '--write') {
    fs.mkdirSync(path.dirname(FILE), { recursive: true });
    fs.writeFileSync(FILE, text);
    console.log(`wrote ${path.relative(process.cwd(), FILE)}`);
    return;
  }
  const committed = fs.existsSync(FILE) ? fs.readFileSync(FILE, 'utf8') : '';
  if (committed !== text) {
    console.error('openapi/openapi.json is stale: run `npm run openapi:generate` and commit the result.');
    process.exit(1);
  }
  console.log('openapi/openapi.json matches the code');
}

main();
