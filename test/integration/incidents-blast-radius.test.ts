import type { ClientActor } from '../../services/http/route';
import { ManualClock } from '../../services/platform/clock';
import { createTestApp, type TestApp } from '../helpers/app';
import { Factories } from '../helpers/factories';
import { basic } from '../helpers/oauth';

// A hand-computed blast radius over a decision log seeded through the real decision service
// (every decision audited as access.decided) and real vendor tokens (audited as oauth.token_issued).
let t: TestApp;
let f: Factories;
let a1: { id: string; key: string };
let a2: { id: string; key: string };
let v1: string;
let v2: string;
let v3: string;
let v1Client: string;
let incident: string;
let midpoint: string;
// The audit log is stamped by this clock: the window's midpoint is made by moving it, not by waiting.
const clock = new ManualClock(new Date());
const auth = async (sub: string) => ({ Authorization: `Bearer ${await t.staffToken(sub)}` });
const pep: ClientActor = { kind: 'client', clientId: 'pep-test', roles: ['pep'], scopes: [], vendorId: null, tokenId: 'jti' };
const DAY = 86_400_000;

async function grant(vendor: string, asset: { key: string }, fields: string[]): Promise<void> {
  const req = await t.http
    .post('/v1/access-grants')
    .set(await auth('vic'))
    .send({
      vendor,
      asset: asset.key,
      fields,
      actions: ['read'],
      purpose: 'collections',
      validUntil: new Date(Date.now() + 30 * DAY).toISOString(),
      justification: 'Collections',
    })
    .expect(201);
  for (const approver of ['olivia', 'carl', 'pat']) {
    const res = await t.http
      .post(`/v1/access-grants/${req.body.id}/approve`)
      .set(await auth(approver))
      .send({});
    if (res.body.status === 'active') return;
  }
  throw new Error(`grant for ${vendor} not approved`);
}

async function decide(vendor: string, asset: { key: string }, fields: string[], extra: { subject?: string; records?: number } = {}) {
  return t.container.decisions.decide(pep, 'req-seed', {
    vendor,
    asset: asset.key,
    fields,
    action: 'read',
    purpose: 'collections',
    ...extra,
  });
}

async function vendorToken(vendor: string, locations: string[], datatypes: string[]): Promise<string> {
  const client = await t.container.clients.register(
    { actor: { kind: 'system', name: 'test' }, requestId: null },
    { kind: 'vendor', vendorId: vendor, name: 'Vendor system', scopes: [], tokenEndpointAuthMethod: 'client_secret_basic' },
  );
  await t.http
    .post('/oauth/token')
    .set('Authorization', basic(client.clientId, client.clientSecret as string))
    .type('form')
    .send({
      grant_type: 'client_credentials',
      authorization_details: JSON.stringify([{ type: 'data_access', locations, actions: ['read'], datatypes, purpose: 'collections' }]),
    })
    .expect(200);
  return client.clientId;
}

beforeAll(async () => {
  t = await createTestApp({ clock });
  f = new Factories(t);
  await f.department('RETAIL');
  await f.department('CARDS');
  await f.purpose('collections');
  await t.grantRole('pat', 'privacy_officer', '*');
  await t.grantRole('olivia', 'data_owner', 'RETAIL');
  await t.grantRole('carl', 'data_owner', 'CARDS');
  await t.grantRole('vic', 'vendor_manager', '*');
  a1 = await f.asset(
    'RETAIL',
    [
      ['name', 'personal'],
      ['phone', 'personal'],
      ['id_number', 'sensitive'],
    ],
    'olivia',
  );
  a2 = await f.asset(
    'CARDS',
    [
      ['card_no', 'sensitive'],
      ['credit_limit', 'none'],
    ],
    'carl',
  );
  [v1, v2, v3] = [
    await f.vendor({ purposes: ['collections'], manager: 'vic' }),
    await f.vendor({ purposes: ['collections'], manager: 'vic' }),
    await f.vendor({ purposes: ['collections'], manager: 'vic' }),
  ];
  await grant(v1, a1, ['name', 'phone', 'id_number']);
  await grant(v1, a2, ['card_no']);
  await grant(v2, a1, ['phone']);
  await grant(v3, a1, ['phone']);

  // Vendor 1
  expect((await decide(v1, a1, ['name', 'phone'], { subject: 'S1', records: 10 })).decision).toBe('allow');
  expect((await decide(v1, a1, ['phone', 'id_number'], { subject: 'S2', records: 5 })).decision).toBe('allow');
  expect((await decide(v1, a1, ['phone'], { subject: 'S1' })).decision).toBe('allow');
  expect((await decide(v1, a1, ['salary'], { subject: 'S7', records: 999 })).decision).toBe('deny');
  expect((await decide(v1, a2, ['card_no'], { subject: 'S3', records: 100 })).decision).toBe('allow');
  expect((await decide(v1, a2, ['card_no', 'credit_limit'], { records: 1 })).decision).toBe('partial');
  // Vendor 2
  expect((await decide(v2, a1, ['phone'], { subject: 'S1', records: 7 })).decision).toBe('allow');
  expect((await decide(v2, a1, ['phone', 'name'], { records: 2 })).decision).toBe('partial');
  // Vendor 3 is not implicated: none of this may show.
  expect((await decide(v3, a1, ['phone'], { subject: 'S9', records: 1000 })).decision).toBe('allow');
  // Tokens: one naming asset 1 by key, one naming asset 2 by id.
  v1Client = await vendorToken(v1, [a1.key], ['name', 'phone']);
  const v1Second = await vendorToken(v1, [a2.id], ['card_no']);
  v1Client = [v1Client, v1Second].sort().join(',');
  await vendorToken(v3, [a1.key], ['phone']);

  clock.advance(1);
  midpoint = clock.now().toISOString();
  clock.advance(1);
  expect((await decide(v1, a1, ['phone'], { subject: 'S4', records: 50 })).decision).toBe('allow');
  // The blast radius runs up to the service clock's now, an end it excludes: step past the last decision.
  clock.advance(1);

  const res = await t.http
    .post('/v1/incidents')
    .set(await auth('pat'))
    .send({
      title: 'Collections leak',
      detectedAt: clock.now().toISOString(),
      source: 'regulator',
      severity: 'high',
      vendors: [v1, v2],
      description: 'Call lists sold',
    })
    .expect(201);
  incident = res.body.id;
});
afterAll(() => t.close());

