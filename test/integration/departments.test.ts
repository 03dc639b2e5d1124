import { createTestApp, expectProblem, type TestApp } from '../helpers/app';

let t: TestApp;
let admin: string;
let owner: string;

beforeAll(async () => {
  t = await createTestApp();
  admin = await t.staffToken('root-admin');
  owner = await t.staffToken('olivia');
  await t.http
    .post('/v1/departments')
    .set('Authorization', `Bearer ${admin}`)
    .send({ code: 'RETAIL', name: 'Retail banking', kind: 'business' })
    .expect(201);
  await t.grantRole('olivia', 'data_owner', 'RETAIL');
});
afterAll(() => t.close());

describe('departments', () => {
  it('lets an admin create, read, list and update a department, each change audited', async () => {
    const created = await t.http
      .post('/v1/departments')
      .set('Authorization', `Bearer ${admin}`)
      .send({ code: 'RETAIL_CARDS', name: 'Cards', kind: 'business', parent: 'RETAIL' })
      .expect(201);
    expect(created.body).toMatchObject({ code: 'RETAIL_CARDS', parent: 'RETAIL', kind: 'business' });

    const got = await t.http.get('/v1/departments/RETAIL_CARDS').set('Authorization', `Bearer ${owner}`).expect(200);
    expect(got.body.name).toBe('Cards');

    const updated = await t.http
      .patch('/v1/departments/RETAIL_CARDS')
      .set('Authorization', `Bearer ${admin}`)
      .send({ name: 'Card services' })
      .expect(200);
    expect(updated.body.name).toBe('Card services');

    const audit = await t.http
      .get('/v1/audit?objectType=department&objectId=RETAIL_CARDS')
      .set('Authorization', `Bearer ${admin}`)
      .expect(200);
    expect(audit.body.items.map((e: { action: string }) => e.action)).toEqual(['department.updated', 'department.created']);
    expect(audit.body.items[0]).toMatchObject({ actorType: 'staff', actorId: 'root-admin' });
  });

  it('pages through departments with a cursor', async () => {
    const first = await t.http.get('/v1/departments?limit=1').set('Authorization', `Bearer ${admin}`).expect(200);
    expect(first.body.items).toHaveLength(1);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await t.http
      .get(`/v1/departments?limit=1&cursor=${first.body.nextCursor}`)
      .set('Authorization', `Bearer ${admin}`)
      .expect(200);
    expect(second.body.items[0].code).not.toBe(first.body.items[0].code);
  });

  it('refuses a data owner creating a department (403) and writes nothing', async () => {
    const res = await t.http
      .post('/v1/departments')
      .set('Authorization', `Bearer ${owner}`)
      .send({ code: 'EVIL', name: 'x', kind: 'business' });
    expectProblem(res, 403, 'forbidden');
    await t.http.get('/v1/departments/EVIL').set('Authorization', `Bearer ${admin}`).expect(404);
  });

  it('refuses staff without any role', async () => {
    const nobody = await t.staffToken('nobody');
    expectProblem(await t.http.get('/v1/departments').set('Authorization', `Bearer ${nobody}`), 403);
  });

  it.each([
    ['missing field', { code: 'OPS', kind: 'business' }],
    ['wrong type', { code: 'OPS', name: 7, kind: 'business' }],
    ['unknown field', { code: 'OPS', name: 'Ops', kind: 'business', colour: 'red' }],
    ['bad kind', { code: 'OPS', name: 'Ops', kind: 'shadow' }],
    ['bad code', { code: 'ops dept', name: 'Ops', kind: 'business' }],
    ['unknown parent', { code: 'OPS', name: 'Ops', kind: 'business', parent: 'NOPE' }],
  ])('answers 400 problem+json for %s and writes nothing', async (_label, body) => {
    const before = await t.container.audit.verify();
    const res = await t.http.post('/v1/departments').set('Authorization', `Bearer ${admin}`).send(body);
    expectProblem(res, 400, 'validation_failed');
    expect(res.body.detail).toEqual(expect.any(String));
    await t.http.get('/v1/departments/OPS').set('Authorization', `Bearer ${admin}`).expect(404);
    expect((await t.container.audit.verify()).checked).toBe(before.checked);
  });

  it('answers 409 for a duplicate code and for a parent cycle', async () => {
    expectProblem(
      await t.http
        .post('/v1/departments')
        .set('Authorization', `Bearer ${admin}`)
        .send({ code: 'RETAIL', name: 'again', kind: 'business' }),
      409,
      'department_exists',
    );
    expectProblem(
      await t.http.patch('/v1/departments/RETAIL').set('Authorization', `Bearer ${admin}`).send({ parent: 'RETAIL_CARDS' }),
      409,
      'department_cycle',
    );
  });

  it('answers malformed JSON, wrong media type and oversized bodies with 4xx problems', async () => {
    expectProblem(
      await t.http.post('/v1/departments').set('Authorization', `Bearer ${admin}`).set('Content-Type', 'application/json').send('{"code":'),
      400,
    );
    expectProblem(
      await t.http.post('/v1/departments').set('Authorization', `Bearer ${admin}`).set('Content-Type', 'text/plain').send('code=X'),
      415,
    );
    const huge = { code: 'BIG', name: 'x'.repeat(200 * 1024), kind: 'business' };
    expectProblem(await t.http.post('/v1/departments').set('Authorization', `Bearer ${admin}`).send(huge), 413);
  });
});
