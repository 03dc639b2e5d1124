import crypto from 'node:crypto';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createTestApp, expectProblem, type TestApp } from '../helpers/app';
import { Factories } from '../helpers/factories';

let t: TestApp;
let f: Factories;
const auth = async (sub: string) => ({ Authorization: `Bearer ${await t.staffToken(sub)}` });
const DAY = 86_400_000;
const ago = (days: number) => new Date(Date.now() - days * DAY).toISOString();
const ahead = (days: number) => new Date(Date.now() + days * DAY).toISOString();

interface Check {
  id: string;
  status: 'pass' | 'warn' | 'fail';
  count: number;
  examples: string[];
}
async function report(): Promise<Record<string, Check>> {
  const res = await t.http.get('/v1/reports/compliance').set(await auth('pat'));
  expect(res.status).toBe(200);
  return Object.fromEntries((res.body.checks as Check[]).map((c) => [c.id, c]));
}

/** A grant row written straight into the table: legacy or tampered data the report must catch. */
async function rawGrant(vendorId: string, assetId: string, o: Record<string, unknown>): Promise<string> {
  const id = crypto.randomUUID();
  await t.container.db('access_grants').insert({
    id,
    vendor_id: vendorId,
    asset_id: assetId,
    fields: ['name'],
    actions: ['read'],
    purpose_key: 'collections',
    valid_from: ago(1),
    valid_until: ahead(30),
    justification: 'fixture',
    sensitive: false,
    status: 'approved',
    requested_by: 'vic',
    requested_at: ago(1),
    owner_approved_by: 'olivia',
    owner_approved_at: ago(1),
    decided_by: 'olivia',
    decided_at: ago(1),
    ...o,
  });
  return id;
}

beforeAll(async () => {
  t = await createTestApp();
  f = new Factories(t);
  await t.grantRole('pat', 'privacy_officer', '*');
  await t.grantRole('erin', 'auditor', '*');
});
afterAll(() => t.close());

describe('GET /v1/reports/compliance', () => {
  it('passes every check on a clean bank, each with its requirement, source and time', async () => {
    const res = await t.http.get('/v1/reports/compliance').set(await auth('erin')).expect(200);
    expect(res.body.checks.length).toBeGreaterThanOrEqual(18);
    for (const check of res.body.checks) {
      expect(check).toMatchObject({ status: 'pass', count: 0, examples: [], checkedAt: res.body.generatedAt });
      expect(check.requirement.length).toBeGreaterThan(10);
      expect(check.source.length).toBeGreaterThan(3);
    }
    expect(res.body.summary).toEqual({ pass: res.body.checks.length, warn: 0, fail: 0 });
  });

  it('fails each data and vendor check on a fixture that breaks it, naming the offender', async () => {
    await f.department('RETAIL');
    await f.department('ORPHAN');
    await f.purpose('collections');
    const owned = await f.asset('RETAIL', [['name', 'personal']]);
    // An asset whose department has no data owner: the admin registered it.
    const orphanKey = 'orphan.ledger';
    await t.http
      .post('/v1/data-assets')
      .set(await auth('root-admin'))
      .send({ key: orphanKey, name: 'Orphan ledger', owningDepartment: 'ORPHAN', classification: 2, fields: [{ name: 'amount', piCategory: 'none' }] })
      .expect(201);
    await t.http.post(`/v1/data-assets/${owned.id}/fields/name/retire`).set(await auth('owner-factory')).send({ reason: 'No longer collected' }).expect(200);
    const vendor = await f.vendor({ purposes: ['collections'] });
    const expired = await f.vendor({ purposes: ['collections'], startsAt: ago(400), endsAt: ago(5) });
    const longGrant = await rawGrant(vendor, owned.id, { valid_until: ahead(500) });
    const pastContract = await rawGrant(expired, owned.id, {});
    const sensitive = await rawGrant(vendor, owned.id, { sensitive: true });
    const unused = await rawGrant(vendor, owned.id, { decided_at: ago(45), valid_from: ago(45) });
    await f.purpose('newsletter', 'consent');

    const r = await report();
    expect(r.assets_without_owner).toMatchObject({ status: 'fail', examples: [orphanKey] });
    expect(r.assets_without_classified_fields).toMatchObject({ status: 'fail', examples: [owned.key] });
    expect(r.grants_without_end).toMatchObject({ status: 'fail', examples: [longGrant] });
    expect(r.grants_past_contract.examples).toContain(pastContract);
    expect(r.vendors_expired_with_active_grants).toMatchObject({ status: 'fail', examples: [expired] });
    expect(r.sensitive_grants_without_privacy_officer).toMatchObject({ status: 'fail', examples: [sensitive] });
    expect(r.grants_unused).toMatchObject({ status: 'warn', examples: [unused] });
    expect(r.consent_purposes_without_notice).toMatchObject({ status: 'fail', examples: ['newsletter'] });
    expect(r.audit_chain.status).toBe('pass');
  });

  it('fails the audit chain check when a row was altered, naming the event', async () => {
    const [event] = await t.container.db('audit_events').orderBy('seq', 'asc').limit(1).select('id');
    await t.container.db.raw('alter table audit_events disable trigger user');
    await t.container.db('audit_events').where({ id: event.id }).update({ action: 'department.tampered' });
    await t.container.db.raw('alter table audit_events enable trigger user');
    expect((await report()).audit_chain).toMatchObject({ status: 'fail', count: 1, examples: [event.id] });
  });

  it('is CSV on request, and closed to data owners', async () => {
    const csv = await t.http.get('/v1/reports/compliance').set(await auth('pat')).set('Accept', 'text/csv').expect(200);
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).toBe('id,requirement,source,status,count,examples,checked_at');
    expect(lines.find((l) => l.startsWith('audit_chain,'))).toContain(',fail,1,');
    await t.grantRole('olivia', 'data_owner', 'RETAIL');
    expectProblem(await t.http.get('/v1/reports/compliance').set(await auth('olivia')), 403);
    expectProblem(await t.http.get('/v1/reports/compliance.html').set(await auth('olivia')), 403);
  });

  const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p));
  (chromium ? it : it.skip)('renders the printable page with its chart in headless Chromium', async () => {
    const res = await t.http.get('/v1/reports/compliance.html').set(await auth('pat')).expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'report-'));
    const page = path.join(dir, 'report.html');
    fs.writeFileSync(page, res.text);
    const { stdout } = await promisify(execFile)(
      chromium as string,
      ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', `--user-data-dir=${dir}/profile`, '--dump-dom', `file://${page}`],
      { timeout: 60_000 },
    );
    expect(stdout).toContain('id="summary-chart"');
    expect(stdout).toContain('Privacy and data-access compliance report');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