const radius = async (query = '') =>
  (
    await t.http
      .get(`/v1/incidents/${incident}/blast-radius${query}`)
      .set(await auth('pat'))
      .expect(200)
  ).body;

describe('blast radius', () => {
  it('matches the hand-computed exposure of each implicated vendor over the whole log', async () => {
    const body = await radius();
    const [first, second] = body.vendors;
    expect(first).toMatchObject({
      vendor: { id: v1, status: 'active' },
      decisions: 6,
      records: 166,
      decisionsWithoutRecords: 1,
      subjects: 4,
      deniedDecisions: 1,
      tokens: { issued: 2, clients: v1Client.split(',') },
      sensitiveFields: [
        { asset: a2.key, field: 'card_no' },
        { asset: a1.key, field: 'id_number' },
      ].sort((x, y) => x.asset.localeCompare(y.asset)),
      departments: ['CARDS', 'RETAIL'],
    });
    const assetOrder = [a1, a2].sort((x, y) => x.key.localeCompare(y.key));
    const expectedAssets = {
      [a1.id]: {
        asset: { id: a1.id, key: a1.key, owningDepartment: 'RETAIL' },
        decisions: 4,
        records: 65,
        decisionsWithoutRecords: 1,
        subjects: 3,
        fields: [
          { name: 'id_number', piCategory: 'sensitive', decisions: 1, tokens: 0 },
          { name: 'name', piCategory: 'personal', decisions: 1, tokens: 1 },
          { name: 'phone', piCategory: 'personal', decisions: 4, tokens: 1 },
        ],
        sensitiveFields: ['id_number'],
      },
      [a2.id]: {
        asset: { id: a2.id, key: a2.key, owningDepartment: 'CARDS' },
        decisions: 2,
        records: 101,
        decisionsWithoutRecords: 0,
        subjects: 1,
        fields: [{ name: 'card_no', piCategory: 'sensitive', decisions: 2, tokens: 1 }],
        sensitiveFields: ['card_no'],
      },
    };
    expect(first.assets).toEqual(assetOrder.map((a) => expectedAssets[a.id]));

    expect(second).toMatchObject({
      vendor: { id: v2 },
      decisions: 2,
      records: 9,
      decisionsWithoutRecords: 0,
      subjects: 1,
      deniedDecisions: 0,
      tokens: { issued: 0, clients: [] },
      sensitiveFields: [],
      departments: ['RETAIL'],
      assets: [
        {
          asset: { id: a1.id, key: a1.key, owningDepartment: 'RETAIL' },
          decisions: 2,
          records: 9,
          decisionsWithoutRecords: 0,
          subjects: 1,
          fields: [{ name: 'phone', piCategory: 'personal', decisions: 2, tokens: 0 }],
          sensitiveFields: [],
        },
      ],
    });
    // S1 is shared by both vendors: counted once overall.
    expect(body.totals).toEqual({
      decisions: 8,
      records: 175,
      decisionsWithoutRecords: 1,
      subjects: 4,
      tokens: 2,
      sensitiveFields: 2,
      departments: ['CARDS', 'RETAIL'],
    });
    expect(JSON.stringify(body)).not.toContain(v3);
    expect(JSON.stringify(body)).not.toMatch(/"S[0-9]"/);
  });

  it('counts only the window asked for', async () => {
    const late = await radius(`?from=${encodeURIComponent(midpoint)}`);
    expect(late.window.from).toBe(midpoint);
    expect(late.totals).toEqual({
      decisions: 1,
      records: 50,
      decisionsWithoutRecords: 0,
      subjects: 1,
      tokens: 0,
      sensitiveFields: 0,
      departments: ['RETAIL'],
    });
    expect(late.vendors[1]).toMatchObject({ vendor: { id: v2 }, decisions: 0, records: 0, subjects: 0, assets: [], departments: [] });

    const early = await radius(`?to=${encodeURIComponent(midpoint)}`);
    expect(early.totals).toMatchObject({ decisions: 7, records: 125, subjects: 3, tokens: 2 });
    expect(early.vendors[0].assets.find((a: { asset: { id: string } }) => a.asset.id === a1.id)).toMatchObject({
      decisions: 3,
      records: 15,
      subjects: 2,
    });
  });

  it('defaults to 90 days before detection until now', async () => {
    const body = await radius();
    const detected = (await t.http.get(`/v1/incidents/${incident}`).set(await auth('pat'))).body.detectedAt;
    expect(Date.parse(body.window.from)).toBe(Date.parse(detected) - 90 * DAY);
    expect(Math.abs(Date.parse(body.window.to) - Date.now())).toBeLessThan(60_000);
  });
});
