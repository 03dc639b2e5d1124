import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { pseudonymize } from '../../services/shared/pseudonym';
import type { ClientActor } from '../../services/http/route';
import { createTestApp, expectProblem, type TestApp } from '../helpers/app';
import { Factories } from '../helpers/factories';
import { registerSecretClient, tokenFor } from '../helpers/oauth';

let t: TestApp;
let f: Factories;
let collectorA: string;
let collectorB: string;
let pepToken: string;
let vendorId: string;
let asset: { id: string; key: string };
const DAY = 86_400_000;
const inDays = (n: number) => new Date(Date.now() + n * DAY).toISOString();
const pep: ClientActor = { kind: 'client', clientId: 'pep-test', roles: ['pep'], scopes: [], vendorId: null, tokenId: 'jti' };

// Raw customer ids: each must never reach a table or a log line.
const ALICE = 'CUST-RAW-ALICE-7F3A91';
const BOB = 'CUST-RAW-BOB-20C4E8';
const CAROL = 'CUST-RAW-CAROL-5D1B07';
const DAVE = 'CUST-RAW-DAVE-99AE42';
const RAW_IDS = [ALICE, BOB, CAROL, DAVE];

const staff = async (sub: string) => ({ Authorization: `Bearer ${await t.staffToken(sub)}` });
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const ref = (customerId: string) => pseudonymize(Buffer.from(t.config.subjectIdKey ?? '', 'utf8'), customerId);

const told = {
  title: 'Card offers',
  body: 'We use your name and mobile number to tell you about cards that suit you.',
  controller: {
    name: 'Example Bank Co., Ltd.',
    contact: 'Personal Information Protection Office',
    email: 'privacy@bank.example',
    phone: '+86 755 8888 0000',
  },
  piCategories: ['name', 'mobile phone number'],
  sensitivePiCategories: [],
  rights: {
    access: 'App › Privacy',
    copy: 'App › Privacy › Export',
    correct: 'App › Profile',
    delete: 'Call 95555',
    withdraw: 'App › Privacy › Consents',
  },
  complaintChannel: { phone: '95555' },
};

/** Publishes a new version of the purpose's general notice (a first draft, or an edit of the latest). */
async function publish(purpose: string, changes: Record<string, unknown> = {}): Promise<number> {
  const officer = await staff('pat');
  const latest = await t.http.get(`/v1/notices?purpose=${purpose}&status=published&limit=1`).set(officer);
  const draft = latest.body.items.length
    ? await t.http.patch(`/v1/notices/${latest.body.items[0].id}`).set(officer).send(changes)
    : await t.http
        .post('/v1/notices')
        .set(officer)
        .send({ purpose, ...told, ...changes });
  expect(draft.status).toBe(201);
  const published = await t.http.post(`/v1/notices/${draft.body.id}/publish`).set(officer);
  expect(published.status).toBe(200);
  return published.body.version as number;
}

const consent = (token: string, body: Record<string, unknown>) =>
  t.http
    .post('/v1/consents')
    .set(bearer(token))
    .send({ channel: 'mobile-bank', evidence: { collectionMethod: 'in-app checkbox, unticked by default' }, ...body });
const withdraw = (token: string, body: Record<string, unknown>) => t.http.post('/v1/consents/withdrawals').set(bearer(token)).send(body);
const check = (token: string, subject: string, purpose: string) =>
  t.http.get('/v1/consents/check').query({ subject, purpose }).set(bearer(token));
const decide = (subject: string | undefined) =>
  t.container.decisions.decide(pep, 'req-consent', {
    vendor: vendorId,
    asset: asset.key,
    fields: ['phone'],
    action: 'read',
    purpose: 'card_marketing',
    ...(subject ? { subject } : {}),
  });

async function rows(): Promise<{ consents: number; audit: number }> {
  const count = async (table: string) => Number(((await t.container.db(table).count({ n: '*' })) as Array<{ n: number }>)[0].n);
  return { consents: await count('consent_events'), audit: await count('audit_events') };
}

beforeAll(async () => {
  t = await createTestApp();
  f = new Factories(t);
  await f.department('RETAIL');
  await t.grantRole('pat', 'privacy_officer', '*');
  await t.grantRole('aude', 'auditor', '*');
  await t.grantRole('olivia', 'data_owner', 'RETAIL');
  await t.grantRole('vic', 'vendor_manager', '*');
  for (const key of ['card_marketing', 'credit_scoring', 'wealth_offers', 'bad_input', 'no_sensitive_field'])
    await f.purpose(key, 'consent', 'pat');
  await f.purpose('servicing', 'contract', 'pat');

  vendorId = await f.vendor({ purposes: ['card_marketing'], manager: 'vic' });
  asset = await f.asset('RETAIL', [['phone', 'personal']], 'olivia');
  const grant = await t.http
    .post('/v1/access-grants')
    .set(await staff('vic'))
    .send({
      vendor: vendorId,
      asset: asset.key,
      fields: ['phone'],
      actions: ['read'],
      purpose: 'card_marketing',
      validUntil: inDays(30),
      justification: 'Calls about card offers',
    });
  await t.http
    .post(`/v1/access-grants/${grant.body.id}/approve`)
    .set(await staff('olivia'))
    .send({})
    .expect(200);

  await publish('card_marketing');
  await publish('wealth_offers');
  await publish('bad_input');
  await publish('servicing');
  await publish('credit_scoring', {
    piCategories: ['name'],
    sensitivePiCategories: [
      { category: 'bank account numbers', necessity: 'To assess repayment capacity', impact: 'Misuse could cause financial loss' },
    ],
  });
  collectorA = await tokenFor(t, await registerSecretClient(t, { roles: ['consent_collector'], scopes: [] }));
  collectorB = await tokenFor(t, await registerSecretClient(t, { roles: ['consent_collector'], scopes: [] }));
  pepToken = await tokenFor(t, await registerSecretClient(t, { roles: ['pep'], scopes: ['decisions'] }));
});
afterAll(() => t.close());

