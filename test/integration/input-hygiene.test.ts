import { createTestApp, expectProblem, type TestApp } from '../helpers/app';
import { Factories } from '../helpers/factories';

// One timestamp and one date schema everywhere: years PostgreSQL cannot store, or outside 1900-9999,
// are a clear 400, never a 500, in queries and bodies alike. One refinement for human-readable text:
// no bidi controls, invisible format characters or control characters in names, labels and notes.

let t: TestApp;
let f: Factories;
let vendorId: string;
let asset: { id: string; key: string };
let incidentId: string;
let appId: string;
const auth = async (sub: string) => ({ Authorization: `Bearer ${await t.staffToken(sub)}` });
const DAY = 86_400_000;
const inDays = (n: number) => new Date(Date.now() + n * DAY).toISOString();

const BAD_TIMESTAMPS = [
  '0000-01-01T00:00:00Z',
  '0000-12-31T23:59:59.999+00:00',
  '1899-12-31T23:59:59Z',
  '1900-01-01T00:30:00+01:00',
  '9999-12-31T23:59:59-10:00',
  '2026-02-30T00:00:00Z',
  '2026-13-01T00:00:00Z',
  '2026-11-27T24:00:00Z',
  '2026-11-27',
  '+010000-01-01T00:00:00Z',
];
const BAD_DATES = ['0000-01-01', '1899-12-31', '2026-02-30', '2025-02-29', '10000-01-01', '2026-1-1', '2026-11-27T00:00:00Z'];

async function written(): Promise<number> {
  const [{ n }] = (await t.container.db('audit_events').count({ n: '*' })) as Array<{ n: number | string }>;
  return Number(n);
}

async function expect400(
  label: string,
  res: { status: number; headers: Record<string, string>; body: { code?: string; detail?: string } },
) {
  expect({ label, status: res.status }).toEqual({ label, status: 400 });
  expectProblem(res, 400, 'validation_failed');
}

beforeAll(async () => {
  t = await createTestApp();
  f = new Factories(t);
  await f.department('RETAIL');
  await f.purpose('collections');
  await t.grantRole('pat', 'privacy_officer', '*');
  await t.grantRole('vic', 'vendor_manager', '*');
  await t.grantRole('aude', 'auditor', '*');
  await t.grantRole('amy', 'app_manager', '*');
  await t.grantRole('root-admin', 'admin', '*');
  vendorId = await f.vendor({ purposes: ['collections'], manager: 'vic' });
  asset = await f.asset('RETAIL', [['phone', 'personal']]);
  const incident = await t.http
    .post('/v1/incidents')
    .set(await auth('pat'))
    .send({
      title: 'Leak',
      detectedAt: new Date(Date.now() - 60_000).toISOString(),
      source: 'audit',
      severity: 'low',
      vendors: [vendorId],
      description: 'Found in review',
    })
    .expect(201);
  incidentId = incident.body.id;
  const app = await t.http
    .post('/v1/apps')
    .set(await auth('amy'))
    .send({
      name: 'Hygiene Wallet',
      kind: 'app',
      audience: 'customer',
      leadDepartment: 'RETAIL',
      owningDepartment: 'RETAIL',
      responsiblePerson: 'Lead of mobile',
    })
    .expect(201);
  appId = app.body.id;
});
afterAll(() => t.close());

