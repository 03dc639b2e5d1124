import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { demoBank } from '../../db/seeds/demo-bank';
import { seedBank } from '../../services/cli/seed';
import { createDatabase } from '../../services/db';
import { createTestApp, type TestApp } from '../helpers/app';
import { builtScript } from '../helpers/service-build';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..');

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const count = async (db: TestApp['container']['db'], table: string) =>
  Number(((await db(table).count('* as n')) as Array<{ n: number | string }>)[0].n);

/**
 * Runs `npm run seed`'s script (services/cli/seed.ts) in a child process with the given environment, from the
 * sources transpiled once (test/helpers/service-build.ts), as the process tests run the server: tsx would
 * transpile the whole service again in each child.
 */
async function seedCli(env: Record<string, string>): Promise<string> {
  const { stdout } = await run(process.execPath, [builtScript('services/cli/seed.ts')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env },
  });
  return stdout;
}

describe('the demo bank seed', () => {
  it('fills departments, roles and assets through the services (audited), and a second run changes nothing', async () => {
    const first = await seedBank(t.container);
    expect(first.created).toEqual({
      departments: demoBank.departments.length,
      roles: demoBank.roles.length,
      assets: demoBank.assets.length,
      fields: demoBank.assets.reduce((n, a) => n + a.fields.length, 0),
    });
    const db = t.container.db;
    const audit = await count(db, 'audit_events');
    const created = (await t.container.audit.list({ actorId: 'seed', action: 'data_asset.created' }, 100)).length;
    expect(created).toBe(demoBank.assets.length);

    const second = await seedBank(t.container);
    expect(second.created).toEqual({ departments: 0, roles: 0, assets: 0, fields: 0 });
    expect(second.existing).toEqual({
      departments: demoBank.departments.length,
      roles: demoBank.roles.length,
      assets: demoBank.assets.length,
    });
    expect(await count(db, 'audit_events')).toBe(audit);
    expect(await count(db, 'data_assets')).toBe(demoBank.assets.length);

    // The seeded people can use the service straight away.
    const alice = await t.staffToken('alice');
    const map = await t.http.get('/v1/ownership-map').set('Authorization', `Bearer ${alice}`).expect(200);
    expect(map.body.items.map((e: { key: string }) => e.key)).toEqual([
      'retail.branch_directory',
      'retail.card_transactions',
      'retail.customer_profile',
    ]);
    expect(map.body.items.every((e: { dataOwners: string[] }) => e.dataOwners.includes('alice'))).toBe(true);
    const erin = await t.staffToken('erin');
    const all = await t.http.get('/v1/data-assets?piCategory=sensitive').set('Authorization', `Bearer ${erin}`).expect(200);
    expect(all.body.items.map((a: { key: string }) => a.key)).toEqual([
      'corporate.loan_book',
      'retail.card_transactions',
      'retail.customer_profile',
    ]);
  });

  it('adds fields the seed names that an existing asset lacks', async () => {
    const branches = await t.container.dataAssets.findAsset('retail.branch_directory');
    const assets = demoBank.assets.map((a) =>
      a.key === 'retail.branch_directory' ? { ...a, fields: [...a.fields, { name: 'opening_hours', piCategory: 'none' as const }] } : a,
    );
    const summary = await seedBank(t.container, { ...demoBank, assets });
    expect(summary.created.fields).toBe(1);
    const after = await t.container.dataAssets.findAsset(String(branches?.id));
    expect(after?.fields.map((f) => f.name)).toEqual(['branch_code', 'branch_name', 'city', 'opening_hours']);
  });

  it('`npm run seed` migrates and seeds the configured database and can run again', async () => {
    if (t.database.url) {
      // PostgreSQL: the database this file already seeded; the CLI must find everything in place.
      const out = await seedCli({ DATABASE_URL: t.database.url, DATA_DIR: t.config.dataDir });
      expect(out).toMatch(/created 0 departments, 0 role assignments, 0 data assets, 0 fields/);
      return;
    }
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'seed-'));
    try {
      expect(await seedCli({ DATA_DIR: dataDir })).toMatch(/created 5 departments, 8 role assignments, 5 data assets/);
      expect(await seedCli({ DATA_DIR: dataDir })).toMatch(/created 0 departments, 0 role assignments, 0 data assets, 0 fields/);
      const db = createDatabase({ pgliteDir: path.join(dataDir, 'pglite') });
      try {
        expect(await count(db, 'data_assets')).toBe(5);
        expect(await count(db, 'departments')).toBe(5);
      } finally {
        await db.destroy();
      }
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 240_000);
});

describe('the demo bank seed: app ledger', () => {
  it('seeds the app ledger: IT leads app management, and the retail mobile bank is proposed with its owners and matrix', async () => {
    await seedBank(t.container);
    expect((await t.container.apps.lead.get()).department).toBe('IT');
    const report = await t.container.apps.responsibilities.report();
    const app = report.apps.find((a) => a.appName === 'Retail Mobile Bank');
    expect(app).toMatchObject({
      lifecycleState: 'proposed',
      businessOwner: 'Zhao Min',
      technologyOwner: 'Chen Jie',
      security: { department: 'IT', setBy: 'system:seed' },
    });
    // The mobile bank, and the credit-card mini program with its drafted plan to merge into it.
    expect((await t.container.audit.list({ actorId: 'seed', action: 'app.created' }, 10)).length).toBe(2);
    const mini = report.apps.find((a) => a.appName === 'Credit Card Mini Program');
    expect(await t.container.apps.consolidationPlans.service.get(mini?.appId ?? '')).toMatchObject({
      kind: 'consolidation',
      status: 'draft',
      mergesInto: [{ name: 'Retail Mobile Bank' }],
      incomplete: [
        { item: 'plan_not_approved' },
        { item: 'migration_step_not_done' },
        { item: 'migration_step_not_done' },
        { item: 'notification_not_sent' },
        { item: 'notification_date_not_passed' },
      ],
    });
    const plans = await t.container.apps.plans.plans.list({ limit: 10, department: 'RETAIL' }, { all: true });
    expect(plans.items.map((p) => [p.status, p.submittedBy, p.plannedApps.length])).toEqual([['submitted', 'system:seed', 2]]);
  });
});
