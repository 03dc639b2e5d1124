import crypto from 'node:crypto';
import type { Response } from 'supertest';
import { NOTICES_CHANGED } from '../../services/notices';
import { PUBLIC_NOTICE_RATE_LIMIT } from '../../services/notices/routes';
import { createTestApp, expectProblem, type TestApp } from '../helpers/app';
import { Factories } from '../helpers/factories';

let t: TestApp;
let f: Factories;
let vendorId: string;
let vendorName: string;
const announced: string[] = [];
const DAY = 86_400_000;
const inDays = (n: number) => new Date(Date.now() + n * DAY).toISOString();

const auth = async (sub: string) => ({ Authorization: `Bearer ${await t.staffToken(sub)}` });
const as = (sub: string) => ({
  post: async (url: string, body: unknown = {}) =>
    t.http
      .post(url)
      .set(await auth(sub))
      .send(body as object),
  patch: async (url: string, body: unknown) =>
    t.http
      .patch(url)
      .set(await auth(sub))
      .send(body as object),
  get: async (url: string) => t.http.get(url).set(await auth(sub)),
  delete: async (url: string) => t.http.delete(url).set(await auth(sub)),
});
const pat = as('pat');

/** What a complete notice says beyond what the draft is prefilled with (purpose, retention, third parties, language). */
const told = {
  title: 'How we use your information for card offers',
  body: '# Card offers\n\nWe use your name and mobile number to tell you about cards that suit you.',
  controller: { name: 'Example Bank Co., Ltd.', contact: 'Personal Information Protection Office', email: 'privacy@bank.example' },
  piCategories: ['name', 'mobile phone number'],
  sensitivePiCategories: [],
  rights: {
    access: 'In the app: Me › Privacy › My information',
    copy: 'In the app: Me › Privacy › Export',
    correct: 'In the app: Me › Profile',
    delete: 'Call 95555 or visit a branch',
    withdraw: 'In the app: Me › Privacy › Consents',
  },
  complaintChannel: { phone: '95555', url: 'https://bank.example/complaints' },
};

async function rows(): Promise<{ notices: number; audit: number }> {
  const count = async (table: string) => Number(((await t.container.db(table).count({ n: '*' })) as Array<{ n: number }>)[0].n);
  return { notices: await count('notices'), audit: await count('audit_events') };
}

async function publishedVersion(purpose: string, body: Record<string, unknown> = {}): Promise<Response> {
  const draft = await pat.post('/v1/notices', { purpose, ...told, ...body });
  expect(draft.status).toBe(201);
  const published = await pat.post(`/v1/notices/${draft.body.id}/publish`);
  expect(published.status).toBe(200);
  return published;
}

beforeAll(async () => {
  t = await createTestApp();
  f = new Factories(t);
  await f.department('RETAIL');
  await t.grantRole('pat', 'privacy_officer', '*');
  await t.grantRole('olivia', 'data_owner', 'RETAIL');
  await t.grantRole('aude', 'auditor', '*');
  await t.grantRole('vic', 'vendor_manager', '*');
  for (const key of ['card_offers', 'pinning', 'rules', 'publicity', 'loans']) await f.purpose(key, 'consent', 'pat');
  await f.purpose('servicing', 'contract', 'pat');
  vendorId = await f.vendor({ purposes: ['card_offers', 'rules'], manager: 'vic' });
  vendorName = (await as('vic').get(`/v1/vendors/${vendorId}`)).body.name;
  const asset = await f.asset('RETAIL', [
    ['name', 'personal'],
    ['phone', 'personal'],
  ]);
  for (const purpose of ['card_offers', 'rules']) {
    const grant = await as('vic').post('/v1/access-grants', {
      vendor: vendorId,
      asset: asset.key,
      fields: ['name', 'phone'],
      actions: ['read'],
      purpose,
      validUntil: inDays(30),
      justification: 'Outbound calls about card offers',
    });
    expect(grant.status).toBe(201);
    await as('olivia')
      .post(`/v1/access-grants/${grant.body.id}/approve`)
      .then((r) => expect(r.status).toBe(200));
  }
  t.container.changes.subscribe(NOTICES_CHANGED, (p) => void announced.push(String(p.purposeKey)));
});
afterAll(() => t.close());