describe('recording and checking consent', () => {
  it('records consent to the exact notice version, keyed by the pseudonym, audited', async () => {
    expect((await check(collectorA, ALICE, 'card_marketing')).body).toEqual({
      consented: false,
      state: 'none',
      noticeVersion: null,
      since: null,
      stale: false,
      latestNoticeVersion: 1,
      consentId: null,
    });
    const res = await consent(collectorA, { subject: ALICE, purpose: 'card_marketing', noticeVersion: 1 });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      subjectRef: ref(ALICE),
      purpose: 'card_marketing',
      noticeVersion: 1,
      channel: 'mobile-bank',
      separate: false,
      app: null,
    });
    expect(res.headers.location).toBe(`/v1/consents/${res.body.id}/receipt`);

    const status = await check(collectorB, ALICE, 'card_marketing');
    expect(status.status).toBe(200);
    expect(status.headers['cache-control']).toBe('no-store');
    expect(status.body).toEqual({
      consented: true,
      state: 'current',
      noticeVersion: 1,
      since: res.body.givenAt,
      stale: false,
      latestNoticeVersion: 1,
      consentId: res.body.id,
    });

    const events = await t.http.get(`/v1/audit?objectType=consent&objectId=${res.body.id}`).set(await staff('root-admin'));
    expect(events.body.items).toEqual([
      expect.objectContaining({
        action: 'consent.given',
        actorType: 'client',
        details: expect.objectContaining({ subjectRef: ref(ALICE), noticeVersion: 1 }),
      }),
    ]);
  });

  it('makes earlier consents stale after a material version, not after a wording change, until the customer consents again', async () => {
    await consent(collectorA, { subject: BOB, purpose: 'wealth_offers', noticeVersion: 1 }).expect(201);
    expect(await publish('wealth_offers', { title: 'Wealth offers, plainly' })).toBe(2);
    expect((await check(collectorA, BOB, 'wealth_offers')).body).toMatchObject({
      consented: true,
      state: 'current',
      noticeVersion: 1,
      latestNoticeVersion: 2,
    });

    expect(await publish('wealth_offers', { piCategories: ['name', 'mobile phone number', 'assets under management'] })).toBe(3);
    expect((await check(collectorA, BOB, 'wealth_offers')).body).toMatchObject({
      consented: false,
      state: 'stale',
      stale: true,
      noticeVersion: 1,
      latestNoticeVersion: 3,
    });
    expect(await t.container.consents.isCurrent(ref(BOB), 'wealth_offers')).toBe(false);

    const before = await rows();
    expectProblem(await consent(collectorA, { subject: BOB, purpose: 'wealth_offers', noticeVersion: 2 }), 409, 'notice_superseded');
    expect(await rows()).toEqual(before);
    const again = await consent(collectorA, { subject: BOB, purpose: 'wealth_offers', noticeVersion: 3 });
    expect(again.status).toBe(201);
    expect((await check(collectorA, BOB, 'wealth_offers')).body).toMatchObject({
      consented: true,
      state: 'current',
      noticeVersion: 3,
      stale: false,
      consentId: again.body.id,
    });
  });

  it('records consent to a notice published without the sensitivePiCategories field, and signs its receipt', async () => {
    const officer = await staff('pat');
    const { sensitivePiCategories: _omitted, ...withoutField } = told;
    const draft = await t.http
      .post('/v1/notices')
      .set(officer)
      .send({ purpose: 'no_sensitive_field', ...withoutField })
      .expect(201);
    expect(draft.body).not.toHaveProperty('content.sensitivePiCategories');
    await t.http.post(`/v1/notices/${draft.body.id}/publish`).set(officer).expect(200);
    const given = await consent(collectorA, { subject: CAROL, purpose: 'no_sensitive_field', noticeVersion: 1 });
    expect(given.status).toBe(201);
    const receipt = await t.http.get(`/v1/consents/${given.body.id}/receipt`).set(bearer(collectorA));
    expect(receipt.status).toBe(200);
  });

  it('needs separate consent for a notice that lists sensitive personal information', async () => {
    const before = await rows();
    const joint = await consent(collectorA, { subject: CAROL, purpose: 'credit_scoring', noticeVersion: 1 });
    expectProblem(joint, 400, 'separate_consent_required');
    expect(joint.body.detail).toContain('bank account numbers');
    expectProblem(
      await consent(collectorA, { subject: CAROL, purpose: 'credit_scoring', noticeVersion: 1, separate: false }),
      400,
      'separate_consent_required',
    );
    expect(await rows()).toEqual(before);
    const separate = await consent(collectorA, { subject: CAROL, purpose: 'credit_scoring', noticeVersion: 1, separate: true });
    expect(separate.status).toBe(201);
    expect(separate.body.separate).toBe(true);
    expect((await check(collectorA, CAROL, 'credit_scoring')).body.consented).toBe(true);
  });
  it('records a retried consent once when the app back end sends an Idempotency-Key', async () => {
    const before = await rows();
    const send = () =>
      consent(collectorA, { subject: BOB, purpose: 'card_marketing', noticeVersion: 1 }).set('Idempotency-Key', 'consent-bob-1');
    const first = await send();
    const retry = await send();
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body).toEqual(first.body);
    expect(await rows()).toEqual({ consents: before.consents + 1, audit: before.audit + 1 });
  });
});

