import { createTestApp, expectProblem, type TestApp } from '../helpers/app';
import { Factories } from '../helpers/factories';
import { registerSecretClient, tokenFor } from '../helpers/oauth';

// AuthZEN resource and subject search over the vendor access view: every result evaluates to
// allow and every allow is found (property test over random grants), the specification's
// pagination with request-bound page tokens, one access.searched audit event per search.

let t: TestApp;
let f: Factories;
let pep: string;
const DAY = 86_400_000;
const staff = async (sub: string) => ({ Authorization: `Bearer ${await t.staffToken(sub)}` });
const FIELDS: Array<[string, 'none' | 'personal' | 'sensitive']> = [
  ['name', 'personal'],
  ['phone', 'personal'],
  ['branch', 'none'],
];

interface GrantSpec {
  vendor: string;
  asset: string;
  fields: string[];
  actions: string[];
  purpose: string;
  validFrom?: string;
  dailyRecordCap?: number;
}

async function grant(g: GrantSpec): Promise<void> {
  const req = await t.http
    .post('/v1/access-grants')
    .set(await staff('vic'))
    .send({ ...g, validUntil: new Date(Date.now() + 30 * DAY).toISOString(), justification: 'Calls to customers' });
  if (req.status !== 201) throw new Error(`grant: ${req.status} ${JSON.stringify(req.body)}`);
  await t.http
    .post(`/v1/access-grants/${req.body.id}/approve`)
    .set(await staff('olivia'))
    .send({})
    .expect(200);
}

const post = (path: string, body: object, token = pep) => t.http.post(path).set('Authorization', `Bearer ${token}`).send(body);
const searchEvents = async () => t.container.audit.list({ action: 'access.searched' }, 1000);

type Page = {
  page: { next_token: string; count: number };
  results: Array<{ type: string; id: string; properties?: { key?: string; fields: string[] } }>;
};

/** Every page of a search, following next_token until it is empty. */
async function allPages(path: string, body: Record<string, unknown>, limit: number): Promise<Page['results']> {
  const results: Page['results'] = [];
  let token: string | undefined;
  for (let i = 0; i < 100; i++) {
    const res = await post(path, { ...body, page: { limit, ...(token ? { token } : {}) } });
    expect(res.status).toBe(200);
    const page = res.body as Page;
    expect(page.page.count).toBe(page.results.length);
    expect(page.results.length).toBeLessThanOrEqual(limit);
    results.push(...page.results);
    if (page.page.next_token === '') return results;
    expect(page.results.length).toBe(limit);
    token = page.page.next_token;
  }
  throw new Error('pagination did not end');
}

beforeAll(async () => {
  t = await createTestApp();
  f = new Factories(t);
  await f.department('RETAIL');
  await t.grantRole('olivia', 'data_owner', 'RETAIL');
  await t.grantRole('vic', 'vendor_manager', '*');
  await t.grantRole('pat', 'privacy_officer', '*');
  await f.purpose('collections');
  await f.purpose('offers', 'consent', 'pat');
  pep = await tokenFor(t, await registerSecretClient(t, { roles: ['pep'], scopes: [] }));
});
afterAll(() => t.close());