describe('drafting and publishing', () => {
  it('prefills a first draft from the purpose and the vendors holding active grants for it', async () => {
    const draft = await pat.post('/v1/notices', { purpose: 'card_offers', title: 'Card offers' });
    expect(draft.status).toBe(201);
    expect(draft.headers.location).toBe(`/v1/notices/${draft.body.id}`);
    expect(draft.body).toMatchObject({
      purpose: 'card_offers',
      app: null,
      status: 'draft',
      version: null,
      material: null,
      title: 'Card offers',
      body: null,
      purposeDescription: 'Purpose card_offers',
      retentionDays: 365,
      thirdParties: [{ name: vendorName, kind: 'entrusted', vendorId, purpose: 'Purpose card_offers', piCategories: ['name', 'phone'] }],
      language: 'zh-CN',
      complaintChannel: null,
      diff: { againstVersion: null, material: true, changes: [] },
      createdBy: 'pat',
    });
    const second = await pat.post('/v1/notices', { purpose: 'card_offers' });
    expectProblem(second, 409, 'notice_draft_exists');
    await pat.delete(`/v1/notices/${draft.body.id}`).then((r) => expect(r.status).toBe(204));
    expectProblem(await pat.get(`/v1/notices/${draft.body.id}`), 404);
  });

  it('refuses to publish without the Art. 17 contents or a complaint channel, naming what is missing, and writes nothing', async () => {
    const draft = await pat.post('/v1/notices', { purpose: 'rules', title: 'Rules' });
    const before = await rows();
    const refused = await pat.post(`/v1/notices/${draft.body.id}/publish`);
    expectProblem(refused, 409, 'notice_incomplete');
    expect(refused.body.errors.map((e: { path: string }) => e.path)).toEqual([
      'body',
      'controller',
      'piCategories',
      'rights.access',
      'rights.copy',
      'rights.correct',
      'rights.delete',
      'rights.withdraw',
      'complaintChannel',
    ]);
    expect(await rows()).toEqual(before);

    const { complaintChannel: _none, ...withoutChannel } = told;
    await pat.patch(`/v1/notices/${draft.body.id}`, withoutChannel).then((r) => expect(r.status).toBe(200));
    const noChannel = await pat.post(`/v1/notices/${draft.body.id}/publish`);
    expectProblem(noChannel, 409, 'notice_incomplete');
    expect(noChannel.body.errors).toEqual([{ path: 'complaintChannel', message: expect.stringContaining('complaint channel') }]);

    // The notice must tell the retention the purpose keeps, and list every vendor that holds grants.
    await pat.patch(`/v1/notices/${draft.body.id}`, {
      complaintChannel: { email: 'complaints@bank.example' },
      retentionDays: 30,
      thirdParties: [],
    });
    const inconsistent = await pat.post(`/v1/notices/${draft.body.id}/publish`);
    expectProblem(inconsistent, 409, 'notice_incomplete');
    expect(inconsistent.body.errors.map((e: { path: string }) => e.path)).toEqual(['retentionDays', 'thirdParties']);
    expect((await pat.get(`/v1/notices/${draft.body.id}`)).body.status).toBe('draft');

    await pat.patch(`/v1/notices/${draft.body.id}`, {
      retentionDays: 365,
      thirdParties: [{ name: vendorName, kind: 'entrusted', vendorId }],
    });
    const published = await pat.post(`/v1/notices/${draft.body.id}/publish`);
    expect(published.status).toBe(200);
    expect(published.body).toMatchObject({
      status: 'published',
      version: 1,
      material: true,
      publishedBy: 'pat',
      diff: { againstVersion: null, material: true },
    });
    expect(announced).toContain('rules');
    const audit = await as('root-admin').get(`/v1/audit?objectType=notice&objectId=${draft.body.id}`);
    expect(audit.body.items.map((e: { action: string }) => e.action)).toEqual([
      'notice.published',
      'notice.draft_updated',
      'notice.draft_updated',
      'notice.draft_updated',
      'notice.draft_created',
    ]);
  });

  it('never changes a published version: an edit opens a new draft, deletion is refused, and so is any write in the database', async () => {
    const v1 = await publishedVersion('publicity');
    const edit = await pat.patch(`/v1/notices/${v1.body.id}`, { title: 'Card offers (revised)' });
    expect(edit.status).toBe(201);
    expect(edit.body).toMatchObject({ status: 'draft', basedOnVersion: 1, title: 'Card offers (revised)', body: told.body });
    expect(edit.body.id).not.toBe(v1.body.id);
    expect(edit.body.diff).toMatchObject({ againstVersion: 1, material: false, changes: [{ field: 'title', material: false }] });
    expect((await pat.get(`/v1/notices/${v1.body.id}`)).body).toEqual(v1.body);

    expectProblem(await pat.patch(`/v1/notices/${v1.body.id}`, { title: 'Another' }), 409, 'notice_draft_exists');
    expectProblem(await pat.delete(`/v1/notices/${v1.body.id}`), 409, 'notice_published');
    expectProblem(await pat.post(`/v1/notices/${v1.body.id}/publish`), 409, 'notice_published');
    await expect(t.container.db('notices').where({ id: v1.body.id }).update({ content: '{}' })).rejects.toThrow(/immutable/);
    await expect(t.container.db('notices').where({ id: v1.body.id }).delete()).rejects.toThrow(/immutable/);
    // Nor can the table be emptied: consent records refer to it, and they refuse TRUNCATE themselves.
    await expect(t.container.db.raw('truncate notices')).rejects.toThrow(/foreign key/);
    await expect(t.container.db.raw('truncate notices cascade')).rejects.toThrow(/append-only/);
    expect((await pat.get(`/v1/notices/${v1.body.id}`)).body).toEqual(v1.body);
  });
});