describe('withdrawal and consent-aware decisions', () => {
  it('denies consent_missing until consent, allows after, denies again from the first decision after withdrawal', async () => {
    expect(await decide(DAVE)).toMatchObject({ decision: 'deny', deniedFields: [{ field: 'phone', reason: 'consent_missing' }] });
    // Without a named customer nobody's consent can be checked: denied, never allowed.
    expect(await decide(undefined)).toMatchObject({ decision: 'deny', deniedFields: [{ field: 'phone', reason: 'consent_unverifiable' }] });

    const given = await consent(collectorA, { subject: DAVE, purpose: 'card_marketing', noticeVersion: 1 });
    expect(given.status).toBe(201);
    expect(await decide(DAVE)).toMatchObject({ decision: 'allow', allowedFields: ['phone'] });

    // Any channel may take the withdrawal (PIPL Art. 15): here another app back end.
    const withdrawn = await withdraw(collectorB, { subject: DAVE, purpose: 'card_marketing', channel: 'branch-counter' });
    expect(withdrawn.status).toBe(201);
    expect(withdrawn.body).toMatchObject({ subjectRef: ref(DAVE), purpose: 'card_marketing', withdraws: given.body.id, noticeVersion: 1 });
    expect(await decide(DAVE)).toMatchObject({ decision: 'deny', deniedFields: [{ field: 'phone', reason: 'consent_missing' }] });
    expect((await check(collectorA, DAVE, 'card_marketing')).body).toMatchObject({
      consented: false,
      state: 'withdrawn',
      since: withdrawn.body.withdrawnAt,
      consentId: given.body.id,
    });

    expectProblem(await withdraw(collectorA, { subject: DAVE, purpose: 'card_marketing' }), 409, 'no_consent_to_withdraw');
    expectProblem(await withdraw(collectorA, { subject: 'CUST-NEVER-ASKED', purpose: 'card_marketing' }), 409, 'no_consent_to_withdraw');

    await consent(collectorA, { subject: DAVE, purpose: 'card_marketing', noticeVersion: 1 }).expect(201);
    expect((await decide(DAVE)).decision).toBe('allow');
    const decisions = await t.http.get(`/v1/audit?action=access.decided&objectId=${vendorId}`).set(await staff('root-admin'));
    expect(decisions.body.items[0].details).toMatchObject({ subjectRef: ref(DAVE), decision: 'allow' });
  });

  it('answers concurrent checks (read together in one statement) each for its own customer and purpose', async () => {
    const crowd = Array.from({ length: 12 }, (_, i) => `CUST-RAW-CROWD-${i}`);
    for (const [i, subject] of crowd.entries()) {
      if (i % 3 !== 0) await consent(collectorA, { subject, purpose: 'card_marketing', noticeVersion: 1 }).expect(201);
      if (i % 3 === 1) await withdraw(collectorA, { subject, purpose: 'card_marketing' }).expect(201);
    }
    const asked = [...crowd, ...crowd].map((subject) => ({ subject, purpose: 'card_marketing' }));
    asked.push({ subject: crowd[2], purpose: 'loan_marketing' });
    const answers = await Promise.all(asked.map((q) => check(collectorA, q.subject, q.purpose)));
    const expected = asked.map((q) => {
      if (q.purpose !== 'card_marketing') return 404;
      const i = crowd.indexOf(q.subject);
      return i % 3 === 0 ? 'none' : i % 3 === 1 ? 'withdrawn' : 'current';
    });
    expect(answers.map((a) => (a.status === 200 ? a.body.state : a.status))).toEqual(expected);
    // The same questions asked in one turn of the event loop share a statement (HTTP requests above may not).
    const direct = await Promise.all(asked.map((q) => t.container.consents.status(ref(q.subject), q.purpose)));
    expect(direct.map((s) => s?.state ?? 404)).toEqual(expected);
    // A withdrawal counts from the very next check, however many checks run beside it.
    await withdraw(collectorB, { subject: crowd[2], purpose: 'card_marketing' }).expect(201);
    const after = await Promise.all(crowd.map((subject) => check(collectorB, subject, 'card_marketing')));
    expect(after[2].body).toMatchObject({ consented: false, state: 'withdrawn' });
    expect(after[5].body).toMatchObject({ consented: true, state: 'current' });
  });

  it('gives consent-aware answers through POST /v1/decisions too', async () => {
    const body = { vendor: vendorId, asset: asset.key, fields: ['phone'], action: 'read', purpose: 'card_marketing', subject: ALICE };
    const allowed = await t.http.post('/v1/decisions').set(bearer(pepToken)).send(body);
    expect(allowed.body).toMatchObject({ decision: 'allow' });
    await withdraw(collectorA, { subject: ALICE, purpose: 'card_marketing' }).expect(201);
    const denied = await t.http.post('/v1/decisions').set(bearer(pepToken)).send(body);
    expect(denied.body).toMatchObject({ decision: 'deny', deniedFields: [{ field: 'phone', reason: 'consent_missing' }] });
    await consent(collectorA, { subject: ALICE, purpose: 'card_marketing', noticeVersion: 1 }).expect(201);
  });
});

