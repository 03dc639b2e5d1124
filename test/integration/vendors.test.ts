import { VENDOR_CHANGED, isValidUnifiedSocialCreditCode } from '../../services/vendors';
import type { Response } from 'supertest';
import { createTestApp, expectProblem, type TestApp } from '../helpers/app';

let t: TestApp;
const tokens: Record<string, string> = {};
const notices: Array<Record<string, unknown>> = [];

const as = (who: string) => ({
  post: (url: string) => t.http.post(url).set('Authorization', `Bearer ${tokens[who]}`),
  get: (url: string) => t.http.get(url).set('Authorization', `Bearer ${tokens[who]}`),
  patch: (url: string) => t.http.patch(url).set('Authorization', `Bearer ${tokens[who]}`),
});

/** Rows that a refused request must leave untouched. */
async function written() {
  const count = async (table: string) => Number(((await t.container.db(table).count({ n: '*' })) as Array<{ n: number }>)[0].n);
  return {
    vendors: await count('vendors'),
    contractPurposes: await count('vendor_contract_purposes'),
    history: await count('vendor_status_history'),
    audit: await count('audit_events'),
    vendorRows: JSON.stringify(await t.container.db('vendors').orderBy('id')),
  };
}

const contract = {
  reference: 'PROC-2026-0042',
  startsAt: '2026-01-01T00:00:00Z',
  endsAt: '2027-12-31T23:59:59+08:00',
  purposes: ['collections', 'loan_servicing'],
};
const acme = {
  name: 'Acme Collections Ltd',
  unifiedSocialCreditCode: '91350100M000100Y43',
  contacts: [
    { name: 'Li Wei', email: 'li.wei@acme.example', role: 'account manager' },
    { name: 'Desk', phone: '+86 755 1234 5678' },
  ],
  contract,
  securityAssessment: { assessedAt: '2026-10-15', result: 'conditional', reference: 'SA-2026-17' },
};
const minimal = (name: string, purposes = ['collections']) => ({
  name,
  contacts: [{ name: 'Someone', email: 'someone@vendor.example' }],
  contract: { ...contract, purposes },
});

let acmeId: string;

beforeAll(async () => {
  t = await createTestApp();
  for (const who of ['root-admin', 'petra', 'olivia', 'victor', 'aude', 'apu']) tokens[who] = await t.staffToken(who);
  for (const code of ['RETAIL', 'PROCUREMENT']) {
    await as('root-admin').post('/v1/departments').send({ code, name: code, kind: 'business' }).expect(201);
  }
  await t.grantRole('petra', 'privacy_officer', '*');
  await t.grantRole('olivia', 'data_owner', 'RETAIL');
  await t.grantRole('victor', 'vendor_manager', '*');
  await t.grantRole('aude', 'auditor', '*');
  await t.grantRole('apu', 'app_manager', 'RETAIL');
  for (const [key, legalBasis] of [
    ['collections', 'contract'],
    ['loan_servicing', 'contract'],
    ['card_marketing', 'consent'],
    ['old_campaign', 'consent'],
  ]) {
    await as('petra').post('/v1/purposes').send({ key, legalBasis, description: key, retentionDays: 365 }).expect(201);
  }
  await as('petra').post('/v1/purposes/old_campaign/retire').expect(200);
  t.container.changes.subscribe(VENDOR_CHANGED, (payload) => void notices.push(payload));
});
afterAll(() => t.close());