describe('AuthZEN search: pagination, tokens, audit, security', () => {
  let vendor: string;
  let other: string;
  const assets: Array<{ id: string; key: string }> = [];
  const resourceSearch = (extra: object = {}) => ({
    subject: { type: 'vendor', id: vendor },
    action: { name: 'read' },
    resource: { type: 'data_asset' },
    context: { purpose: 'collections' },
    ...extra,
  });

  beforeAll(async () => {
    vendor = await f.vendor({ purposes: ['collections', 'offers'], manager: 'vic' });
    other = await f.vendor({ purposes: ['collections'], manager: 'vic' });
    for (let i = 0; i < 3; i++) assets.push(await f.asset('RETAIL', FIELDS, 'olivia'));
    assets.sort((a, b) => (a.id < b.id ? -1 : 1));
    for (const a of assets) await grant({ vendor, asset: a.key, fields: ['name', 'branch'], actions: ['read'], purpose: 'collections' });
    await grant({ vendor: other, asset: assets[0].key, fields: ['name'], actions: ['read'], purpose: 'collections' });
  });

  it('answers a resource search with each asset and its allowed fields, paged in id order as the specification says', async () => {
    const everything = await post('/access/v1/search/resource', resourceSearch()).expect(200);
    expect(Object.keys(everything.body)[0]).toBe('page');
    expect(everything.body).toEqual({
      page: { next_token: '', count: 3 },
      results: assets.map((a) => ({ type: 'data_asset', id: a.id, properties: { key: a.key, fields: ['branch', 'name'] } })),
    });
    const paged = await allPages('/access/v1/search/resource', resourceSearch(), 2);
    expect(paged).toEqual(everything.body.results);
    const one = await allPages('/access/v1/search/resource', resourceSearch(), 1);
    expect(one.map((r) => r.id)).toEqual(assets.map((a) => a.id));
  });

  it('answers a subject search with the vendors allowed every requested field, paged', async () => {
    const body = {
      subject: { type: 'vendor' },
      action: { name: 'read' },
      resource: { type: 'data_asset', id: assets[0].key, properties: { fields: ['name'] } },
      context: { purpose: 'collections' },
    };
    const both = await post('/access/v1/search/subject', body).expect(200);
    expect(both.body).toEqual({
      page: { next_token: '', count: 2 },
      results: [vendor, other].sort().map((id) => ({ type: 'vendor', id })),
    });
    expect(await allPages('/access/v1/search/subject', body, 1)).toEqual(both.body.results);
    const branch = await post('/access/v1/search/subject', {
      ...body,
      resource: { ...body.resource, properties: { fields: ['name', 'branch'] } },
    }).expect(200);
    expect(branch.body.results).toEqual([{ type: 'vendor', id: vendor }]);
    const phone = await post('/access/v1/search/subject', {
      ...body,
      resource: { ...body.resource, properties: { fields: ['phone'] } },
    }).expect(200);
    expect(phone.body).toEqual({ page: { next_token: '', count: 0 }, results: [] });
    const unknown = await post('/access/v1/search/subject', { ...body, resource: { ...body.resource, id: 'retail.nothing_here' } }).expect(
      200,
    );
    expect(unknown.body.results).toEqual([]);
  });

  it('ignores the searched entity’s id, as the specification says', async () => {
    const res = await post('/access/v1/search/resource', resourceSearch({ resource: { type: 'data_asset', id: assets[1].key } })).expect(
      200,
    );
    expect(res.body.page.count).toBe(3);
  });

  it('refuses a page token that was altered, forged, or sent with a changed request (400), and answers nothing', async () => {
    const first = await post('/access/v1/search/resource', resourceSearch({ page: { limit: 1 } })).expect(200);
    const token: string = first.body.page.next_token;
    expect(token).not.toBe('');
    await post('/access/v1/search/resource', resourceSearch({ page: { limit: 1, token } })).expect(200);
    const before = (await searchEvents()).length;
    const [encoded, mac] = token.split('.');
    const forged = `${Buffer.from(assets[1].id).toString('base64url')}.${mac}`;
    const flipped = `${encoded}.${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`;
    for (const [label, body] of [
      ['changed limit', resourceSearch({ page: { limit: 2, token } })],
      ['default limit', resourceSearch({ page: { token } })],
      ['changed purpose', resourceSearch({ context: { purpose: 'offers' }, page: { limit: 1, token } })],
      ['changed action', resourceSearch({ action: { name: 'export' }, page: { limit: 1, token } })],
      ['changed vendor', resourceSearch({ subject: { type: 'vendor', id: other }, page: { limit: 1, token } })],
      ['added customer', resourceSearch({ context: { purpose: 'collections', customer: 'C1' }, page: { limit: 1, token } })],
      ['forged cursor', resourceSearch({ page: { limit: 1, token: forged } })],
      ['flipped mac', resourceSearch({ page: { limit: 1, token: flipped } })],
      ['garbage', resourceSearch({ page: { limit: 1, token: 'not-a-token' } })],
      ['empty', resourceSearch({ page: { limit: 1, token: '' } })],
      ['three parts', resourceSearch({ page: { limit: 1, token: `${token}.x` } })],
    ] as const) {
      const res = await post('/access/v1/search/resource', body);
      expect([label, res.status]).toEqual([label, 400]);
      expectProblem(res, 400, 'validation_failed');
    }
    const subjectBody = {
      subject: { type: 'vendor' },
      action: { name: 'read' },
      resource: { type: 'data_asset', id: assets[0].key, properties: { fields: ['name'] } },
      context: { purpose: 'collections' },
    };
    expectProblem(await post('/access/v1/search/subject', { ...subjectBody, page: { limit: 1, token } }), 400, 'validation_failed');
    expect((await searchEvents()).length).toBe(before);
  });

  it.each([
    ['limit 0', { page: { limit: 0 } }],
    ['limit above 200', { page: { limit: 201 } }],
    ['a fractional limit', { page: { limit: 1.5 } }],
    ['another subject type', { subject: { type: 'user', id: 'alice@example.com' } }],
    ['no subject id', { subject: { type: 'vendor' } }],
    ['another resource type', { resource: { type: 'account' } }],
    ['no action', { action: undefined }],
    ['an unknown action', { action: { name: 'delete' } }],
    ['no context', { context: undefined }],
    ['no purpose', { context: { records: 1 } }],
    ['a customer and customers', { context: { purpose: 'collections', customer: 'C1', customers: ['C2'] } }],
  ])('refuses a resource search with %s (400)', async (_label, change) => {
    expectProblem(await post('/access/v1/search/resource', resourceSearch(change)), 400, 'validation_failed');
  });

  it.each([
    ['no fields', { resource: { type: 'data_asset', id: 'retail.x' } }],
    ['no resource id', { resource: { type: 'data_asset', properties: { fields: ['name'] } } }],
    ['a bad field name', { resource: { type: 'data_asset', id: 'retail.x', properties: { fields: ['Name; drop'] } } }],
    ['another subject type', { subject: { type: 'user' } }],
  ])('refuses a subject search with %s (400)', async (_label, change) => {
    const body = {
      subject: { type: 'vendor' },
      action: { name: 'read' },
      resource: { type: 'data_asset', id: 'retail.x', properties: { fields: ['name'] } },
      context: { purpose: 'collections' },
      ...change,
    };
    expectProblem(await post('/access/v1/search/subject', body), 400, 'validation_failed');
  });

  it('audits every search as access.searched with what was asked and how much was answered, never a customer id', async () => {
    const first = await post(
      '/access/v1/search/resource',
      resourceSearch({ context: { purpose: 'collections', customer: 'CUST-SECRET-1' }, page: { limit: 2 } }),
    ).expect(200);
    const [event] = await searchEvents();
    expect(event).toMatchObject({ actorType: 'client', objectType: 'vendor', objectId: vendor });
    expect(event.details).toEqual({
      search: 'resource',
      action: 'read',
      purpose: 'collections',
      customers: 1,
      records: null,
      continued: false,
      count: 2,
      more: true,
      assets: first.body.results.map((r: { id: string }) => r.id),
    });
    expect(JSON.stringify(event)).not.toContain('CUST-SECRET-1');
    await post('/access/v1/search/subject', {
      subject: { type: 'vendor' },
      action: { name: 'read' },
      resource: { type: 'data_asset', id: assets[0].key, properties: { fields: ['name'] } },
      context: { purpose: 'collections' },
    }).expect(200);
    const [subjectEvent] = await searchEvents();
    expect(subjectEvent).toMatchObject({
      objectType: 'data_asset',
      objectId: assets[0].id,
      details: { search: 'subject', fields: ['name'], count: 2, more: false },
    });
  });

  it('has the security of the evaluations: machine clients with role pep only', async () => {
    const body = resourceSearch();
    expectProblem(await t.http.post('/access/v1/search/resource').send(body), 401);
    expectProblem(await t.http.post('/access/v1/search/subject').send(body), 401);
    expectProblem(
      await t.http
        .post('/access/v1/search/resource')
        .set(await staff('root-admin'))
        .send(body),
      401,
    );
    const collector = await tokenFor(t, await registerSecretClient(t, { roles: ['consent_collector'], scopes: [] }));
    expectProblem(await post('/access/v1/search/resource', body, collector), 403);
    expectProblem(await post('/access/v1/search/subject', body, collector), 403);
  });
});