describe('sensitive personal information in decisions', () => {
  // A grant on a sensitive field needs the purpose's notice to disclose it (the regulator's finding:
  // a notice without sensitive categories beside a vendor grant on one). Such a notice asks for
  // separate consent, so the sensitive field is released only on consent given separately.
  it('releases a sensitive field only once the notice discloses it and the customer consented separately (PIPL Art. 29-30)', async () => {
    const ERIN = 'CUST-RAW-ERIN-41C2D9';
    await f.purpose('kyc_offers', 'consent', 'pat');
    const kycVendor = await f.vendor({ purposes: ['kyc_offers'], manager: 'vic' });
    const kyc = await f.asset(
      'RETAIL',
      [
        ['phone', 'personal'],
        ['id_number', 'sensitive'],
      ],
      'olivia',
    );
    expect(await publish('kyc_offers')).toBe(1);
    const grant = await t.http
      .post('/v1/access-grants')
      .set(await staff('vic'))
      .send({
        vendor: kycVendor,
        asset: kyc.key,
        fields: ['phone', 'id_number'],
        actions: ['read'],
        purpose: 'kyc_offers',
        validUntil: inDays(30),
        justification: 'Identity checks for card offers',
      });
    expect(grant.status).toBe(201);
    const refused = await t.http
      .post(`/v1/access-grants/${grant.body.id}/approve`)
      .set(await staff('olivia'))
      .send({});
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'sensitive_data_not_in_notice', missing: [{ asset: kyc.key, field: 'id_number' }] });

    const sensitivePiCategories = [
      {
        category: 'resident identity card number',
        necessity: 'To verify identity',
        impact: 'Identity theft if leaked',
        fields: ['id_number'],
      },
    ];
    expect(await publish('kyc_offers', { sensitivePiCategories })).toBe(2);
    await t.http
      .post(`/v1/access-grants/${grant.body.id}/approve`)
      .set(await staff('olivia'))
      .send({})
      .expect(200);
    await t.http
      .post(`/v1/access-grants/${grant.body.id}/approve`)
      .set(await staff('pat'))
      .send({})
      .expect(200);
    const body = {
      vendor: kycVendor,
      asset: kyc.key,
      fields: ['phone', 'id_number'],
      action: 'read',
      purpose: 'kyc_offers',
      subject: ERIN,
    };
    const ask = async () => (await t.http.post('/v1/decisions').set(bearer(pepToken)).send(body).expect(200)).body;

    expect(await ask()).toMatchObject({ decision: 'deny' });
    // The notice lists sensitive information, so an ordinary consent is refused.
    expect((await consent(collectorA, { subject: ERIN, purpose: 'kyc_offers', noticeVersion: 2 })).body).toMatchObject({
      code: 'separate_consent_required',
    });
    expect(await ask()).toMatchObject({ decision: 'deny', allowedFields: [] });

    await consent(collectorA, { subject: ERIN, purpose: 'kyc_offers', noticeVersion: 2, separate: true }).expect(201);
    expect(await ask()).toMatchObject({ decision: 'allow', allowedFields: ['phone', 'id_number'] });
    const audited = await t.http.get(`/v1/audit?action=access.decided&objectId=${kycVendor}&limit=1`).set(await staff('aude'));
    expect(audited.body.items[0].details.matchedRules.map((r: { rule: string[] }) => r.rule[2])).toEqual(['phone', 'id_number']);
    // Without a named customer there is no consent to check: the sensitive field and the ordinary one are denied.
    const { subject: _subject, ...anonymous } = body;
    expect((await t.http.post('/v1/decisions').set(bearer(pepToken)).send(anonymous).expect(200)).body).toMatchObject({
      decision: 'deny',
      deniedFields: [
        { field: 'phone', reason: 'consent_unverifiable' },
        { field: 'id_number', reason: 'consent_unverifiable' },
      ],
    });
  });
});

