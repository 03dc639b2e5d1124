import { createTestApp, expectProblem, type TestApp } from '../helpers/app';
import { Factories } from '../helpers/factories';
import { registerSecretClient, tokenFor } from '../helpers/oauth';
import { blastRadiusOf } from '../helpers/incidents';

// A decision retried with the same Idempotency-Key is decided again from live state, never replayed
// from storage: the kill switch (suspension), a revocation or a withdrawal in between changes the
// answer. The retry's audit event names the first one's (retryOf); the first decision's records are
// not counted twice, and the blast radius counts the request once.

let t: TestApp;
let f: Factories;
let pep: string;
let collector: string;
let asset: { id: string; key: string };
const DAY = 86_400_000;
const staff = async (sub: string) => ({ Authorization: `Bearer ${await t.staffToken(sub)}` });
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

async function approvedGrant(vendor: string, purpose = 'collections', extra: Record<string, unknown> = {}): Promise<string> {
  const req = await t.http
    .post('/v1/access-grants')
    .set(await staff('vic'))
    .send({
      vendor,
      asset: asset.key,
      fields: ['phone'],
      actions: ['read'],
      purpose,
      validUntil: new Date(Date.now() + 30 * DAY).toISOString(),
      justification: 'Collections calls',
      ...extra,
    });
  expect(req.status).toBe(201);
  await t.http
    .post(`/v1/access-grants/${req.body.id}/approve`)
    .set(await staff('olivia'))
    .send({})
    .expect(200);
  return req.body.id as string;
}

const decide = (key: string | undefined, body: Record<string, unknown>) => {
  const req = t.http.post('/v1/decisions').set(bearer(pep));
  if (key !== undefined) req.set('Idempotency-Key', key);
  return req.send({ asset: asset.key, fields: ['phone'], action: 'read', purpose: 'collections', ...body });
};
const events = (vendor: string) => t.container.audit.list({ action: 'access.decided', objectId: vendor }, 50);

beforeAll(async () => {
  t = await createTestApp();
  f = new Factories(t);
  await f.department('RETAIL');
  await t.grantRole('pat', 'privacy_officer', '*');
  await t.grantRole('olivia', 'data_owner', 'RETAIL');
  await t.grantRole('vic', 'vendor_manager', '*');
  await f.purpose('collections');
  await f.purpose('offers', 'consent', 'pat');
  asset = await f.asset('RETAIL', [['phone', 'personal']], 'olivia');
  pep = await tokenFor(t, await registerSecretClient(t, { roles: ['pep'], scopes: [] }));
  collector = await tokenFor(t, await registerSecretClient(t, { roles: ['consent_collector'], scopes: [] }));
});
afterAll(() => t.close());

