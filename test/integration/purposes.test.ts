import { PURPOSE_CHANGED } from '../../services/purposes';
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
async function written(): Promise<{ purposes: number; audit: number }> {
  const count = async (table: string) => Number(((await t.container.db(table).count({ n: '*' })) as Array<{ n: number }>)[0].n);
  return { purposes: await count('purposes'), audit: await count('audit_events') };
}

const marketing = {
  key: 'credit_card_marketing',
  description: 'Marketing credit cards to existing customers',
  legalBasis: 'consent',
  retentionDays: 365,
};

beforeAll(async () => {
  t = await createTestApp();
  for (const who of ['root-admin', 'petra', 'pia', 'pedro', 'olivia', 'victor', 'apu', 'aude', 'nobody'])
    tokens[who] = await t.staffToken(who);
  for (const code of ['RETAIL', 'PRIVACY', 'PROCUREMENT']) {
    await as('root-admin').post('/v1/departments').send({ code, name: code, kind: 'business' }).expect(201);
  }
  await t.grantRole('petra', 'privacy_officer', '*');
  await t.grantRole('pia', 'privacy_officer', '*');
  await t.grantRole('pedro', 'privacy_officer', 'PRIVACY');
  await t.grantRole('olivia', 'data_owner', 'RETAIL');
  await t.grantRole('victor', 'vendor_manager', 'PROCUREMENT');
  await t.grantRole('apu', 'app_manager', 'RETAIL');
  await t.grantRole('aude', 'auditor', '*');
  t.container.changes.subscribe(PURPOSE_CHANGED, (payload) => void notices.push(payload));
});
afterAll(() => t.close());