describe('material changes', () => {
  it('computes materiality and the diff against the previous published version', async () => {
    const v1 = await publishedVersion('loans', { thirdParties: [] });
    expect(v1.body).toMatchObject({ version: 1, material: true });

    const wording = await pat.patch(`/v1/notices/${v1.body.id}`, { title: 'Loans, plainly', body: 'Reworded, same meaning.' });
    const v2 = await pat.post(`/v1/notices/${wording.body.id}/publish`);
    expect(v2.body).toMatchObject({ version: 2, material: false, diff: { againstVersion: 1, material: false } });
    expect(v2.body.diff.changes.map((c: { field: string }) => c.field)).toEqual(['title', 'body']);

    const categories = await pat.patch(`/v1/notices/${v2.body.id}`, { piCategories: [...told.piCategories, 'monthly income'] });
    expect(categories.body.diff).toMatchObject({ againstVersion: 2, material: true });
    const v3 = await pat.post(`/v1/notices/${categories.body.id}/publish`);
    expect(v3.body).toMatchObject({ version: 3, material: true });
    expect(v3.body.diff.changes).toEqual([
      {
        field: 'piCategories',
        material: true,
        before: told.piCategories,
        after: [...told.piCategories, 'monthly income'],
        added: ['monthly income'],
        removed: [],
      },
    ]);

    await pat.patch('/v1/purposes/loans', { retentionDays: 180 }).then((r) => expect(r.status).toBe(200));
    const retention = await pat.patch(`/v1/notices/${v3.body.id}`, { retentionDays: 180 });
    const v4 = await pat.post(`/v1/notices/${retention.body.id}/publish`);
    expect(v4.body).toMatchObject({
      version: 4,
      material: true,
      diff: { changes: [{ field: 'retentionDays', before: 365, after: 180, material: true }] },
    });

    const recipient = await pat.patch(`/v1/notices/${v4.body.id}`, {
      thirdParties: [{ name: 'Credit Bureau Co', kind: 'recipient', purpose: 'Credit reporting' }],
    });
    const v5 = await pat.post(`/v1/notices/${recipient.body.id}/publish`);
    expect(v5.body).toMatchObject({
      version: 5,
      material: true,
      diff: { changes: [{ field: 'thirdParties', added: ['recipient: Credit Bureau Co'] }] },
    });

    const same = await pat.patch(`/v1/notices/${v5.body.id}`, { title: v5.body.title });
    expectProblem(await pat.post(`/v1/notices/${same.body.id}/publish`), 409, 'notice_unchanged');

    const listed = await pat.get('/v1/notices?purpose=loans&status=published&limit=2');
    expect(listed.body.items.map((n: { version: number }) => n.version)).toEqual([5, 4]);
    const next = await pat.get(`/v1/notices?purpose=loans&status=published&limit=2&cursor=${listed.body.nextCursor}`);
    expect(next.body.items.map((n: { version: number }) => n.version)).toEqual([3, 2]);
  });
});

