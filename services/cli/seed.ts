import { demoBank, type BankSeed } from '../../db/seeds/demo-bank';
import { seedAppLedger } from '../apps/demo-seed';
import type { ChangeContext } from '../audit';
import { loadConfig } from '../config';
import type { Container } from '../container';
import { migrateLatest, openDatabase } from '../db';
import { loadSecrets } from '../secrets';
import { NotFoundError, ProblemError } from '../shared/errors';
import { toolContainer } from './container';
import { runCli } from './run';

export interface SeedSummary {
  created: { departments: number; roles: number; assets: number; fields: number };
  existing: { departments: number; roles: number; assets: number };
}

const SEED: ChangeContext = { actor: { kind: 'system', name: 'seed' }, requestId: null };

/**
 * Fills a bank (the demo bank by default) through the services, so every row has its audit event.
 * Idempotent: what exists is left alone; fields the seed names that an existing asset lacks are added.
 */
export async function seedBank(container: Container, bank: BankSeed = demoBank): Promise<SeedSummary> {
  const summary: SeedSummary = {
    created: { departments: 0, roles: 0, assets: 0, fields: 0 },
    existing: { departments: 0, roles: 0, assets: 0 },
  };
  for (const department of bank.departments) {
    try {
      await container.departments.get(department.code);
      summary.existing.departments += 1;
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      await container.departments.create(SEED, department);
      summary.created.departments += 1;
    }
  }
  for (const role of bank.roles) {
    try {
      await container.roleAssignments.assign(SEED, role);
      summary.created.roles += 1;
    } catch (err) {
      if (!(err instanceof ProblemError && err.code === 'role_assignment_exists')) throw err;
      summary.existing.roles += 1;
    }
  }
  for (const asset of bank.assets) {
    const found = await container.dataAssets.findAsset(asset.key);
    if (!found) {
      await container.dataAssets.create(SEED, asset);
      summary.created.assets += 1;
      summary.created.fields += asset.fields.length;
      continue;
    }
    summary.existing.assets += 1;
    const known = new Set(found.fields.map((f) => f.name));
    const missing = asset.fields.filter((f) => !known.has(f.name));
    if (missing.length > 0 && found.status === 'active') {
      await container.dataAssets.addFields(SEED, found.id, missing);
      summary.created.fields += missing.length;
    }
  }
  await seedAppLedger(container.apps, SEED);
  return summary;
}

// Opens the database like `npm run migrate` (DATABASE_URL, or PGlite under DATA_DIR), migrates, then seeds.
async function main(): Promise<void> {
  const config = loadConfig();
  const database = await openDatabase(config, { command: 'seed', poolMax: 2 });
  const { db } = database;
  const container = toolContainer({ config, db, secrets: loadSecrets(config) });
  try {
    await migrateLatest(db);
    // Only the staff policies are needed (role names are checked against them); nothing else is started.
    await container.staffAuthorizer.reload();
    const { created, existing } = await seedBank(container);
    console.log(
      `demo bank seeded: created ${created.departments} departments, ${created.roles} role assignments, ` +
        `${created.assets} data assets, ${created.fields} fields; already there: ${existing.departments} departments, ` +
        `${existing.roles} role assignments, ${existing.assets} data assets`,
    );
  } finally {
    await container.stop();
    await database.close();
  }
}

if (require.main === module) runCli(main);