describe('purposes', () => {
  it('lets a privacy officer define, read, change and retire a purpose, each change audited and announced', async () => {
    const created = await as('petra').post('/v1/purposes').send(marketing).expect(201);
    expect(created.body).toMatchObject({ ...marketing, status: 'active', retiredAt: null, id: expect.any(String) });

    const got = await as('olivia').get('/v1/purposes/credit_card_marketing').expect(200);
    expect(got.body).toEqual(created.body);

    const updated = await as('pia')
      .patch('/v1/purposes/credit_card_marketing')
      .send({ description: 'Marketing credit cards', retentionDays: 180 })
      .expect(200);
    expect(updated.body).toMatchObject({ description: 'Marketing credit cards', retentionDays: 180, legalBasis: 'consent' });

    const retired = await as('petra').post('/v1/purposes/credit_card_marketing/retire').expect(200);
    expect(retired.body).toMatchObject({ status: 'retired', retiredAt: expect.any(String) });

    const audit = await as('aude').get('/v1/audit?objectType=purpose&objectId=credit_card_marketing').expect(200);
    expect(audit.body.items.map((e: { action: string }) => e.action)).toEqual(['purpose.retired', 'purpose.updated', 'purpose.created']);
    expect(audit.body.items[1]).toMatchObject({
      actorId: 'pia',
      details: { before: { retentionDays: 365 }, after: { retentionDays: 180 } },
    });
    expect(notices.filter((n) => n.key === 'credit_card_marketing')).toHaveLength(3);
  });

  it('lists purposes by key, filtered by legal basis and status, a page at a time', async () => {
    for (const [key, legalBasis] of [
      ['loan_servicing', 'contract'],
      ['aml.screening', 'legal_obligation'],
      ['payroll', 'hr'],
    ]) {
      await as('petra').post('/v1/purposes').send({ key, legalBasis, description: key, retentionDays: 30 }).expect(201);
    }
    const all = await as('victor').get('/v1/purposes').expect(200);
    const keys = all.body.items.map((p: { key: string }) => p.key);
    expect(keys).toEqual([...keys].sort());
    expect(keys).toEqual(expect.arrayContaining(['aml.screening', 'loan_servicing', 'payroll']));

    const contract = await as('apu').get('/v1/purposes?legalBasis=contract').expect(200);
    expect(contract.body.items.map((p: { key: string }) => p.key)).toEqual(['loan_servicing']);
    const retired = await as('aude').get('/v1/purposes?status=retired').expect(200);
    expect(retired.body.items.every((p: { status: string }) => p.status === 'retired')).toBe(true);

    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const res: Response = await as('petra')
        .get(`/v1/purposes?limit=3${cursor ? `&cursor=${cursor}` : ''}`)
        .expect(200);
      expect(res.body.items.length).toBeLessThanOrEqual(3);
      paged.push(...res.body.items.map((p: { key: string }) => p.key));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(paged).toEqual(keys);
    expect(keys.length).toBeGreaterThan(3);
  });

  it('keeps purposes to privacy officers: data owners, vendor managers and admins may only read', async () => {
    const before = await written();
    const body = { ...marketing, key: 'sneaky' };
    expectProblem(await as('olivia').post('/v1/purposes').send(body), 403, 'forbidden');
    expectProblem(await as('victor').post('/v1/purposes').send(body), 403, 'forbidden');
    expectProblem(await as('root-admin').post('/v1/purposes').send(body), 403, 'forbidden');
    expectProblem(await as('victor').patch('/v1/purposes/payroll').send({ retentionDays: 1 }), 403, 'forbidden');
    expectProblem(await as('olivia').post('/v1/purposes/payroll/retire'), 403, 'forbidden');
    expectProblem(await as('aude').post('/v1/purposes/payroll/retire'), 403, 'forbidden');
    // Purposes are bank-wide: a privacy officer of one department reads them but never changes them.
    expectProblem(await as('pedro').post('/v1/purposes').send(body), 403, 'forbidden');
    expectProblem(await as('pedro').patch('/v1/purposes/payroll').send({ retentionDays: 1 }), 403, 'forbidden');
    expectProblem(await as('pedro').post('/v1/purposes/payroll/retire'), 403, 'forbidden');
    await as('pedro').get('/v1/purposes/payroll').expect(200);
    expectProblem(await as('nobody').get('/v1/purposes'), 403, 'forbidden');
    expectProblem(await t.http.get('/v1/purposes'), 401, 'unauthorized');
    for (const who of ['root-admin', 'olivia', 'victor', 'apu', 'aude']) await as(who).get('/v1/purposes/payroll').expect(200);
    expect(await written()).toEqual(before);
  });

  it('never changes the legal basis, and freezes a retired purpose (409)', async () => {
    const before = await written();
    const res = await as('petra').patch('/v1/purposes/payroll').send({ legalBasis: 'consent' });
    expectProblem(res, 400, 'validation_failed');
    expect(res.body.errors[0].message).toMatch(/legalBasis/);
    expectProblem(await as('petra').patch('/v1/purposes/credit_card_marketing').send({ retentionDays: 10 }), 409, 'purpose_retired');
    expectProblem(await as('petra').post('/v1/purposes/credit_card_marketing/retire'), 409, 'purpose_retired');
    expect(await written()).toEqual(before);
    expect((await as('petra').get('/v1/purposes/payroll')).body.legalBasis).toBe('hr');
  });

  it('answers 409 for a key that is taken, even by a retired purpose', async () => {
    const before = await written();
    expectProblem(await as('petra').post('/v1/purposes').send(marketing), 409, 'purpose_exists');
    expectProblem(
      await as('petra')
        .post('/v1/purposes')
        .send({ ...marketing, key: 'payroll' }),
      409,
      'purpose_exists',
    );
    expect(await written()).toEqual(before);
  });

  it('answers 404 for an unknown purpose and 400 for a malformed key', async () => {
    expectProblem(await as('petra').get('/v1/purposes/no_such_purpose'), 404, 'not_found');
    expectProblem(await as('petra').patch('/v1/purposes/no_such_purpose').send({ retentionDays: 5 }), 404, 'not_found');
    expectProblem(await as('petra').post('/v1/purposes/no_such_purpose/retire'), 404, 'not_found');
    expectProblem(await as('petra').get('/v1/purposes/Not%20A%20Key'), 400, 'validation_failed');
    expectProblem(await as('petra').post('/v1/purposes/UPPER/retire'), 400, 'validation_failed');
  });

  it.each([
    ['a missing key', { description: 'x', legalBasis: 'consent', retentionDays: 1 }],
    ['a missing legal basis', { key: 'new_one', description: 'x', retentionDays: 1 }],
    ['a missing retention', { key: 'new_one', description: 'x', legalBasis: 'consent' }],
    ['an upper-case key', { ...marketing, key: 'Credit_Card' }],
    ['a key with spaces', { ...marketing, key: 'credit card' }],
    ['a key with a trailing dot', { ...marketing, key: 'retail.' }],
    ['an over-long key', { ...marketing, key: 'k'.repeat(101) }],
    ['an unknown legal basis', { ...marketing, key: 'new_one', legalBasis: 'legitimate_interest' }],
    ['zero retention', { ...marketing, key: 'new_one', retentionDays: 0 }],
    ['negative retention', { ...marketing, key: 'new_one', retentionDays: -5 }],
    ['fractional retention', { ...marketing, key: 'new_one', retentionDays: 1.5 }],
    ['retention as a string', { ...marketing, key: 'new_one', retentionDays: '30' }],
    ['a blank description', { ...marketing, key: 'new_one', description: '   ' }],
    ['an unknown field', { ...marketing, key: 'new_one', status: 'retired' }],
    ['an array body', [marketing]],
  ])('refuses a purpose with %s (400) and writes nothing', async (_label, body) => {
    const before = await written();
    expectProblem(
      await as('petra')
        .post('/v1/purposes')
        .send(body as object),
      400,
      'validation_failed',
    );
    expect(await written()).toEqual(before);
  });

  it.each([
    ['an empty change', {}],
    ['an unknown field', { retentionDays: 10, colour: 'red' }],
    ['a status change', { status: 'active' }],
    ['a wrong type', { description: 42 }],
    ['zero retention', { retentionDays: 0 }],
    ['null description', { description: null }],
  ])('refuses a purpose change with %s (400) and writes nothing', async (_label, body) => {
    const before = await written();
    expectProblem(await as('petra').patch('/v1/purposes/payroll').send(body), 400, 'validation_failed');
    expect(await written()).toEqual(before);
  });

  it.each([
    ['an unknown legal basis', 'legalBasis=whatever'],
    ['an unknown status', 'status=deleted'],
    ['a zero limit', 'limit=0'],
    ['an unknown parameter', 'owner=RETAIL'],
    ['a forged cursor', `cursor=${Buffer.from('a b').toString('base64url')}`],
  ])('refuses a list query with %s (400)', async (_label, query) => {
    expectProblem(await as('petra').get(`/v1/purposes?${query}`), 400, 'validation_failed');
  });

  it('answers malformed JSON, another media type and oversized bodies with 4xx problems, writing nothing', async () => {
    const before = await written();
    const json = (req: ReturnType<ReturnType<typeof as>['post']>) => req.set('Content-Type', 'application/json');
    expectProblem(await json(as('petra').post('/v1/purposes')).send('{"key":'), 400);
    expectProblem(await json(as('petra').patch('/v1/purposes/payroll')).send('{"retentionDays": 5,}'), 400);
    expectProblem(await as('petra').post('/v1/purposes').set('Content-Type', 'text/plain').send('key=x'), 415);
    expectProblem(await as('petra').patch('/v1/purposes/payroll').set('Content-Type', 'text/plain').send('retentionDays=1'), 415);
    const huge = 'x'.repeat(200 * 1024);
    expectProblem(
      await as('petra')
        .post('/v1/purposes')
        .send({ ...marketing, key: 'big', description: huge }),
      413,
    );
    expectProblem(await as('petra').patch('/v1/purposes/payroll').send({ description: huge }), 413);
    expect(await written()).toEqual(before);
  });

  it('offers get(key) to other features', async () => {
    await expect(t.container.purposes.get('payroll')).resolves.toMatchObject({ legalBasis: 'hr', retentionDays: 30, status: 'active' });
    await expect(t.container.purposes.find('nope')).resolves.toBeUndefined();
  });
});