describe('GET /v1/public/notices/{purposeKey}', () => {
  it('serves the latest version or a pinned one without authentication, cacheable with an ETag', async () => {
    const v1 = await publishedVersion('pinning', { thirdParties: [] });
    const draft = await pat.patch(`/v1/notices/${v1.body.id}`, { piCategories: ['name'] });
    await pat.post(`/v1/notices/${draft.body.id}/publish`).then((r) => expect(r.status).toBe(200));

    const latest = await t.http.get('/v1/public/notices/pinning');
    expect(latest.status).toBe(200);
    expect(latest.body).toMatchObject({
      purpose: 'pinning',
      legalBasis: 'consent',
      version: 2,
      material: true,
      piCategories: ['name'],
      complaintChannel: told.complaintChannel,
    });
    expect(latest.body).not.toHaveProperty('createdBy');
    expect(latest.headers.etag).toBe('"pinning.2"');
    expect(latest.headers['cache-control']).toBe('public, max-age=60');

    const cached = await t.http.get('/v1/public/notices/pinning').set('If-None-Match', latest.headers.etag);
    expect(cached.status).toBe(304);
    expect(cached.text).toBe('');
    expect(cached.headers.etag).toBe('"pinning.2"');
    expect((await t.http.get('/v1/public/notices/pinning').set('If-None-Match', '"pinning.1"')).status).toBe(200);

    const pinned = await t.http.get('/v1/public/notices/pinning?version=1');
    expect(pinned.body).toMatchObject({ version: 1, piCategories: told.piCategories });
    expect(pinned.headers['cache-control']).toBe('public, max-age=86400, immutable');
    expect((await t.http.get('/v1/public/notices/pinning?version=1').set('If-None-Match', 'W/"x", "pinning.1"')).status).toBe(304);

    expectProblem(await t.http.get('/v1/public/notices/pinning?version=3'), 404);
    expectProblem(await t.http.get('/v1/public/notices/no_such_purpose'), 404);
    expectProblem(await t.http.get('/v1/public/notices/servicing'), 404);
  });

  it('gives the same 404, with the same reads, for an unknown purpose and for one with nothing published (no purpose enumeration)', async () => {
    // Counting reads: the audit checkpoints' timer must not write in the middle of one.
    await t.container.auditCheckpoints.stop();
    const answer = async (url: string) => {
      let queries = 0;
      const count = () => void (queries += 1);
      t.container.db.on('query', count);
      const res = await t.http.get(url);
      t.container.db.off('query', count);
      expectProblem(res, 404, 'not_found');
      const { type, title, status, code, detail } = res.body;
      const headers = Object.keys(res.headers)
        .filter((h) => !['date', 'x-request-id', 'content-length'].includes(h) && !h.startsWith('ratelimit'))
        .sort();
      return { body: { type, title, status, code, detail }, headers, queries };
    };
    const unknown = await answer('/v1/public/notices/no_such_purpose');
    expect(unknown.body.detail).not.toMatch(/no_such_purpose|unknown|exist/i);
    for (const url of [
      '/v1/public/notices/servicing',
      '/v1/public/notices/servicing?version=1',
      '/v1/public/notices/no_such_purpose?version=1',
      '/v1/public/notices/pinning?version=3',
      `/v1/public/notices/no_such_purpose?app=${crypto.randomUUID()}`,
      `/v1/public/notices/servicing?app=${crypto.randomUUID()}`,
    ]) {
      const other = await answer(url);
      expect({ url, ...other.body, headers: other.headers }).toEqual({ url, ...unknown.body, headers: unknown.headers });
    }
    expect((await answer('/v1/public/notices/servicing')).queries).toBe(unknown.queries);
    expect((await answer(`/v1/public/notices/servicing?app=${crypto.randomUUID()}`)).queries).toBe(
      (await answer(`/v1/public/notices/no_such_purpose?app=${crypto.randomUUID()}`)).queries,
    );
  });

  it.each([
    ['a malformed purpose key', '/v1/public/notices/Card-Offers'],
    ['version 0', '/v1/public/notices/pinning?version=0'],
    ['a non-numeric version', '/v1/public/notices/pinning?version=latest'],
    ['an unknown parameter', '/v1/public/notices/pinning?lang=en'],
    ['an app that is not a uuid', '/v1/public/notices/pinning?app=mobile'],
  ])('answers %s with 400 problem+json', async (_label, url) => {
    expectProblem(await t.http.get(url), 400, 'validation_failed');
  });
});