describe('receipts', () => {
  it('signs a Kantara receipt that verifies against the published JWKS; a tampered one does not', async () => {
    const given = await consent(collectorA, {
      subject: CAROL,
      purpose: 'credit_scoring',
      noticeVersion: 1,
      separate: true,
      evidence: { collectionMethod: 'separate consent screen' },
    });
    const res = await t.http.get(`/v1/consents/${given.body.id}/receipt`).set(bearer(collectorA));
    expect(res.status).toBe(200);
    const jws = res.body.receipt as string;
    expect(decodeProtectedHeader(jws)).toMatchObject({ typ: 'consent-receipt+jwt', alg: 'ES256', kid: expect.any(String) });

    const { port } = t.server.address() as AddressInfo;
    const jwks = createRemoteJWKSet(new URL(`http://127.0.0.1:${port}/.well-known/jwks.json`), { timeoutDuration: 30_000 });
    const { payload } = await jwtVerify(jws, jwks, { issuer: t.config.publicUrl, typ: 'consent-receipt+jwt' });
    expect(payload).toMatchObject({
      version: 'KI-CR-v1.1.0',
      jurisdiction: 'CN',
      consentTimestamp: Math.floor(Date.parse(given.body.givenAt) / 1000),
      collectionMethod: 'separate consent screen',
      consentReceiptID: given.body.id,
      language: 'zh-CN',
      piiPrincipalId: ref(CAROL),
      piiControllers: [
        {
          piiController: 'Example Bank Co., Ltd.',
          contact: 'Personal Information Protection Office',
          email: 'privacy@bank.example',
          phone: '+86 755 8888 0000',
        },
      ],
      policyUrl: `${t.config.publicUrl}/v1/public/notices/credit_scoring?version=1`,
      services: [
        {
          service: 'mobile-bank',
          purposes: [
            {
              purpose: 'Purpose credit_scoring',
              purposeCategory: ['credit_scoring'],
              consentType: 'EXPLICIT',
              piiCategory: ['name', 'bank account numbers'],
              primaryPurpose: true,
              thirdPartyDisclosure: false,
            },
          ],
        },
      ],
      sensitive: true,
      spiCat: ['bank account numbers'],
      noticeVersion: 1,
      separateConsent: true,
    });
    expect(JSON.stringify(payload)).not.toContain(CAROL);

    const [header, body, signature] = jws.split('.');
    const forged = Buffer.from(JSON.stringify({ ...payload, piiPrincipalId: ref(BOB) })).toString('base64url');
    await expect(jwtVerify(`${header}.${forged}.${signature}`, jwks)).rejects.toThrow(/signature verification failed/);
    const bytes = Buffer.from(signature, 'base64url');
    bytes[10] ^= 0x01;
    await expect(jwtVerify(`${header}.${body}.${bytes.toString('base64url')}`, jwks)).rejects.toThrow(/signature verification failed/);
  });

  it('lists third parties, and points the policy URL at the pinned version the customer saw', async () => {
    const given = await consent(collectorB, { subject: BOB, purpose: 'card_marketing', noticeVersion: 1 });
    const { payload } = await jwtVerify(
      (await t.http.get(`/v1/consents/${given.body.id}/receipt`).set(bearer(collectorB))).body.receipt,
      createRemoteJWKSet(new URL(`http://127.0.0.1:${(t.server.address() as AddressInfo).port}/.well-known/jwks.json`), {
        timeoutDuration: 30_000,
      }),
    );
    const purpose = (payload.services as Array<{ purposes: Array<Record<string, unknown>> }>)[0].purposes[0];
    expect(purpose).toMatchObject({ thirdPartyDisclosure: true, thirdPartyName: expect.stringContaining('Vendor') });
    expect(payload.collectionMethod).toBe('in-app checkbox, unticked by default');
    const pinned = await t.http.get(new URL(payload.policyUrl as string).pathname + new URL(payload.policyUrl as string).search);
    expect(pinned.body).toMatchObject({ purpose: 'card_marketing', version: 1, piCategories: told.piCategories });
  });

  it('shows a receipt only to the collector that recorded the consent', async () => {
    const given = await consent(collectorA, { subject: BOB, purpose: 'card_marketing', noticeVersion: 1 });
    expectProblem(await t.http.get(`/v1/consents/${given.body.id}/receipt`).set(bearer(collectorB)), 404);
    expectProblem(await t.http.get(`/v1/consents/${given.body.id}/receipt`).set(await staff('pat')), 401);
    expectProblem(await t.http.get(`/v1/consents/${given.body.id}/receipt`).set(bearer(pepToken)), 403);
    const withdrawal = await withdraw(collectorA, { subject: BOB, purpose: 'card_marketing' });
    expectProblem(await t.http.get(`/v1/consents/${withdrawal.body.id}/receipt`).set(bearer(collectorA)), 404);
  });
});