/** A small seeded generator, so a failing case can be replayed. */
function prng(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let x = s;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  return {
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)],
    subset: <T>(xs: readonly T[]): T[] => {
      const out = xs.filter(() => next() < 0.5);
      return out.length > 0 ? out : [xs[Math.floor(next() * xs.length)]];
    },
  };
}

describe('AuthZEN search is exactly what evaluations allow (property, random grants)', () => {
  const SEED = 20261205;
  const vendors: string[] = [];
  const assets: Array<{ id: string; key: string }> = [];
  const contexts: Array<Record<string, unknown>> = [
    { purpose: 'collections' },
    { purpose: 'collections', records: 5 },
    { purpose: 'offers', records: 1 },
    { purpose: 'offers', customer: 'C-PROP-1', records: 1 },
  ];
  const actions = ['read', 'export'];

  beforeAll(async () => {
    const r = prng(SEED);
    for (let i = 0; i < 4; i++) vendors.push(await f.vendor({ purposes: ['collections', 'offers'], manager: 'vic' }));
    for (let i = 0; i < 3; i++) assets.push(await f.asset('RETAIL', FIELDS, 'olivia'));
    for (let i = 0; i < 12; i++) {
      await grant({
        vendor: r.pick(vendors),
        asset: r.pick(assets).key,
        fields: r.subset(FIELDS.map(([name]) => name)),
        actions: r.subset(actions),
        purpose: r.pick(['collections', 'offers']),
        ...(r.int(5) === 0 ? { validFrom: new Date(Date.now() + 2 * DAY).toISOString() } : {}),
        ...(r.int(3) === 0 ? { dailyRecordCap: 1000 } : {}),
      });
    }
    // A suspended vendor keeps its lines but is allowed nothing.
    await t.http
      .post(`/v1/vendors/${vendors[0]}/suspend`)
      .set(await staff('pat'))
      .send({ reason: 'Containment' })
      .expect(200);
  });

  const evaluate = async (
    vendor: string,
    asset: string,
    fields: string[],
    action: string,
    context: Record<string, unknown>,
  ): Promise<boolean> => {
    const res = await post('/access/v1/evaluation', {
      subject: { type: 'vendor', id: vendor },
      action: { name: action },
      resource: { type: 'data_asset', id: asset, properties: { fields } },
      context,
    });
    expect(res.status).toBe(200);
    return res.body.decision as boolean;
  };

  it('resource search: every result evaluates to allow, and every allowed field is found', async () => {
    let allows = 0;
    for (const vendor of vendors) {
      for (const action of actions) {
        for (const context of contexts) {
          const results = await allPages(
            '/access/v1/search/resource',
            { subject: { type: 'vendor', id: vendor }, action: { name: action }, resource: { type: 'data_asset' }, context },
            1,
          );
          const found = new Map(results.map((r) => [r.id, r.properties?.fields ?? []]));
          for (const result of results)
            expect(await evaluate(vendor, result.id, result.properties?.fields ?? [], action, context)).toBe(true);
          for (const asset of assets) {
            for (const [field] of FIELDS) {
              const allowed = await evaluate(vendor, asset.id, [field], action, context);
              if (allowed) allows += 1;
              expect([vendor, asset.id, field, action, context, found.get(asset.id)?.includes(field) ?? false]).toEqual([
                vendor,
                asset.id,
                field,
                action,
                context,
                allowed,
              ]);
            }
          }
        }
      }
    }
    expect(allows).toBeGreaterThan(0);
  });

  it('subject search: every result evaluates to allow, and every allowed vendor is found', async () => {
    const r = prng(SEED + 1);
    let allows = 0;
    for (const asset of assets) {
      for (const action of actions) {
        for (const context of contexts) {
          const fields = r.subset(FIELDS.map(([name]) => name));
          const results = await allPages(
            '/access/v1/search/subject',
            {
              subject: { type: 'vendor' },
              action: { name: action },
              resource: { type: 'data_asset', id: asset.key, properties: { fields } },
              context,
            },
            1,
          );
          const found = new Set(results.map((x) => x.id));
          for (const vendor of vendors) {
            const allowed = await evaluate(vendor, asset.key, fields, action, context);
            if (allowed) allows += 1;
            expect([vendor, asset.key, fields, action, context, found.has(vendor)]).toEqual([
              vendor,
              asset.key,
              fields,
              action,
              context,
              allowed,
            ]);
          }
        }
      }
    }
    expect(allows).toBeGreaterThan(0);
  });
});