describe('app-specific notices', () => {
  it('keeps an app’s own notice apart from the general one and answers hasPublishedNotice for the app ledger', async () => {
    await t.grantRole('apu', 'app_manager', 'RETAIL');
    const app = await as('apu').post('/v1/apps', {
      name: 'Card Wallet',
      kind: 'mini_program',
      audience: 'customer',
      leadDepartment: 'RETAIL',
      owningDepartment: 'RETAIL',
      responsiblePerson: 'Li Lei',
    });
    expect(app.status).toBe(201);
    expect(await t.container.notices.hasPublishedNotice('card_offers', app.body.id)).toBe(false);

    const own = await publishedVersion('card_offers', { app: app.body.id, title: 'Card Wallet: card offers' });
    expect(own.body).toMatchObject({ app: app.body.id, version: 1 });
    expect(await t.container.notices.hasPublishedNotice('card_offers', app.body.id)).toBe(true);
    expect(await t.container.notices.hasPublishedNotice('card_offers')).toBe(false);
    expectProblem(await t.http.get('/v1/public/notices/card_offers'), 404);

    const general = await publishedVersion('card_offers');
    expect(general.body).toMatchObject({ app: null, version: 2, material: true, diff: { againstVersion: null } });
    expect((await t.http.get(`/v1/public/notices/card_offers?app=${app.body.id}`)).body).toMatchObject({ version: 1, app: app.body.id });
    expect((await t.http.get('/v1/public/notices/card_offers')).body).toMatchObject({ version: 2, app: null });
    expect((await t.http.get(`/v1/public/notices/card_offers?app=${crypto.randomUUID()}`)).body).toMatchObject({ version: 2, app: null });
    expectProblem(await t.http.get(`/v1/public/notices/card_offers?version=1&app=${crypto.randomUUID()}`), 404);
    expect(await t.container.notices.hasPublishedNotice('card_offers')).toBe(true);
  });
});

describe('permissions', () => {
  it('lets privacy officers manage notices, auditors read them, and nobody else', async () => {
    const draft = await pat.post('/v1/notices', { purpose: 'servicing' });
    expect(draft.status).toBe(201);
    expect((await as('aude').get(`/v1/notices/${draft.body.id}`)).status).toBe(200);
    expect((await as('aude').get('/v1/notices')).status).toBe(200);
    expectProblem(await as('aude').patch(`/v1/notices/${draft.body.id}`, { title: 'x' }), 403);
    expectProblem(await as('aude').post(`/v1/notices/${draft.body.id}/publish`), 403);
    for (const who of ['olivia', 'vic', 'nobody']) {
      expectProblem(await as(who).post('/v1/notices', { purpose: 'servicing' }), 403);
      expectProblem(await as(who).get('/v1/notices'), 403);
      expectProblem(await as(who).get(`/v1/notices/${draft.body.id}`), 403);
      expectProblem(await as(who).delete(`/v1/notices/${draft.body.id}`), 403);
    }
    expectProblem(await t.http.get('/v1/notices'), 401);
    expectProblem(await t.http.post(`/v1/notices/${draft.body.id}/publish`), 401);
  });
});