describe('receipts state the consent status', () => {
  const [ERIN, FRED, GINA] = ['CUST-RAW-ERIN-41B2C0', 'CUST-RAW-FRED-8E77D1', 'CUST-RAW-GINA-13AF5C'];
  const jwks = () =>
    createRemoteJWKSet(new URL(`http://127.0.0.1:${(t.server.address() as AddressInfo).port}/.well-known/jwks.json`), {
      timeoutDuration: 30_000,
    });
  async function receiptOf(token: string, id: string) {
    const res = await t.http.get(`/v1/consents/${id}/receipt`).set(bearer(token)).expect(200);
    // Verified against the published key, not just decoded.
    const { payload } = await jwtVerify(res.body.receipt as string, jwks(), { issuer: t.config.publicUrl, typ: 'consent-receipt+jwt' });
    return { body: res.body as { id: string; status: string; statusAt: string }, payload };
  }
  const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

  it('given → the receipt says given; withdrawn → it says withdrawn, with the withdrawal time, and still verifies', async () => {
    const given = await consent(collectorA, { subject: ERIN, purpose: 'card_marketing', noticeVersion: 1 }).expect(201);
    const before = await receiptOf(collectorA, given.body.id);
    expect(before.body).toMatchObject({ id: given.body.id, status: 'given', statusAt: given.body.givenAt });
    expect(before.payload).toMatchObject({
      consentReceiptID: given.body.id,
      consentStatus: 'given',
      consentStatusTimestamp: seconds(given.body.givenAt),
    });
    expect(before.payload).not.toHaveProperty('withdrawalTimestamp');

    const withdrawal = await withdraw(collectorA, { subject: ERIN, purpose: 'card_marketing' }).expect(201);
    const after = await receiptOf(collectorA, given.body.id);
    expect(after.body).toMatchObject({ status: 'withdrawn', statusAt: withdrawal.body.withdrawnAt });
    expect(after.payload).toMatchObject({
      consentReceiptID: given.body.id,
      consentTimestamp: seconds(given.body.givenAt),
      consentStatus: 'withdrawn',
      consentStatusTimestamp: seconds(withdrawal.body.withdrawnAt),
      withdrawalTimestamp: seconds(withdrawal.body.withdrawnAt),
      withdrawalID: withdrawal.body.id,
    });

    // Consent given again later is a new consent; the withdrawn one stays withdrawn.
    const again = await consent(collectorA, { subject: ERIN, purpose: 'card_marketing', noticeVersion: 1 }).expect(201);
    expect((await receiptOf(collectorA, again.body.id)).body.status).toBe('given');
    expect((await receiptOf(collectorA, given.body.id)).payload).toMatchObject({
      consentStatus: 'withdrawn',
      withdrawalID: withdrawal.body.id,
    });
  });

  it('a withdrawal through another collector is stated too', async () => {
    const given = await consent(collectorA, { subject: FRED, purpose: 'credit_scoring', noticeVersion: 1, separate: true }).expect(201);
    const withdrawal = await withdraw(collectorB, { subject: FRED, purpose: 'credit_scoring' }).expect(201);
    expect((await receiptOf(collectorA, given.body.id)).payload).toMatchObject({
      consentStatus: 'withdrawn',
      withdrawalTimestamp: seconds(withdrawal.body.withdrawnAt),
    });
  });

  it('stale after a material notice version (not after a wording change), superseded once the customer consents again', async () => {
    await f.purpose('receipt_status', 'consent', 'pat');
    expect(await publish('receipt_status')).toBe(1);
    const first = await consent(collectorB, { subject: GINA, purpose: 'receipt_status', noticeVersion: 1 }).expect(201);
    expect(await publish('receipt_status', { title: 'Card offers, plainly' })).toBe(2);
    expect((await receiptOf(collectorB, first.body.id)).body.status).toBe('given');

    expect(await publish('receipt_status', { piCategories: ['name', 'mobile phone number', 'card spending'] })).toBe(3);
    const v3 = await t.http.get('/v1/public/notices/receipt_status?version=3').expect(200);
    const stale = await receiptOf(collectorB, first.body.id);
    expect(stale.body.status).toBe('stale');
    expect(stale.payload).toMatchObject({ consentStatus: 'stale', staleSinceNoticeVersion: 3, noticeVersion: 1 });
    expect(stale.body.statusAt).toBe(v3.body.publishedAt);

    const again = await consent(collectorB, { subject: GINA, purpose: 'receipt_status', noticeVersion: 3 }).expect(201);
    expect((await receiptOf(collectorB, first.body.id)).payload).toMatchObject({
      consentStatus: 'superseded',
      supersededBy: again.body.id,
      consentStatusTimestamp: seconds(again.body.givenAt),
    });
    expect((await receiptOf(collectorB, again.body.id)).payload).toMatchObject({ consentStatus: 'given', noticeVersion: 3 });
  });
});

describe('history and permissions', () => {
  it('shows privacy officers and auditors every event, audits the look-up, and refuses data owners', async () => {
    const officer = await t.http
      .get('/v1/consent-history')
      .query({ subject: DAVE })
      .set(await staff('pat'));
    expect(officer.status).toBe(200);
    expect(officer.body.subjectRef).toBe(ref(DAVE));
    expect(officer.body.items.map((e: { kind: string }) => e.kind)).toEqual(['given', 'withdrawn', 'given']);
    expect(new Set(officer.body.items.map((e: { recordedBy: string }) => e.recordedBy)).size).toBe(2);
    const lookups = await t.http.get(`/v1/audit?action=consent.history_read&objectId=${ref(DAVE)}`).set(await staff('root-admin'));
    expect(lookups.body.items[0]).toMatchObject({ actorId: 'pat', objectType: 'consent_subject', details: { events: 3 } });

    const paged = await t.http
      .get('/v1/consent-history')
      .query({ subject: DAVE, limit: 2 })
      .set(await staff('aude'));
    expect(paged.body.items).toHaveLength(2);
    const rest = await t.http
      .get('/v1/consent-history')
      .query({ subject: DAVE, limit: 2, cursor: paged.body.nextCursor })
      .set(await staff('aude'));
    expect(rest.body).toMatchObject({ items: [{ kind: 'given' }], nextCursor: null });

    expectProblem(
      await t.http
        .get('/v1/consent-history')
        .query({ subject: DAVE })
        .set(await staff('olivia')),
      403,
    );
    expectProblem(
      await t.http
        .get('/v1/consent-history')
        .query({ subject: DAVE })
        .set(await staff('vic')),
      403,
    );
    expectProblem(await t.http.get('/v1/consent-history').query({ subject: DAVE }).set(bearer(collectorA)), 401);
  });

  it('shows a collector only what it recorded itself', async () => {
    const a = await t.http.get('/v1/consents/history').query({ subject: DAVE }).set(bearer(collectorA));
    expect(a.body.items.map((e: { kind: string }) => e.kind)).toEqual(['given', 'given']);
    const b = await t.http.get('/v1/consents/history').query({ subject: DAVE }).set(bearer(collectorB));
    expect(b.body.items.map((e: { kind: string }) => e.kind)).toEqual(['withdrawn']);
    const none = await t.http.get('/v1/consents/history').query({ subject: CAROL }).set(bearer(collectorB));
    expect(none.body).toEqual({ subjectRef: ref(CAROL), items: [], nextCursor: null });
    const mine = await t.http.get('/v1/consents/history').query({ subject: BOB, purpose: 'wealth_offers' }).set(bearer(collectorA));
    expect(mine.body.items.map((e: { noticeVersion: number }) => e.noticeVersion)).toEqual([3, 1]);

    expectProblem(await t.http.get('/v1/consents/history').query({ subject: DAVE }).set(bearer(pepToken)), 403);
    expectProblem(
      await t.http
        .get('/v1/consents/history')
        .query({ subject: DAVE })
        .set(await staff('pat')),
      401,
    );
    expectProblem(await consent(pepToken, { subject: DAVE, purpose: 'card_marketing', noticeVersion: 1 }), 403);
    expectProblem(await check(pepToken, DAVE, 'card_marketing'), 403);
    expectProblem(await t.http.get('/v1/consents/check').query({ subject: DAVE, purpose: 'card_marketing' }), 401);
  });
});