describe('Idempotency-Key on decisions', () => {
  it('denies a retry after the vendor is suspended (the kill switch), allows it again after reinstatement', async () => {
    const vendor = await f.vendor({ purposes: ['collections'], manager: 'vic' });
    await approvedGrant(vendor, 'collections', { dailyRecordCap: 100 });
    const body = { vendor, records: 60 };
    const first = await decide('kill-1', body);
    expect(first.body.decision).toBe('allow');

    await t.http
      .post(`/v1/vendors/${vendor}/suspend`)
      .set(await staff('pat'))
      .send({ reason: 'Leak under investigation' })
      .expect(200);
    const suspended = await decide('kill-1', body);
    expect(suspended.status).toBe(200);
    expect(suspended.headers['idempotent-replayed']).toBeUndefined();
    expect(suspended.body).toMatchObject({
      decision: 'deny',
      deniedFields: [{ field: 'phone', reason: 'vendor_suspended' }],
      retryOf: first.body.decisionId,
    });

    await t.http
      .post(`/v1/vendors/${vendor}/reinstate`)
      .set(await staff('pat'))
      .send({ reason: 'Cleared' })
      .expect(200);
    // The first decision's 60 records are its own: a retry is not refused for them, nor counts them again.
    expect((await decide('kill-1', body)).body).toMatchObject({ decision: 'allow', retryOf: first.body.decisionId });
    expect((await decide('kill-1', body)).body.decision).toBe('allow');
    expect((await decide('other-1', body)).body.deniedFields).toEqual([{ field: 'phone', reason: 'volume_exceeded' }]);

    const audited = await events(vendor);
    const original = audited.find((e) => e.details.decisionId === first.body.decisionId);
    expect(original?.details.retryOf).toBeUndefined();
    expect(audited.filter((e) => e.details.retryOf === original?.id)).toHaveLength(3);
    const usage = await t.container.db('access_grant_usage').sum({ records: 'records', decisions: 'decisions' }).first();
    expect(usage).toMatchObject({ records: expect.anything() });
    expect(Number((usage as { records: number }).records)).toBe(60);
  });

  it('denies a retry after the grant is revoked', async () => {
    const vendor = await f.vendor({ purposes: ['collections'], manager: 'vic' });
    const grant = await approvedGrant(vendor);
    expect((await decide('revoke-1', { vendor })).body.decision).toBe('allow');
    await t.http
      .post(`/v1/access-grants/${grant}/revoke`)
      .set(await staff('olivia'))
      .send({ reason: 'No longer needed' })
      .expect(200);
    expect((await decide('revoke-1', { vendor })).body.decision).toBe('deny');
  });

  it('denies a retry after the customer withdraws consent', async () => {
    const vendor = await f.vendor({ purposes: ['offers'], manager: 'vic' });
    await approvedGrant(vendor, 'offers');
    const officer = await staff('pat');
    const draft = await t.http
      .post('/v1/notices')
      .set(officer)
      .send({
        purpose: 'offers',
        title: 'Offers',
        body: 'We use your mobile number to offer you cards.',
        controller: {
          name: 'Example Bank Co., Ltd.',
          contact: 'Privacy Office',
          email: 'privacy@bank.example',
          phone: '+86 755 8888 0000',
        },
        piCategories: ['mobile phone number'],
        sensitivePiCategories: [],
        rights: { access: 'App', copy: 'App', correct: 'App', delete: 'Call 95555', withdraw: 'App' },
        complaintChannel: { phone: '95555' },
      })
      .expect(201);
    await t.http.post(`/v1/notices/${draft.body.id}/publish`).set(officer).expect(200);
    const subject = 'CUST-RAW-RETRY-77';
    await t.http
      .post('/v1/consents')
      .set(bearer(collector))
      .send({ subject, purpose: 'offers', noticeVersion: 1, channel: 'app' })
      .expect(201);
    const body = { vendor, purpose: 'offers', subjects: [subject] };
    expect((await decide('consent-1', body)).body.decision).toBe('allow');
    await t.http.post('/v1/consents/withdrawals').set(bearer(collector)).send({ subject, purpose: 'offers' }).expect(201);
    const retry = await decide('consent-1', body);
    expect(retry.body).toMatchObject({ decision: 'deny', subjects: [{ subject, consent: 'withdrawn' }] });
  });

  it('refuses another request under a used key (422) and audits nothing', async () => {
    const vendor = await f.vendor({ purposes: ['collections'], manager: 'vic' });
    await approvedGrant(vendor);
    await decide('reuse-1', { vendor }).expect(200);
    const before = (await events(vendor)).length;
    expectProblem(await decide('reuse-1', { vendor, fields: ['phone', 'name'] }), 422, 'idempotency_key_reused');
    expect(await events(vendor)).toHaveLength(before);
  });

  it('decides concurrent requests under one key each, one of them holding the key and the others naming it', async () => {
    const vendor = await f.vendor({ purposes: ['collections'], manager: 'vic' });
    await approvedGrant(vendor, 'collections', { dailyRecordCap: 10 });
    const answers = await Promise.all([1, 2, 3].map(() => decide('race-1', { vendor, records: 10 })));
    expect(answers.map((a) => [a.status, a.body.decision])).toEqual([
      [200, 'allow'],
      [200, 'allow'],
      [200, 'allow'],
    ]);
    const audited = await events(vendor);
    expect(audited).toHaveLength(3);
    const firsts = audited.filter((e) => e.details.retryOf === undefined);
    expect(firsts).toHaveLength(1);
    expect(audited.filter((e) => e.details.retryOf === firsts[0].id)).toHaveLength(2);
    expect(answers.filter((a) => a.body.retryOf === firsts[0].details.decisionId)).toHaveLength(2);
    expect((await t.container.audit.verify()).valid).toBe(true);
  });

  it('counts a retried request once in the blast radius, allowed if any attempt was', async () => {
    const vendor = await f.vendor({ purposes: ['collections'], manager: 'vic' });
    await approvedGrant(vendor);
    await decide('radius-1', { vendor, records: 10, subject: 'CUST-RAW-R1' }).expect(200);
    await decide('radius-1', { vendor, records: 10, subject: 'CUST-RAW-R1' }).expect(200);
    await t.http
      .post(`/v1/vendors/${vendor}/suspend`)
      .set(await staff('pat'))
      .send({ reason: 'Leak' })
      .expect(200);
    // Denied first, allowed on its retry after reinstatement: one allowing decision.
    expect((await decide('radius-2', { vendor, records: 5 })).body.decision).toBe('deny');
    await t.http
      .post(`/v1/vendors/${vendor}/reinstate`)
      .set(await staff('pat'))
      .send({ reason: 'Cleared' })
      .expect(200);
    expect((await decide('radius-2', { vendor, records: 5 })).body.decision).toBe('allow');
    const radius = await blastRadiusOf(t, [vendor]);
    expect(radius.vendors[0]).toMatchObject({ decisions: 2, deniedDecisions: 0, records: 15, subjects: 1 });
    expect(radius.vendors[0].assets[0].fields).toEqual([expect.objectContaining({ name: 'phone', decisions: 2 })]);
  });
});