describe('bad input', () => {
  const unknownId = '0b4f6a3e-2b8e-4c55-9a0e-6f2d7b1c9e01';
  let draftId: string;
  beforeAll(async () => {
    await f.purpose('bad_input', 'consent', 'pat');
    draftId = (await pat.post('/v1/notices', { purpose: 'bad_input' })).body.id;
  });

  it.each([
    ['no purpose', { title: 'x' }],
    ['an unknown purpose', { purpose: 'no_such_purpose' }],
    ['a malformed purpose', { purpose: 'Card Offers' }],
    ['an unknown property', { purpose: 'bad_input', colour: 'red' }],
    ['an empty title', { purpose: 'bad_input', title: ' ' }],
    ['an empty complaint channel', { purpose: 'bad_input', complaintChannel: {} }],
    ['a complaint URL that is not http(s)', { purpose: 'bad_input', complaintChannel: { url: 'javascript:alert(1)' } }],
    ['a category listed twice', { purpose: 'bad_input', piCategories: ['name', 'name'] }],
    [
      'a sensitive category without its necessity',
      { purpose: 'bad_input', sensitivePiCategories: [{ category: 'biometrics', impact: 'x' }] },
    ],
    ['a third party of unknown kind', { purpose: 'bad_input', thirdParties: [{ name: 'X', kind: 'friend' }] }],
    ['zero retention', { purpose: 'bad_input', retentionDays: 0 }],
    ['a bad language tag', { purpose: 'bad_input', language: 'Chinese (simplified)' }],
    ['an unknown app', { purpose: 'bad_input', app: unknownId }],
    ['an unknown right', { purpose: 'bad_input', rights: { sell: 'never' } }],
    ['a controller without contact', { purpose: 'bad_input', controller: { name: 'Bank' } }],
    ['a NUL character in the title', { purpose: 'bad_input', title: 'Card\u0000offers' }],
    ['an unpaired surrogate in the body', { purpose: 'bad_input', body: 'Offers \ud800' }],
    ['a NUL character in a third party', { purpose: 'bad_input', thirdParties: [{ name: 'X\u0000', kind: 'recipient' }] }],
  ])('POST /v1/notices with %s → 400, nothing written', async (_label, body) => {
    const before = await rows();
    const res = await pat.post('/v1/notices', body);
    expectProblem(res, 400, 'validation_failed');
    expect(await rows()).toEqual(before);
  });

  it('refuses other bad requests on every notice endpoint with 4xx problem+json and writes nothing', async () => {
    const before = await rows();
    const token = await auth('pat');
    expectProblem(await t.http.post('/v1/notices').set(token).set('Content-Type', 'text/plain').send('purpose=bad_input'), 415);
    expectProblem(await t.http.post('/v1/notices').set(token).set('Content-Type', 'application/json').send('{"purpose":'), 400);
    expectProblem(await pat.patch(`/v1/notices/${draftId}`, {}), 400);
    expectProblem(await pat.patch(`/v1/notices/${draftId}`, { purpose: 'card_offers' }), 400);
    expectProblem(await pat.patch(`/v1/notices/${draftId}`, { retentionDays: 'a year' }), 400);
    expectProblem(await pat.patch('/v1/notices/not-a-uuid', { title: 'x' }), 400);
    expectProblem(await pat.patch(`/v1/notices/${unknownId}`, { title: 'x' }), 404);
    expectProblem(await pat.post('/v1/notices/not-a-uuid/publish'), 400);
    expectProblem(await pat.post(`/v1/notices/${unknownId}/publish`), 404);
    expectProblem(await pat.post(`/v1/notices/${draftId}/publish`), 409, 'notice_incomplete');
    expectProblem(await pat.delete(`/v1/notices/${unknownId}`), 404);
    expectProblem(await pat.get('/v1/notices/not-a-uuid'), 400);
    expectProblem(await pat.get(`/v1/notices/${unknownId}`), 404);
    expectProblem(await pat.get('/v1/notices?status=archived'), 400);
    expectProblem(await pat.get('/v1/notices?limit=0'), 400);
    expectProblem(await pat.get('/v1/notices?cursor=%%%'), 400);
    expectProblem(await pat.get('/v1/notices?purpose=bad_input&owner=me'), 400);
    expect(await rows()).toEqual(before);
  });
});

describe('rate limit', () => {
  // Last in this file: it uses up the test address's allowance for the public endpoint.
  it('answers 429 problem+json with Retry-After once an address has read too many public notices', async () => {
    let last: Response | undefined;
    for (let i = 0; i <= PUBLIC_NOTICE_RATE_LIMIT.points && last?.status !== 429; i += 1)
      last = await t.http.get('/v1/public/notices/pinning');
    expect(last).toBeDefined();
    expectProblem(last as Response, 429, 'rate_limited');
    expect(Number((last as Response).headers['retry-after'])).toBeGreaterThan(0);
  });
});
