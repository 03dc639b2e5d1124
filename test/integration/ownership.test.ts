import { parse } from 'csv-parse/sync';
import { createTestApp, expectProblem, type TestApp } from '../helpers/app';

let t: TestApp;
const tokens: Record<string, string> = {};
const bearer = (who: string) => `Bearer ${tokens[who]}`;

async function counts() {
  const db = t.container.db;
  const n = async (table: string) => Number(((await db(table).count('* as n')) as Array<{ n: number | string }>)[0].n);
  return { assets: await n('data_assets'), transfers: await n('ownership_transfers'), audit: await n('audit_events') };
}

async function newAsset(key: string, owningDepartment = 'RETAIL', name = `Asset ${key}`): Promise<string> {
  const res = await t.http
    .post('/v1/data-assets')
    .set('Authorization', bearer('admin'))
    .send({
      key,
      name,
      owningDepartment,
      classification: 3,
      fields: [
        { name: 'customer_name', piCategory: 'personal' },
        { name: 'id_number', piCategory: 'sensitive' },
        { name: 'balance', piCategory: 'sensitive' },
        { name: 'branch', piCategory: 'none' },
      ],
    })
    .expect(201);
  return res.body.id as string;
}

const propose = (who: string, assetId: string, toDepartment: string, reason = 'the business moved') =>
  t.http.post(`/v1/data-assets/${assetId}/ownership-transfers`).set('Authorization', bearer(who)).send({ toDepartment, reason });
const decide = (who: string, assetId: string, transferId: string, decision: 'accept' | 'reject' | 'cancel', body?: object) => {
  const req = t.http.post(`/v1/data-assets/${assetId}/ownership-transfers/${transferId}/${decision}`).set('Authorization', bearer(who));
  return body ? req.send(body) : req;
};
const ownerOf = async (assetId: string) =>
  (await t.http.get(`/v1/data-assets/${assetId}`).set('Authorization', bearer('admin')).expect(200)).body.owningDepartment as string;
const auditActions = async (objectId: string) =>
  (
    (await t.http.get(`/v1/audit?objectId=${objectId}`).set('Authorization', bearer('admin')).expect(200)).body.items as Array<{
      action: string;
      actorId: string;
    }>
  ).map((e) => [e.action, e.actorId]);

beforeAll(async () => {
  t = await createTestApp();
  for (const who of ['admin', 'alice', 'ruth', 'bob', 'carl', 'ivan', 'dora', 'erin', 'vera', 'pat']) {
    tokens[who] = await t.staffToken(who === 'admin' ? 'root-admin' : who);
  }
  for (const [code, kind] of [
    ['RETAIL', 'business'],
    ['CORPORATE', 'business'],
    ['IT', 'technology'],
  ]) {
    await t.http
      .post('/v1/departments')
      .set('Authorization', bearer('admin'))
      .send({ code, name: `${code} dept`, kind })
      .expect(201);
  }
  await t.grantRole('alice', 'data_owner', 'RETAIL');
  await t.grantRole('ruth', 'data_owner', 'RETAIL');
  await t.grantRole('bob', 'data_owner', 'CORPORATE');
  await t.grantRole('carl', 'data_owner', 'CORPORATE');
  await t.grantRole('ivan', 'data_owner', 'IT');
  await t.grantRole('dora', 'data_owner', 'RETAIL');
  await t.grantRole('dora', 'data_owner', 'CORPORATE');
  await t.grantRole('erin', 'auditor', '*');
  await t.grantRole('vera', 'vendor_manager', '*');
  await t.grantRole('pat', 'privacy_officer', '*');
});
afterAll(() => t.close());