describe('timestamps and dates', () => {
  it('refuses out-of-range and impossible timestamps in query filters (audit, blast radius) with 400', async () => {
    for (const value of BAD_TIMESTAMPS) {
      const q = encodeURIComponent(value);
      await expect400(`audit from ${value}`, await t.http.get(`/v1/audit?from=${q}`).set(await auth('aude')));
      await expect400(`audit to ${value}`, await t.http.get(`/v1/audit?to=${q}`).set(await auth('aude')));
      await expect400(`blast from ${value}`, await t.http.get(`/v1/incidents/${incidentId}/blast-radius?from=${q}`).set(await auth('pat')));
      await expect400(`blast to ${value}`, await t.http.get(`/v1/incidents/${incidentId}/blast-radius?to=${q}`).set(await auth('pat')));
    }
  });

  it('refuses them in bodies (incidents, rectifications, notifications, grants, vendors, vulnerabilities), writing nothing', async () => {
    const before = await written();
    for (const value of BAD_TIMESTAMPS) {
      const calls: Array<[string, () => Promise<{ status: number; headers: Record<string, string>; body: { code?: string } }>]> = [
        [
          'incident detectedAt',
          async () =>
            t.http
              .post('/v1/incidents')
              .set(await auth('pat'))
              .send({ title: 'x', detectedAt: value, source: 'audit', severity: 'low', description: 'x' }),
        ],
        [
          'rectification dueAt',
          async () =>
            t.http
              .post(`/v1/incidents/${incidentId}/rectifications`)
              .set(await auth('pat'))
              .send({ action: 'Fix', owner: 'RETAIL', dueAt: value }),
        ],
        [
          'notification sentAt',
          async () =>
            t.http
              .post(`/v1/incidents/${incidentId}/notifications`)
              .set(await auth('pat'))
              .send({
                audience: 'department',
                department: 'RETAIL',
                sentAt: value,
                channel: 'email',
                content: { categories: ['phone'], cause: 'x', measures: 'y' },
              }),
        ],
        [
          'grant validUntil',
          async () =>
            t.http
              .post('/v1/access-grants')
              .set(await auth('vic'))
              .send({
                vendor: vendorId,
                asset: asset.key,
                fields: ['phone'],
                actions: ['read'],
                purpose: 'collections',
                validUntil: value,
                justification: 'Overdue collections calls',
              }),
        ],
        [
          'grant validFrom',
          async () =>
            t.http
              .post('/v1/access-grants')
              .set(await auth('vic'))
              .send({
                vendor: vendorId,
                asset: asset.key,
                fields: ['phone'],
                actions: ['read'],
                purpose: 'collections',
                validFrom: value,
                validUntil: inDays(10),
                justification: 'Overdue collections calls',
              }),
        ],
        [
          'vendor contract startsAt',
          async () =>
            t.http
              .post('/v1/vendors')
              .set(await auth('vic'))
              .send({
                name: 'Epoch Co',
                contacts: [{ name: 'Ops', email: 'ops@epoch.example' }],
                contract: { reference: 'E-1', startsAt: value, endsAt: inDays(100), purposes: ['collections'] },
              }),
        ],
        [
          'vendor contract endsAt',
          async () =>
            t.http
              .patch(`/v1/vendors/${vendorId}`)
              .set(await auth('vic'))
              .send({ contract: { endsAt: value } }),
        ],
        [
          'vulnerability reportedAt',
          async () =>
            t.http
              .post(`/v1/apps/${appId}/vulnerabilities`)
              .set(await auth('amy'))
              .send({ title: 'Weak TLS', severity: 'low', reportedAt: value, dueAt: inDays(30) }),
        ],
        [
          'vulnerability dueAt',
          async () =>
            t.http
              .post(`/v1/apps/${appId}/vulnerabilities`)
              .set(await auth('amy'))
              .send({ title: 'Weak TLS', severity: 'low', reportedAt: new Date().toISOString(), dueAt: value }),
        ],
      ];
      for (const [label, call] of calls) await expect400(`${label} ${value}`, await call());
    }
    expect(await written()).toBe(before);
  });

  it('refuses out-of-range and impossible dates (security tests, vendor assessments) with 400, writing nothing', async () => {
    const before = await written();
    for (const value of BAD_DATES) {
      await expect400(
        `security test ${value}`,
        await t.http
          .post(`/v1/apps/${appId}/security-tests`)
          .set(await auth('amy'))
          .send({ kind: 'penetration', performedAt: value, result: 'pass', performer: 'Red team', reportReference: 'PT-1' }),
      );
      await expect400(
        `assessment ${value}`,
        await t.http
          .patch(`/v1/vendors/${vendorId}`)
          .set(await auth('vic'))
          .send({ securityAssessment: { assessedAt: value, result: 'pass' } }),
      );
    }
    expect(await written()).toBe(before);
  });

  it('accepts the edges of the range', async () => {
    await t.http
      .get(`/v1/audit?from=${encodeURIComponent('1900-01-01T00:00:00Z')}&to=${encodeURIComponent('9999-12-31T23:59:59.999Z')}`)
      .set(await auth('aude'))
      .expect(200);
    await t.http
      .get(`/v1/incidents/${incidentId}/blast-radius?from=${encodeURIComponent('1900-01-01T08:00:00+08:00')}`)
      .set(await auth('pat'))
      .expect(200);
    await t.http
      .patch(`/v1/vendors/${vendorId}`)
      .set(await auth('vic'))
      .send({ securityAssessment: { assessedAt: '1900-01-01', result: 'pass' } })
      .expect(200);
  });
});