describe('bad input', () => {
  const unknownId = '0b4f6a3e-2b8e-4c55-9a0e-6f2d7b1c9e01';

  it.each([
    ['no subject', 400, 'validation_failed', { purpose: 'bad_input', noticeVersion: 1 }],
    ['an empty subject', 400, 'validation_failed', { subject: '', purpose: 'bad_input', noticeVersion: 1 }],
    ['a subject with a control character', 400, 'validation_failed', { subject: 'C1\u0000', purpose: 'bad_input', noticeVersion: 1 }],
    ['an unknown purpose', 400, 'validation_failed', { subject: ALICE, purpose: 'no_such_purpose', noticeVersion: 1 }],
    ['an unpublished version', 400, 'validation_failed', { subject: ALICE, purpose: 'bad_input', noticeVersion: 7 }],
    ['version 0', 400, 'validation_failed', { subject: ALICE, purpose: 'bad_input', noticeVersion: 0 }],
    ['a version as text', 400, 'validation_failed', { subject: ALICE, purpose: 'bad_input', noticeVersion: '1' }],
    ['no channel', 400, 'validation_failed', { subject: ALICE, purpose: 'bad_input', noticeVersion: 1, channel: undefined }],
    ['an unknown property', 400, 'validation_failed', { subject: ALICE, purpose: 'bad_input', noticeVersion: 1, ip: '10.0.0.1' }],
    [
      'free-form evidence',
      400,
      'validation_failed',
      { subject: ALICE, purpose: 'bad_input', noticeVersion: 1, evidence: { idCard: ALICE } },
    ],
    [
      'a bad artefact hash',
      400,
      'validation_failed',
      { subject: ALICE, purpose: 'bad_input', noticeVersion: 1, evidence: { artifactSha256: 'abc' } },
    ],
    ['separate as text', 400, 'validation_failed', { subject: ALICE, purpose: 'bad_input', noticeVersion: 1, separate: 'yes' }],
    ['a subject with an unpaired surrogate', 400, 'validation_failed', { subject: 'C1\udc00', purpose: 'bad_input', noticeVersion: 1 }],
    [
      'a NUL character in the channel',
      400,
      'validation_failed',
      { subject: ALICE, purpose: 'bad_input', noticeVersion: 1, channel: 'app\u0000' },
    ],
    [
      'an unpaired surrogate in the evidence',
      400,
      'validation_failed',
      { subject: ALICE, purpose: 'bad_input', noticeVersion: 1, evidence: { interface: 'sheet \ud800' } },
    ],
    ['a purpose that does not rest on consent', 409, 'consent_not_applicable', { subject: ALICE, purpose: 'servicing', noticeVersion: 1 }],
  ] as const)('POST /v1/consents with %s → %s %s, nothing written', async (_label, status, code, body) => {
    const before = await rows();
    expectProblem(await consent(collectorA, body), status, code);
    expect(await rows()).toEqual(before);
  });

  it('refuses bad requests on every other consent endpoint with 4xx problem+json and writes nothing', async () => {
    const before = await rows();
    expectProblem(await t.http.post('/v1/consents').set(bearer(collectorA)).set('Content-Type', 'text/plain').send('subject=x'), 415);
    expectProblem(
      await t.http.post('/v1/consents').set(bearer(collectorA)).set('Content-Type', 'application/json').send('{"subject":'),
      400,
    );
    expectProblem(await withdraw(collectorA, { purpose: 'bad_input' }), 400, 'validation_failed');
    expectProblem(await withdraw(collectorA, { subject: ALICE }), 400, 'validation_failed');
    expectProblem(await withdraw(collectorA, { subject: ALICE, purpose: 'no_such_purpose' }), 400, 'validation_failed');
    expectProblem(
      await withdraw(collectorA, { subject: ALICE, purpose: 'bad_input', reason: 'changed my mind' }),
      400,
      'validation_failed',
    );
    expectProblem(await withdraw(collectorA, { subject: ALICE, purpose: 'bad_input' }), 409, 'no_consent_to_withdraw');
    expectProblem(await t.http.get('/v1/consents/check').query({ purpose: 'bad_input' }).set(bearer(collectorA)), 400, 'validation_failed');
    expectProblem(await t.http.get('/v1/consents/check').query({ subject: ALICE }).set(bearer(collectorA)), 400, 'validation_failed');
    expectProblem(
      await t.http.get('/v1/consents/check').query({ subject: ALICE, purpose: 'Bad Input' }).set(bearer(collectorA)),
      400,
      'validation_failed',
    );
    expectProblem(
      await t.http.get('/v1/consents/check').query({ subject: ALICE, purpose: 'bad_input', verbose: 1 }).set(bearer(collectorA)),
      400,
    );
    expectProblem(await check(collectorA, ALICE, 'no_such_purpose'), 404);
    expectProblem(await t.http.get('/v1/consents/history').set(bearer(collectorA)), 400, 'validation_failed');
    expectProblem(await t.http.get('/v1/consents/history').query({ subject: ALICE, cursor: '%%%' }).set(bearer(collectorA)), 400);
    expectProblem(await t.http.get('/v1/consents/history').query({ subject: ALICE, limit: 1000 }).set(bearer(collectorA)), 400);
    expectProblem(await t.http.get('/v1/consent-history').set(await staff('pat')), 400, 'validation_failed');
    expectProblem(
      await t.http
        .get('/v1/consent-history')
        .query({ subject: ALICE, purpose: 'x y' })
        .set(await staff('pat')),
      400,
    );
    expectProblem(await t.http.get('/v1/consents/not-a-uuid/receipt').set(bearer(collectorA)), 400);
    expectProblem(await t.http.get(`/v1/consents/${unknownId}/receipt`).set(bearer(collectorA)), 404);
    expect(await rows()).toEqual(before);
  });
});