describe('ownership transfers', () => {
  it('moves an asset: proposed by the owner, accepted by the receiving department, history kept and audited', async () => {
    const assetId = await newAsset('retail.mortgages');
    const proposed = await propose('alice', assetId, 'CORPORATE', 'mortgages move to corporate lending').expect(201);
    const transferId = proposed.body.id;
    expect(proposed.body).toMatchObject({
      assetId,
      assetKey: 'retail.mortgages',
      fromDepartment: 'RETAIL',
      toDepartment: 'CORPORATE',
      status: 'proposed',
      proposedBy: 'alice',
      decidedBy: null,
    });

    // The receiving data owner finds it in their in-tray without being able to read the asset yet.
    const inbox = await t.http
      .get('/v1/ownership-transfers?direction=incoming&status=proposed')
      .set('Authorization', bearer('bob'))
      .expect(200);
    expect(inbox.body.items.map((x: { id: string }) => x.id)).toEqual([transferId]);
    expectProblem(await t.http.get(`/v1/data-assets/${assetId}`).set('Authorization', bearer('bob')), 403);
    const outbox = await t.http.get('/v1/ownership-transfers?direction=outgoing').set('Authorization', bearer('ruth')).expect(200);
    expect(outbox.body.items.map((x: { id: string }) => x.id)).toEqual([transferId]);
    expect((await t.http.get('/v1/ownership-transfers').set('Authorization', bearer('ivan')).expect(200)).body.items).toEqual([]);

    const accepted = await decide('bob', assetId, transferId, 'accept').expect(200);
    expect(accepted.body).toMatchObject({ status: 'accepted', decidedBy: 'bob', decidedAt: expect.any(String) });
    expect(await ownerOf(assetId)).toBe('CORPORATE');

    const detail = await t.http.get(`/v1/data-assets/${assetId}`).set('Authorization', bearer('carl')).expect(200);
    expect(detail.body.ownershipTransfers).toEqual([accepted.body]);
    const history = await t.http.get(`/v1/data-assets/${assetId}/ownership-transfers`).set('Authorization', bearer('bob')).expect(200);
    expect(history.body.items).toEqual([accepted.body]);

    // The former owner has no say over the asset any more.
    expectProblem(await t.http.get(`/v1/data-assets/${assetId}`).set('Authorization', bearer('alice')), 403);
    expectProblem(await t.http.patch(`/v1/data-assets/${assetId}`).set('Authorization', bearer('alice')).send({ name: 'x' }), 403);

    expect(await auditActions(transferId)).toEqual([
      ['ownership_transfer.accepted', 'bob'],
      ['ownership_transfer.proposed', 'alice'],
    ]);
    expect((await auditActions(assetId))[0]).toEqual(['data_asset.owner_changed', 'bob']);
  });

  it('lets the receiving department reject with a note, and the proposing department cancel', async () => {
    const assetId = await newAsset('retail.safe_deposit');
    const first = (await propose('alice', assetId, 'CORPORATE').expect(201)).body.id;
    const rejected = await decide('carl', assetId, first, 'reject', { note: 'not our line of business' }).expect(200);
    expect(rejected.body).toMatchObject({ status: 'rejected', decidedBy: 'carl', decisionNote: 'not our line of business' });
    expect(await ownerOf(assetId)).toBe('RETAIL');

    const second = (await propose('alice', assetId, 'IT', 'IT runs the vault system').expect(201)).body.id;
    const cancelled = await decide('ruth', assetId, second, 'cancel').expect(200);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', decidedBy: 'ruth' });
    expect(await ownerOf(assetId)).toBe('RETAIL');

    expect(await auditActions(first)).toEqual([
      ['ownership_transfer.rejected', 'carl'],
      ['ownership_transfer.proposed', 'alice'],
    ]);
    expect(await auditActions(second)).toEqual([
      ['ownership_transfer.cancelled', 'ruth'],
      ['ownership_transfer.proposed', 'alice'],
    ]);
    const history = await t.http.get(`/v1/data-assets/${assetId}/ownership-transfers`).set('Authorization', bearer('alice')).expect(200);
    expect(history.body.items.map((x: { status: string }) => x.status)).toEqual(['cancelled', 'rejected']);

    const before = await counts();
    for (const decision of ['accept', 'cancel'] as const) {
      expectProblem(await decide(decision === 'accept' ? 'bob' : 'alice', assetId, first, decision), 409, 'transfer_not_open');
    }
    expectProblem(await decide('carl', assetId, first, 'reject', { note: 'again' }), 409, 'transfer_not_open');
    expect(await counts()).toEqual(before);
  });

  it('keeps at most one open transfer per asset, even when two proposals race', async () => {
    const assetId = await newAsset('retail.fx_orders');
    const [a, b] = await Promise.all([propose('alice', assetId, 'CORPORATE'), propose('ruth', assetId, 'IT')]);
    expect([a.status, b.status].sort()).toEqual([201, 409]);
    expect((a.status === 409 ? a : b).body.code).toBe('transfer_open');
    const before = await counts();
    expectProblem(await propose('alice', assetId, 'IT'), 409, 'transfer_open');
    // An asset with an open transfer cannot be retired under it.
    expectProblem(
      await t.http.post(`/v1/data-assets/${assetId}/retire`).set('Authorization', bearer('alice')).send({ reason: 'x' }),
      409,
      'transfer_open',
    );
    expect(await counts()).toEqual(before);
  });

  it('only the right department may propose, decide or cancel', async () => {
    const assetId = await newAsset('retail.pensions');
    const before = await counts();
    // Another department cannot propose moving an asset it does not own.
    expectProblem(await propose('bob', assetId, 'CORPORATE'), 403, 'forbidden');
    expectProblem(await propose('erin', assetId, 'CORPORATE'), 403, 'forbidden');
    expectProblem(await propose('admin', assetId, 'CORPORATE'), 403, 'forbidden');
    expect(await counts()).toEqual(before);

    const transferId = (await propose('alice', assetId, 'CORPORATE').expect(201)).body.id;
    const open = await counts();
    // The proposing department cannot accept or reject its own proposal; a third department cannot either.
    for (const who of ['alice', 'ruth', 'ivan', 'erin', 'vera', 'pat', 'admin']) {
      expectProblem(await decide(who, assetId, transferId, 'accept'), 403, 'forbidden');
      expectProblem(await decide(who, assetId, transferId, 'reject', { note: 'no' }), 403, 'forbidden');
    }
    // Only the proposing department may cancel.
    for (const who of ['bob', 'carl', 'ivan', 'erin']) expectProblem(await decide(who, assetId, transferId, 'cancel'), 403, 'forbidden');
    expect(await counts()).toEqual(open);
    expect(await ownerOf(assetId)).toBe('RETAIL');
  });

  it('does not let the proposer decide their own transfer, even holding both departments', async () => {
    const assetId = await newAsset('retail.trade_finance');
    const transferId = (await propose('dora', assetId, 'CORPORATE').expect(201)).body.id;
    const before = await counts();
    const res = await decide('dora', assetId, transferId, 'accept');
    expectProblem(res, 403, 'forbidden');
    expect(res.body.detail).toMatch(/proposer/);
    expectProblem(await decide('dora', assetId, transferId, 'reject', { note: 'x' }), 403, 'forbidden');
    expect(await counts()).toEqual(before);
    await decide('bob', assetId, transferId, 'accept').expect(200);
  });

  it('answers 404 for unknown transfers and transfers of another asset', async () => {
    const assetA = await newAsset('retail.leasing');
    const assetB = await newAsset('retail.insurance');
    const transferId = (await propose('alice', assetA, 'CORPORATE').expect(201)).body.id;
    expectProblem(await decide('bob', assetB, transferId, 'accept'), 404, 'not_found');
    expectProblem(await decide('bob', assetA, '6a1f1c1e-0000-4000-8000-000000000000', 'accept'), 404, 'not_found');
    expectProblem(await propose('alice', '6a1f1c1e-0000-4000-8000-000000000000', 'CORPORATE'), 404, 'not_found');
    expectProblem(await decide('bob', assetA, 'not-a-uuid', 'accept'), 400);
    expect(await ownerOf(assetA)).toBe('RETAIL');
  });

  describe('bad input', () => {
    let assetId: string;
    let transferId: string;
    beforeAll(async () => {
      assetId = await newAsset('retail.bad_input');
      const other = await newAsset('retail.bad_input_open');
      transferId = (await propose('alice', other, 'CORPORATE').expect(201)).body.id;
    });

    it.each([
      ['missing toDepartment', { reason: 'x' }],
      ['missing reason', { toDepartment: 'CORPORATE' }],
      ['empty reason', { toDepartment: 'CORPORATE', reason: ' ' }],
      ['wrong type', { toDepartment: 7, reason: 'x' }],
      ['unknown property', { toDepartment: 'CORPORATE', reason: 'x', force: true }],
      ['malformed department', { toDepartment: 'corporate', reason: 'x' }],
      ['unknown department', { toDepartment: 'NOWHERE', reason: 'x' }],
      ['the current owner', { toDepartment: 'RETAIL', reason: 'x' }],
    ])('propose with %s → 400, nothing written', async (_label, body) => {
      const before = await counts();
      const res = await t.http.post(`/v1/data-assets/${assetId}/ownership-transfers`).set('Authorization', bearer('alice')).send(body);
      expectProblem(res, 400, 'validation_failed');
      expect(await counts()).toEqual(before);
    });

    it('reject needs a note; malformed JSON, wrong media type and oversized bodies are refused', async () => {
      const before = await counts();
      const other = (await t.http.get(`/v1/ownership-transfers?status=proposed`).set('Authorization', bearer('bob'))).body.items[0];
      const rejectPath = `/v1/data-assets/${other.assetId}/ownership-transfers/${transferId}/reject`;
      expectProblem(await t.http.post(rejectPath).set('Authorization', bearer('bob')).send({}), 400, 'validation_failed');
      expectProblem(await t.http.post(rejectPath).set('Authorization', bearer('bob')).send({ note: '' }), 400, 'validation_failed');
      expectProblem(
        await t.http.post(rejectPath).set('Authorization', bearer('bob')).send({ note: 'x', reason: 'y' }),
        400,
        'validation_failed',
      );
      expectProblem(await t.http.post(rejectPath).set('Authorization', bearer('bob')), 415);
      for (const path of [`/v1/data-assets/${assetId}/ownership-transfers`, rejectPath]) {
        const who = path === rejectPath ? 'bob' : 'alice';
        expectProblem(
          await t.http.post(path).set('Authorization', bearer(who)).set('Content-Type', 'application/json').send('{"note":'),
          400,
        );
        expectProblem(await t.http.post(path).set('Authorization', bearer(who)).set('Content-Type', 'text/plain').send('note'), 415);
        expectProblem(
          await t.http
            .post(path)
            .set('Authorization', bearer(who))
            .send({ note: 'x'.repeat(200 * 1024), reason: 'x' }),
          413,
        );
      }
      expect(await counts()).toEqual(before);
      expect(
        (await t.http.get(`/v1/data-assets/${other.assetId}`).set('Authorization', bearer('alice'))).body.ownershipTransfers[0].status,
      ).toBe('proposed');
    });

    it.each([
      ['/v1/ownership-transfers?status=open'],
      ['/v1/ownership-transfers?direction=sideways'],
      ['/v1/ownership-transfers?cursor=bm90LWEtY3Vyc29y'],
      ['/v1/ownership-transfers?colour=red'],
      ['/v1/ownership-map?status=deleted'],
      ['/v1/ownership-map?department=retail'],
      ['/v1/ownership-map?format=xml'],
    ])('GET %s → 400', async (path) => {
      expectProblem(await t.http.get(path).set('Authorization', bearer('erin')), 400);
    });
  });

  it('pages through the in-tray', async () => {
    const all = (await t.http.get('/v1/ownership-transfers').set('Authorization', bearer('erin')).expect(200)).body.items;
    expect(all.length).toBeGreaterThan(3);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { body: { items: Array<{ id: string }>; nextCursor: string | null } } = await t.http
        .get(`/v1/ownership-transfers?limit=2${cursor ? `&cursor=${cursor}` : ''}`)
        .set('Authorization', bearer('erin'))
        .expect(200);
      seen.push(...res.body.items.map((x) => x.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.map((x: { id: string }) => x.id));
  });
});

describe('the ownership map', () => {
  beforeAll(async () => {
    await newAsset('retail.map_tricky', 'RETAIL', 'Retail, "Premium"\nclients');
    await newAsset('retail.map_formula', 'RETAIL', '=HYPERLINK("http://evil.example")');
    await newAsset('corporate.map_loans', 'CORPORATE', 'Corporate loans');
  });

  it('lists each asset with its department, data owners and active field counts, limited to the caller’s departments', async () => {
    const mine = await t.http.get('/v1/ownership-map').set('Authorization', bearer('alice')).expect(200);
    expect(mine.headers['content-type']).toMatch(/^application\/json/);
    const departments = new Set(mine.body.items.map((e: { owningDepartment: string }) => e.owningDepartment));
    expect([...departments]).toEqual(['RETAIL']);
    const tricky = mine.body.items.find((e: { key: string }) => e.key === 'retail.map_tricky');
    expect(tricky).toMatchObject({
      name: 'Retail, "Premium"\nclients',
      status: 'active',
      classification: 3,
      owningDepartment: 'RETAIL',
      owningDepartmentName: 'RETAIL dept',
      dataOwners: ['alice', 'dora', 'ruth'],
      fieldCounts: { none: 1, personal: 1, sensitive: 2, total: 4 },
      openTransferTo: null,
    });

    await t.http
      .post(`/v1/data-assets/${tricky.assetId}/fields/balance/retire`)
      .set('Authorization', bearer('alice'))
      .send({ reason: 'moved to the ledger' })
      .expect(200);
    const after = await t.http.get('/v1/ownership-map?department=RETAIL&status=active').set('Authorization', bearer('erin')).expect(200);
    expect(after.body.items.find((e: { key: string }) => e.key === 'retail.map_tricky').fieldCounts).toEqual({
      none: 1,
      personal: 1,
      sensitive: 1,
      total: 3,
    });

    const everything = await t.http.get('/v1/ownership-map').set('Authorization', bearer('pat')).expect(200);
    expect(new Set(everything.body.items.map((e: { owningDepartment: string }) => e.owningDepartment))).toEqual(
      new Set(['RETAIL', 'CORPORATE']),
    );
    const corporate = await t.http.get('/v1/ownership-map').set('Authorization', bearer('bob')).expect(200);
    expect(corporate.body.items.every((e: { owningDepartment: string }) => e.owningDepartment === 'CORPORATE')).toBe(true);
    expect(corporate.body.items.find((e: { key: string }) => e.key === 'corporate.map_loans').dataOwners).toEqual(['bob', 'carl', 'dora']);
    expect((await t.http.get('/v1/ownership-map?department=RETAIL').set('Authorization', bearer('bob')).expect(200)).body.items).toEqual(
      [],
    );
  });

  it('answers RFC 4180 CSV when asked, quoting commas, quotes and newlines, with formulas neutralised', async () => {
    const res = await t.http.get('/v1/ownership-map').set('Authorization', bearer('alice')).set('Accept', 'text/csv').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers.vary).toMatch(/Accept/);
    const text = res.text;
    expect(text.split('\r\n')[0]).toBe(
      'asset_key,asset_name,status,classification,owning_department,owning_department_name,data_owners,fields_none,fields_personal,fields_sensitive,fields_total,open_transfer_to',
    );
    expect(text).toContain('retail.map_tricky,"Retail, ""Premium""\nclients",active,3,RETAIL,RETAIL dept,alice; dora; ruth,1,1,1,3,\r\n');
    expect(text.endsWith('\r\n')).toBe(true);

    const rows = parse(text, { columns: true }) as Array<Record<string, string>>;
    const json = (await t.http.get('/v1/ownership-map').set('Authorization', bearer('alice')).expect(200)).body.items;
    expect(rows.map((r) => r.asset_key)).toEqual(json.map((e: { key: string }) => e.key));
    expect(rows.find((r) => r.asset_key === 'retail.map_tricky')?.asset_name).toBe('Retail, "Premium"\nclients');
    expect(rows.find((r) => r.asset_key === 'retail.map_formula')?.asset_name).toBe('\'=HYPERLINK("http://evil.example")');
    expect(rows.every((r) => r.owning_department === 'RETAIL')).toBe(true);
  });

  it('shows an open transfer, refuses unsupported representations and callers without the permission', async () => {
    const assetId = await newAsset('retail.map_moving');
    await propose('alice', assetId, 'IT').expect(201);
    const map = await t.http.get('/v1/ownership-map').set('Authorization', bearer('alice')).expect(200);
    expect(map.body.items.find((e: { key: string }) => e.key === 'retail.map_moving').openTransferTo).toBe('IT');

    expectProblem(
      await t.http.get('/v1/ownership-map').set('Authorization', bearer('alice')).set('Accept', 'application/xml'),
      406,
      'not_acceptable',
    );
    expectProblem(await t.http.get('/v1/ownership-map').set('Authorization', bearer('vera')), 403, 'forbidden');
    expectProblem(await t.http.get('/v1/ownership-map'), 401);
  });
});