describe('hidden characters in names and labels', () => {
  const HIDDEN = [
    '\u202E',
    '\u202D',
    '\u2066',
    '\u2067',
    '\u2068',
    '\u2069',
    '\u200E',
    '\u200F',
    '\u061C',
    '\u200B',
    '\u200D',
    '\uFEFF',
    '\u00AD',
    '\u2060',
    '\u{E0041}',
    '\u0007',
    '\u001B',
  ];

  it('refuses a right-to-left override and every other hidden character wherever a name or label is taken, writing nothing', async () => {
    const before = await written();
    for (const ch of HIDDEN) {
      const name = `Invoice${ch}gpj.exe`;
      const calls: Array<[string, () => Promise<{ status: number; headers: Record<string, string>; body: { code?: string } }>]> = [
        [
          'department',
          async () =>
            t.http
              .post('/v1/departments')
              .set(await auth('root-admin'))
              .send({ code: 'HIDDEN', name, kind: 'business' }),
        ],
        [
          'department rename',
          async () =>
            t.http
              .patch('/v1/departments/RETAIL')
              .set(await auth('root-admin'))
              .send({ name }),
        ],
        [
          'vendor',
          async () =>
            t.http
              .post('/v1/vendors')
              .set(await auth('vic'))
              .send({
                name,
                contacts: [{ name: 'Ops', email: 'ops@hidden.example' }],
                contract: { reference: 'H-1', startsAt: inDays(-1), endsAt: inDays(100), purposes: ['collections'] },
              }),
        ],
        [
          'vendor contact',
          async () =>
            t.http
              .patch(`/v1/vendors/${vendorId}`)
              .set(await auth('vic'))
              .send({ contacts: [{ name, email: 'ops@hidden.example' }] }),
        ],
        [
          'purpose description',
          async () =>
            t.http
              .post('/v1/purposes')
              .set(await auth('pat'))
              .send({ key: 'hidden_text', description: name, legalBasis: 'contract', retentionDays: 30 }),
        ],
        [
          'data asset',
          async () =>
            t.http
              .patch(`/v1/data-assets/${asset.id}`)
              .set(await auth('owner-factory'))
              .send({ name }),
        ],
        [
          'incident title',
          async () =>
            t.http
              .patch(`/v1/incidents/${incidentId}`)
              .set(await auth('pat'))
              .send({ title: name }),
        ],
        [
          'incident description',
          async () =>
            t.http
              .patch(`/v1/incidents/${incidentId}`)
              .set(await auth('pat'))
              .send({ description: name }),
        ],
        [
          'client name',
          async () =>
            t.http
              .post('/v1/clients')
              .set(await auth('root-admin'))
              .send({ name, roles: ['pep'], tokenEndpointAuthMethod: 'client_secret_basic' }),
        ],
        [
          'vendor client name',
          async () =>
            t.http
              .post(`/v1/vendors/${vendorId}/clients`)
              .set(await auth('vic'))
              .send({ name, tokenEndpointAuthMethod: 'client_secret_basic' }),
        ],
        [
          'role assignment subject',
          async () =>
            t.http
              .post('/v1/role-assignments')
              .set(await auth('root-admin'))
              .send({ subject: name, role: 'auditor', department: 'RETAIL' }),
        ],
        [
          'app name',
          async () =>
            t.http
              .post('/v1/apps')
              .set(await auth('amy'))
              .send({
                name,
                kind: 'app',
                audience: 'customer',
                leadDepartment: 'RETAIL',
                owningDepartment: 'RETAIL',
                responsiblePerson: 'Lead of mobile',
              }),
        ],
        [
          'app responsible person',
          async () =>
            t.http
              .post('/v1/apps')
              .set(await auth('amy'))
              .send({
                name: 'Hidden Person Wallet',
                kind: 'app',
                audience: 'customer',
                leadDepartment: 'RETAIL',
                owningDepartment: 'RETAIL',
                responsiblePerson: name,
              }),
        ],
        [
          'vendor suspension reason',
          async () =>
            t.http
              .post(`/v1/vendors/${vendorId}/suspend`)
              .set(await auth('vic'))
              .send({ reason: name }),
        ],
      ];
      for (const [label, call] of calls) await expect400(`${label} with U+${ch.codePointAt(0)?.toString(16)}`, await call());
    }
    // The public intake is rate-limited per address: a few characters are enough there.
    for (const ch of ['\u202E', '\u200B', '\u2066', '\uFEFF']) {
      await expect400(
        `public complaint U+${ch.codePointAt(0)?.toString(16)}`,
        await t.http.post('/v1/public/complaints').send({ category: 'other', description: `Refund${ch}please` }),
      );
      await expect400(
        `complaint app U+${ch.codePointAt(0)?.toString(16)}`,
        await t.http.post('/v1/public/complaints').send({ category: 'other', description: 'Calls', app: `Wal${ch}let` }),
      );
    }
    expect(await written()).toBe(before);
  });

  it('keeps line breaks in free text and accepts names in any script', async () => {
    await t.http
      .patch(`/v1/incidents/${incidentId}`)
      .set(await auth('pat'))
      .send({ title: '客户名单泄露', description: 'First line\nSecond line\twith a tab' })
      .expect(200);
    await t.http
      .patch('/v1/departments/RETAIL')
      .set(await auth('root-admin'))
      .send({ name: '零售银行部' })
      .expect(200);
    await expect400(
      'a bell in a name',
      await t.http
        .patch('/v1/departments/RETAIL')
        .set(await auth('root-admin'))
        .send({ name: 'Retail\u0007Banking' }),
    );
  });
});