describe('customer identifiers', () => {
  it('never stores a raw customer id in any table, nor logs one', async () => {
    const tables = (await t.container
      .db('information_schema.tables')
      .whereRaw('table_schema = current_schema()')
      .where('table_type', 'BASE TABLE')
      .pluck('table_name')) as string[];
    expect(tables).toEqual(expect.arrayContaining(['consent_events', 'audit_events', 'notices']));
    for (const table of tables) {
      const { rows: found } = (await t.container.db.raw(`select row_to_json(x)::text as line from "${table}" x`)) as {
        rows: Array<{ line: string }>;
      };
      const text = found.map((r) => r.line).join('\n');
      for (const raw of RAW_IDS) expect({ table, leaked: text.includes(raw) }).toEqual({ table, leaked: false });
    }
    const stored = (await t.container.db('consent_events').pluck('subject_ref')) as string[];
    expect(stored).toEqual(expect.arrayContaining(RAW_IDS.map(ref)));
    expect(t.logLines.length).toBeGreaterThan(0);
    for (const raw of RAW_IDS) expect(t.logLines.filter((l) => l.includes(raw))).toEqual([]);
  });
});

describe('consent histories by department', () => {
  const ERIN = 'CUST-RAW-ERIN-31C7A0';
  it('shows a department reader only consents given through its department’s apps (and their withdrawals); bank-wide readers see all', async () => {
    await f.department('CARDS');
    await t.grantRole('rpo', 'privacy_officer', 'RETAIL');
    await t.grantRole('raud', 'auditor', 'RETAIL');
    await t.grantRole('cpo', 'privacy_officer', 'CARDS');
    await t.grantRole('amy', 'app_manager', '*');
    const app = await t.http
      .post('/v1/apps')
      .set(await staff('amy'))
      .send({
        name: 'Retail Wealth App',
        kind: 'app',
        audience: 'customer',
        leadDepartment: 'RETAIL',
        owningDepartment: 'RETAIL',
        responsiblePerson: 'Lead of mobile',
      })
      .expect(201);
    const draft = await t.http
      .post('/v1/notices')
      .set(await staff('pat'))
      .send({ purpose: 'wealth_offers', app: app.body.id, ...told })
      .expect(201);
    const appVersion = (
      await t.http
        .post(`/v1/notices/${draft.body.id}/publish`)
        .set(await staff('pat'))
        .expect(200)
    ).body.version as number;
    const generalVersion = await publish('credit_scoring', { title: 'Credit scoring, as told in every channel' });
    const viaApp = await consent(collectorA, { subject: ERIN, purpose: 'wealth_offers', noticeVersion: appVersion });
    expect({ status: viaApp.status, body: viaApp.body }).toMatchObject({ status: 201 });
    const general = await consent(collectorA, { subject: ERIN, purpose: 'credit_scoring', noticeVersion: generalVersion, separate: true });
    expect({ status: general.status, detail: general.body.detail }).toMatchObject({ status: 201 });
    expect((await withdraw(collectorA, { subject: ERIN, purpose: 'wealth_offers' })).status).toBe(201);
    expect((await withdraw(collectorA, { subject: ERIN, purpose: 'credit_scoring' })).status).toBe(201);

    const history = async (who: string) =>
      (
        await t.http
          .get('/v1/consent-history')
          .query({ subject: ERIN })
          .set(await staff(who))
          .expect(200)
      ).body.items
        .map((e: { purpose: string; kind: string }) => `${e.kind}:${e.purpose}`)
        .sort();
    const all = ['given:credit_scoring', 'given:wealth_offers', 'withdrawn:credit_scoring', 'withdrawn:wealth_offers'];
    expect(await history('pat')).toEqual(all);
    expect(await history('aude')).toEqual(all);
    for (const reader of ['rpo', 'raud']) expect(await history(reader)).toEqual(['given:wealth_offers', 'withdrawn:wealth_offers']);
    expect(await history('cpo')).toEqual([]);
    const filtered = await t.http
      .get('/v1/consent-history')
      .query({ subject: ERIN, purpose: 'credit_scoring' })
      .set(await staff('rpo'))
      .expect(200);
    expect(filtered.body.items).toEqual([]);
  });
});