describe('vendors', () => {
  it('lets a vendor manager register a vendor with its contract, audited without contact details and announced', async () => {
    const res = await as('victor').post('/v1/vendors').send(acme).expect(201);
    acmeId = res.body.id;
    expect(res.body).toMatchObject({
      name: acme.name,
      unifiedSocialCreditCode: acme.unifiedSocialCreditCode,
      contacts: acme.contacts,
      contract: {
        reference: contract.reference,
        startsAt: '2026-01-01T00:00:00.000Z',
        endsAt: '2027-12-31T15:59:59.000Z',
        purposes: contract.purposes,
      },
      securityAssessment: acme.securityAssessment,
      status: 'active',
      statusReason: null,
      statusChangedBy: 'victor',
    });
    for (const who of ['root-admin', 'petra', 'olivia', 'aude'])
      expect((await as(who).get(`/v1/vendors/${acmeId}`).expect(200)).body).toEqual(res.body);

    const audit = await as('aude').get(`/v1/audit?objectType=vendor&objectId=${acmeId}`).expect(200);
    expect(audit.body.items).toHaveLength(1);
    expect(audit.body.items[0]).toMatchObject({
      action: 'vendor.created',
      actorId: 'victor',
      details: { after: { contactCount: 2, name: acme.name } },
    });
    expect(JSON.stringify(audit.body.items[0])).not.toMatch(/li\.wei|1234 5678/);
    expect(notices).toContainEqual({ vendorId: acmeId });

    const history = await as('petra').get(`/v1/vendors/${acmeId}/status-history`).expect(200);
    expect(history.body.items).toEqual([
      { id: expect.any(Number), fromStatus: null, toStatus: 'active', reason: null, actor: 'victor', at: res.body.createdAt },
    ]);
  });

  it('changes contacts, the assessment and the contract (reference, a later end, purposes), audited and announced', async () => {
    notices.length = 0;
    const res = await as('victor')
      .patch(`/v1/vendors/${acmeId}`)
      .send({
        contacts: [{ name: 'Zhang Min', email: 'zhang.min@acme.example' }],
        contract: { reference: 'PROC-2026-0042-A1', endsAt: '2028-06-30T00:00:00Z', purposes: ['loan_servicing', 'card_marketing'] },
        securityAssessment: { assessedAt: '2026-11-20', result: 'pass' },
      })
      .expect(200);
    expect(res.body).toMatchObject({
      contacts: [{ name: 'Zhang Min', email: 'zhang.min@acme.example' }],
      contract: {
        reference: 'PROC-2026-0042-A1',
        startsAt: '2026-01-01T00:00:00.000Z',
        endsAt: '2028-06-30T00:00:00.000Z',
        purposes: ['card_marketing', 'loan_servicing'],
      },
      securityAssessment: { assessedAt: '2026-11-20', result: 'pass' },
      status: 'active',
    });
    expect((await as('olivia').get(`/v1/vendors/${acmeId}`)).body).toEqual(res.body);
    expect(notices).toEqual([{ vendorId: acmeId }]);
    const [event] = (await as('aude').get(`/v1/audit?objectType=vendor&objectId=${acmeId}&action=vendor.updated`)).body.items;
    expect(event.details.before.contract.purposes).toEqual(['collections', 'loan_servicing']);
    expect(event.details.after.contract.purposes).toEqual(['card_marketing', 'loan_servicing']);

    // The same end is no change; one contract field alone is enough.
    await as('victor')
      .patch(`/v1/vendors/${acmeId}`)
      .send({ contract: { endsAt: '2028-06-30T08:00:00+08:00' } })
      .expect(200);
  });

  it('keeps a purpose already on the contract after it retires, but never adds a retired or unknown one', async () => {
    await as('petra')
      .post('/v1/purposes')
      .send({ key: 'winding_down', legalBasis: 'contract', description: 'x', retentionDays: 5 })
      .expect(201);
    const vendor = (
      await as('victor')
        .post('/v1/vendors')
        .send(minimal('Winding Down Co', ['winding_down']))
        .expect(201)
    ).body;
    await as('petra').post('/v1/purposes/winding_down/retire').expect(200);
    await as('victor')
      .patch(`/v1/vendors/${vendor.id}`)
      .send({ contract: { purposes: ['winding_down', 'collections'] } })
      .expect(200);

    const before = await written();
    const retired = await as('victor')
      .patch(`/v1/vendors/${vendor.id}`)
      .send({ contract: { purposes: ['collections', 'old_campaign'] } });
    expectProblem(retired, 400, 'validation_failed');
    expect(retired.body.detail).toMatch(/old_campaign is retired/);
    const unknown = await as('victor')
      .patch(`/v1/vendors/${vendor.id}`)
      .send({ contract: { purposes: ['collections', 'no_such'] } });
    expectProblem(unknown, 400, 'validation_failed');
    expect(unknown.body.detail).toMatch(/unknown purpose no_such/);
    expect(await written()).toEqual(before);
  });

  it('extends a contract but never shortens it (409)', async () => {
    const before = await written();
    expectProblem(
      await as('victor')
        .patch(`/v1/vendors/${acmeId}`)
        .send({ contract: { endsAt: '2028-06-29T23:59:59Z' } }),
      409,
      'contract_end_not_extended',
    );
    expect(await written()).toEqual(before);
  });

  it('checks the unified social credit code (GB 32100-2015 check character) and keeps names and codes unique', async () => {
    for (const code of ['91350100M000100Y43', '914403001922038216', '9144030071526726XG', '91330100716105852F']) {
      expect(isValidUnifiedSocialCreditCode(code)).toBe(true);
    }
    for (const code of ['91350100M000100Y44', '91350100M000100Y4', '91350100m000100Y43', '91350100I000100Y43', '9144030071526726X0']) {
      expect(isValidUnifiedSocialCreditCode(code)).toBe(false);
    }
    await as('victor')
      .post('/v1/vendors')
      .send({ ...minimal('Shenzhen Data Services'), unifiedSocialCreditCode: '914403001922038216' })
      .expect(201);
    const before = await written();
    expectProblem(await as('victor').post('/v1/vendors').send(minimal(acme.name)), 409, 'vendor_exists');
    expectProblem(
      await as('victor')
        .post('/v1/vendors')
        .send({ ...minimal('Another Name'), unifiedSocialCreditCode: '914403001922038216' }),
      409,
      'vendor_exists',
    );
    expect(await written()).toEqual(before);
  });

  it('lists vendors oldest first, filtered by status and contract purpose, a page at a time', async () => {
    const all = (await as('aude').get('/v1/vendors?limit=200').expect(200)).body.items as Array<{ id: string; createdAt: string }>;
    expect(all.length).toBeGreaterThanOrEqual(3);
    expect(all.map((v) => v.createdAt)).toEqual(all.map((v) => v.createdAt).sort());
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const res: Response = await as('olivia')
        .get(`/v1/vendors?limit=1${cursor ? `&cursor=${cursor}` : ''}`)
        .expect(200);
      paged.push(...res.body.items.map((v: { id: string }) => v.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(paged).toEqual(all.map((v) => v.id));

    const marketing = await as('petra').get('/v1/vendors?purpose=card_marketing').expect(200);
    expect(marketing.body.items.map((v: { id: string }) => v.id)).toEqual([acmeId]);
    expect((await as('petra').get('/v1/vendors?status=suspended').expect(200)).body.items).toEqual([]);
    expect((await as('petra').get('/v1/vendors?status=active').expect(200)).body.items).toHaveLength(all.length);
  });

  it('offers snapshots of status, contract window and purposes for the decision engine', async () => {
    const all = await t.container.vendors.loadAll();
    expect(all).toContainEqual({
      id: acmeId,
      status: 'active',
      contractStartsAt: '2026-01-01T00:00:00.000Z',
      contractEndsAt: '2028-06-30T00:00:00.000Z',
      purposes: ['card_marketing', 'loan_servicing'],
    });
    expect(await t.container.vendors.loadOne(acmeId)).toEqual(all.find((v) => v.id === acmeId));
    expect(await t.container.vendors.loadOne('00000000-0000-4000-8000-000000000000')).toBeUndefined();
  });

  it('ties vendor OAuth clients to registered vendors with a foreign key', async () => {
    const fk = (await t.container.db.raw(
      `select conname from pg_constraint where conrelid = 'oauth_clients'::regclass and confrelid = 'vendors'::regclass and contype = 'f'`,
    )) as { rows: Array<{ conname: string }> };
    expect(fk.rows.map((r) => r.conname)).toEqual(['oauth_clients_vendor_fk']);
  });

  it('answers 404 for an unknown vendor and 400 for a malformed id', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    expectProblem(await as('victor').get(`/v1/vendors/${unknown}`), 404, 'not_found');
    expectProblem(
      await as('victor')
        .patch(`/v1/vendors/${unknown}`)
        .send({ contacts: minimal('x').contacts }),
      404,
      'not_found',
    );
    expectProblem(await as('victor').get(`/v1/vendors/${unknown}/status-history`), 404, 'not_found');
    expectProblem(await as('victor').get('/v1/vendors/not-a-uuid'), 400, 'validation_failed');
    expectProblem(
      await as('victor')
        .patch('/v1/vendors/42')
        .send({ contacts: minimal('x').contacts }),
      400,
      'validation_failed',
    );
  });

  it('keeps vendor registration to vendor managers (data owners, privacy officers, admins, app managers get 403)', async () => {
    const before = await written();
    for (const who of ['olivia', 'petra', 'root-admin', 'apu', 'aude']) {
      expectProblem(
        await as(who)
          .post('/v1/vendors')
          .send(minimal(`Rogue ${who}`)),
        403,
        'forbidden',
      );
      expectProblem(
        await as(who)
          .patch(`/v1/vendors/${acmeId}`)
          .send({ contract: { endsAt: '2030-01-01T00:00:00Z' } }),
        403,
        'forbidden',
      );
    }
    expectProblem(await as('apu').get('/v1/vendors'), 403, 'forbidden');
    expectProblem(await t.http.get('/v1/vendors'), 401, 'unauthorized');
    expect(await written()).toEqual(before);
  });

  const future = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
  it.each([
    ['no name', { ...minimal('x'), name: undefined }],
    ['a blank name', minimal('   ')],
    ['a name that is a number', { ...minimal('x'), name: 7 }],
    ['no contacts', { ...minimal('New Co'), contacts: [] }],
    ['a contact without email or phone', { ...minimal('New Co'), contacts: [{ name: 'Nobody' }] }],
    ['a malformed email', { ...minimal('New Co'), contacts: [{ name: 'A', email: 'not-an-email' }] }],
    ['a malformed phone', { ...minimal('New Co'), contacts: [{ name: 'A', phone: 'call me' }] }],
    ['an unknown contact field', { ...minimal('New Co'), contacts: [{ name: 'A', email: 'a@b.example', idNumber: '1' }] }],
    ['no contract', { ...minimal('New Co'), contract: undefined }],
    ['a contract without reference', { ...minimal('New Co'), contract: { ...contract, reference: undefined } }],
    ['a contract ending before it starts', { ...minimal('New Co'), contract: { ...contract, endsAt: '2025-12-31T00:00:00Z' } }],
    ['a contract ending as it starts', { ...minimal('New Co'), contract: { ...contract, endsAt: contract.startsAt } }],
    ['a date without a time', { ...minimal('New Co'), contract: { ...contract, startsAt: '2026-01-01' } }],
    ['a timestamp without an offset', { ...minimal('New Co'), contract: { ...contract, startsAt: '2026-01-01T00:00:00' } }],
    ['a start in year 0', { ...minimal('New Co'), contract: { ...contract, startsAt: '0000-01-01T00:00:00Z' } }],
    ['no purposes', { ...minimal('New Co'), contract: { ...contract, purposes: [] } }],
    ['an unknown purpose', minimal('New Co', ['collections', 'no_such_purpose'])],
    ['a retired purpose', minimal('New Co', ['old_campaign'])],
    ['a purpose listed twice', minimal('New Co', ['collections', 'collections'])],
    ['a malformed purpose key', minimal('New Co', ['Collections'])],
    ['an unknown contract field', { ...minimal('New Co'), contract: { ...contract, value: 1000000 } }],
    ['a bad credit code check character', { ...minimal('New Co'), unifiedSocialCreditCode: '91350100M000100Y44' }],
    ['a short credit code', { ...minimal('New Co'), unifiedSocialCreditCode: '91350100M000100Y4' }],
    ['a lower-case credit code', { ...minimal('New Co'), unifiedSocialCreditCode: '91350100m000100Y43' }],
    ['an assessment in the future', { ...minimal('New Co'), securityAssessment: { assessedAt: future, result: 'pass' } }],
    ['an unknown assessment result', { ...minimal('New Co'), securityAssessment: { assessedAt: '2026-01-05', result: 'great' } }],
    ['a malformed assessment date', { ...minimal('New Co'), securityAssessment: { assessedAt: '2026-13-01', result: 'pass' } }],
    ['a status in the body', { ...minimal('New Co'), status: 'suspended' }],
    ['an unknown field', { ...minimal('New Co'), rating: 'AAA' }],
  ])('refuses a vendor with %s (400) and writes nothing', async (_label, body) => {
    const before = await written();
    expectProblem(
      await as('victor')
        .post('/v1/vendors')
        .send(body as object),
      400,
      'validation_failed',
    );
    expect(await written()).toEqual(before);
  });

  it.each([
    ['an empty change', {}],
    ['an empty contract change', { contract: {} }],
    ['a new name', { name: 'Renamed' }],
    ['a new start', { contract: { startsAt: '2025-01-01T00:00:00Z' } }],
    ['a status', { status: 'terminated' }],
    ['no contacts', { contacts: [] }],
    ['null assessment', { securityAssessment: null }],
    ['an assessment without result', { securityAssessment: { assessedAt: '2026-01-05' } }],
    ['a malformed end', { contract: { endsAt: 'next year' } }],
    ['no purposes', { contract: { purposes: [] } }],
    ['a purpose listed twice', { contract: { purposes: ['collections', 'collections'] } }],
  ])('refuses a vendor change with %s (400) and writes nothing', async (_label, body) => {
    const before = await written();
    expectProblem(await as('victor').patch(`/v1/vendors/${acmeId}`).send(body), 400, 'validation_failed');
    expect(await written()).toEqual(before);
  });

  it.each([
    ['an unknown status', 'status=paused'],
    ['a malformed purpose', 'purpose=Not%20A%20Key'],
    ['a limit too large', 'limit=1000'],
    ['an unknown parameter', 'name=Acme'],
    ['a forged cursor', `cursor=${Buffer.from('2026-01-01_x').toString('base64url')}`],
    ['a cursor that is not a timestamp', `cursor=${Buffer.from('1_00000000-0000-4000-8000-000000000000').toString('base64url')}`],
  ])('refuses a vendor list query with %s (400)', async (_label, query) => {
    expectProblem(await as('victor').get(`/v1/vendors?${query}`), 400, 'validation_failed');
  });

  it('answers malformed JSON, another media type and oversized bodies with 4xx problems, writing nothing', async () => {
    const before = await written();
    expectProblem(await as('victor').post('/v1/vendors').set('Content-Type', 'application/json').send('{"name": "x",'), 400);
    expectProblem(await as('victor').patch(`/v1/vendors/${acmeId}`).set('Content-Type', 'application/json').send('[1,2'), 400);
    expectProblem(await as('victor').post('/v1/vendors').set('Content-Type', 'text/plain').send('name=x'), 415);
    expectProblem(
      await as('victor').patch(`/v1/vendors/${acmeId}`).set('Content-Type', 'application/x-www-form-urlencoded').send('a=b'),
      415,
    );
    const huge = 'x'.repeat(200 * 1024);
    expectProblem(
      await as('victor')
        .post('/v1/vendors')
        .send({ ...minimal('Huge Co'), contract: { ...contract, reference: huge } }),
      413,
    );
    expectProblem(
      await as('victor')
        .patch(`/v1/vendors/${acmeId}`)
        .send({ contacts: [{ name: huge, email: 'a@b.example' }] }),
      413,
    );
    expect(await written()).toEqual(before);
  });
});
