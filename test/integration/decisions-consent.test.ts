import crypto from 'node:crypto';
import { pseudonymize } from '../../services/shared/pseudonym';
import { createTestApp, expectProblem, type TestApp } from '../helpers/app';
import { Factories } from '../helpers/factories';
import { registerSecretClient, tokenFor } from '../helpers/oauth';
import { blastRadiusOf } from '../helpers/incidents';

// Consent in decisions: under a purpose whose legal basis is consent, a personal field is released
// only for a named customer whose consent is current (a sensitive field: given separately); without a
// named customer it is denied consent_unverifiable. Non-personal fields need no consent; purposes
// on another legal basis need none. Bulk reads name up to 1,000 customers and get an answer each.

let t: TestApp;
let f: Factories;
let pep: string;
let collector: string;
let vendorId: string;
let asset: { id: string; key: string };
let offersGrant: string;
const DAY = 86_400_000;
const inDays = (n: number) => new Date(Date.now() + n * DAY).toISOString();
const staff = async (sub: string) => ({ Authorization: `Bearer ${await t.staffToken(sub)}` });
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const ref = (customerId: string) => pseudonymize(Buffer.from(t.config.subjectIdKey ?? '', 'utf8'), customerId);

// Raw customer ids: none may reach the audit log or a log line.
const SEP = 'CUST-RAW-SEPARATE-1A';
const ORD = 'CUST-RAW-ORDINARY-2B';
const WD = 'CUST-RAW-WITHDRAWN-3C';
const NEVER = 'CUST-RAW-NEVER-4D';
const FIELDS = ['phone', 'balance', 'branch_code']; // personal, sensitive, no PI

const told = {
  title: 'Card offers',
  body: 'We use your mobile number and balance to offer cards that suit you.',
  controller: {
    name: 'Example Bank Co., Ltd.',
    contact: 'Personal Information Protection Office',
    email: 'privacy@bank.example',
    phone: '+86 755 8888 0000',
  },
  piCategories: ['mobile phone number'],
  // The grants release the sensitive balance: the notice must disclose it before they are approved.
  sensitivePiCategories: [
    {
      category: 'account balance',
      necessity: 'To offer cards that fit what you hold',
      impact: 'Reveals your finances',
      fields: ['balance'],
    },
  ],
  rights: {
    access: 'App › Privacy',
    copy: 'App › Privacy › Export',
    correct: 'App › Profile',
    delete: 'Call 95555',
    withdraw: 'App › Privacy › Consents',
  },
  complaintChannel: { phone: '95555' },
};

async function publish(changes: Record<string, unknown> = {}): Promise<number> {
  const officer = await staff('pat');
  const latest = await t.http.get('/v1/notices?purpose=offers&status=published&limit=1').set(officer);
  const draft = latest.body.items.length
    ? await t.http.patch(`/v1/notices/${latest.body.items[0].id}`).set(officer).send(changes)
    : await t.http
        .post('/v1/notices')
        .set(officer)
        .send({ purpose: 'offers', ...told, ...changes });
  expect(draft.status).toBe(201);
  return (await t.http.post(`/v1/notices/${draft.body.id}/publish`).set(officer).expect(200)).body.version as number;
}

async function approvedGrant(purpose: string, extra: Record<string, unknown> = {}): Promise<string> {
  const req = await t.http
    .post('/v1/access-grants')
    .set(await staff('vic'))
    .send({
      vendor: vendorId,
      asset: asset.key,
      fields: FIELDS,
      actions: ['read'],
      purpose,
      validUntil: inDays(30),
      justification: 'Card offers and servicing calls',
      ...extra,
    });
  expect(req.status).toBe(201);
  await t.http
    .post(`/v1/access-grants/${req.body.id}/approve`)
    .set(await staff('olivia'))
    .send({})
    .expect(200);
  await t.http
    .post(`/v1/access-grants/${req.body.id}/approve`)
    .set(await staff('pat'))
    .send({})
    .expect(200);
  return req.body.id as string;
}

const consent = (subject: string, noticeVersion: number, separate = false) =>
  t.http
    .post('/v1/consents')
    .set(bearer(collector))
    .send({ subject, purpose: 'offers', noticeVersion, channel: 'mobile-bank', separate })
    .expect(201);
// An ordinary (not separate) consent to a notice that lists sensitive information: the API refuses
// it since notices must disclose what grants release, so it stands for records made before that rule.
async function legacyOrdinaryConsent(subject: string, noticeVersion: number): Promise<void> {
  const notice = await t.database
    .db('notices')
    .where({ purpose_key: 'offers', version: noticeVersion, status: 'published' })
    .first('id', 'app_id');
  await t.database.db('consent_events').insert({
    id: crypto.randomUUID(),
    kind: 'given',
    subject_ref: ref(subject),
    purpose_key: 'offers',
    notice_id: notice.id,
    notice_version: noticeVersion,
    notice_app_id: notice.app_id,
    separate: false,
    channel: 'mobile-bank',
    evidence: JSON.stringify({ collectionMethod: 'in-app checkbox' }),
    withdraws: null,
    client_id: 'legacy-collector',
    recorded_at: new Date().toISOString(),
  });
}
const withdraw = (subject: string) =>
  t.http.post('/v1/consents/withdrawals').set(bearer(collector)).send({ subject, purpose: 'offers' }).expect(201);
const decide = (body: Record<string, unknown>) =>
  t.http
    .post('/v1/decisions')
    .set(bearer(pep))
    .send({ vendor: vendorId, asset: asset.key, fields: FIELDS, action: 'read', ...body });
const lastDecision = async () => (await t.container.audit.list({ action: 'access.decided', objectId: vendorId }, 1))[0];

beforeAll(async () => {
  t = await createTestApp();
  f = new Factories(t);
  await f.department('RETAIL');
  await t.grantRole('pat', 'privacy_officer', '*');
  await t.grantRole('olivia', 'data_owner', 'RETAIL');
  await t.grantRole('vic', 'vendor_manager', '*');
  await f.purpose('offers', 'consent', 'pat');
  await f.purpose('servicing', 'contract', 'pat');
  vendorId = await f.vendor({ purposes: ['offers', 'servicing'], manager: 'vic' });
  asset = await f.asset(
    'RETAIL',
    [
      ['phone', 'personal'],
      ['balance', 'sensitive'],
      ['branch_code', 'none'],
    ],
    'olivia',
  );
  // Published before the grants (which need the sensitive balance disclosed), naming the vendor they entrust.
  await publish({ thirdParties: [{ name: 'Card offers vendor', kind: 'entrusted', vendorId }] });
  offersGrant = await approvedGrant('offers');
  await approvedGrant('servicing');
  collector = await tokenFor(t, await registerSecretClient(t, { roles: ['consent_collector'], scopes: [] }));
  pep = await tokenFor(t, await registerSecretClient(t, { roles: ['pep'], scopes: [] }));
  await consent(SEP, 1, true);
  await legacyOrdinaryConsent(ORD, 1);
  await consent(WD, 1, true);
  await withdraw(WD);
});
afterAll(() => t.close());

describe('a purpose whose legal basis is consent', () => {
  it('without a named customer: personal and sensitive fields denied consent_unverifiable, the non-PI field allowed', async () => {
    const res = await decide({ purpose: 'offers' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      decision: 'partial',
      allowedFields: ['branch_code'],
      deniedFields: [
        { field: 'phone', reason: 'consent_unverifiable' },
        { field: 'balance', reason: 'consent_unverifiable' },
      ],
    });
    expect(res.body.subjects).toBeUndefined();
    expect((await lastDecision()).details).toMatchObject({ releasedFields: ['branch_code'], subjectRef: null });
    // Whatever the number of records.
    expect((await decide({ purpose: 'offers', fields: ['phone'], records: 1_000_000 })).body.deniedFields).toEqual([
      { field: 'phone', reason: 'consent_unverifiable' },
    ]);
    expect((await decide({ purpose: 'offers', fields: ['branch_code'] })).body.decision).toBe('allow');
  });

  it.each([
    [SEP, ['phone', 'balance', 'branch_code'], []],
    [ORD, ['phone', 'branch_code'], [{ field: 'balance', reason: 'consent_missing' }]],
    [
      WD,
      ['branch_code'],
      [
        { field: 'phone', reason: 'consent_missing' },
        { field: 'balance', reason: 'consent_missing' },
      ],
    ],
    [
      NEVER,
      ['branch_code'],
      [
        { field: 'phone', reason: 'consent_missing' },
        { field: 'balance', reason: 'consent_missing' },
      ],
    ],
  ])('one named customer (%s): released as far as their consent goes', async (subject, allowedFields, deniedFields) => {
    const res = await decide({ purpose: 'offers', subject });
    expect(res.body).toMatchObject({ allowedFields, deniedFields });
    expect(res.body.subjects).toBeUndefined();
  });

  it('many customers: an answer each (never given, withdrawn, not separate), duplicates once, the top level for all of them', async () => {
    const res = await decide({ purpose: 'offers', subjects: [SEP, ORD, WD, NEVER, SEP], records: 5 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      decision: 'partial',
      allowedFields: ['branch_code'],
      deniedFields: [
        { field: 'phone', reason: 'consent_missing' },
        { field: 'balance', reason: 'consent_missing' },
      ],
      grants: [offersGrant],
    });
    expect(res.body.subjects).toEqual([
      { subject: SEP, allowedFields: FIELDS, deniedFields: [], consent: 'current' },
      {
        subject: ORD,
        allowedFields: ['phone', 'branch_code'],
        deniedFields: [{ field: 'balance', reason: 'consent_not_separate' }],
        consent: 'current',
      },
      {
        subject: WD,
        allowedFields: ['branch_code'],
        deniedFields: [
          { field: 'phone', reason: 'consent_withdrawn' },
          { field: 'balance', reason: 'consent_withdrawn' },
        ],
        consent: 'withdrawn',
      },
      {
        subject: NEVER,
        allowedFields: ['branch_code'],
        deniedFields: [
          { field: 'phone', reason: 'consent_never_given' },
          { field: 'balance', reason: 'consent_never_given' },
        ],
        consent: 'never_given',
      },
    ]);
    // The audit keeps pseudonyms only, grouped by what was released for them, and every field released to anyone.
    const event = await lastDecision();
    expect(event.details).toMatchObject({ releasedFields: FIELDS, subjectRef: null, records: 5 });
    expect(event.details.subjectGroups).toEqual([
      { allowedFields: FIELDS, subjectRefs: [ref(SEP)] },
      { allowedFields: ['phone', 'branch_code'], subjectRefs: [ref(ORD)] },
      { allowedFields: ['branch_code'], subjectRefs: [ref(WD), ref(NEVER)] },
    ]);
    const written = JSON.stringify(await t.container.audit.list({}, 500)) + t.logLines.join('\n');
    for (const raw of [SEP, ORD, WD, NEVER]) expect(written).not.toContain(raw);
  });

  it('only personal fields requested and nobody consented: deny', async () => {
    const res = await decide({ purpose: 'offers', fields: ['phone'], subjects: [WD, NEVER] });
    expect(res.body).toMatchObject({ decision: 'deny', allowedFields: [], grants: [] });
  });

  it('counts a withdrawal between two decisions from the next one', async () => {
    const ask = async () => (await decide({ purpose: 'offers', fields: ['phone'], subjects: [SEP, ORD] })).body;
    expect((await ask()).decision).toBe('allow');
    await withdraw(ORD);
    const after = await ask();
    expect(after).toMatchObject({ decision: 'deny', deniedFields: [{ field: 'phone', reason: 'consent_missing' }] });
    expect(after.subjects.map((s: { consent: string }) => s.consent)).toEqual(['current', 'withdrawn']);
    expect(after.subjects[0].allowedFields).toEqual(['phone']);
    await legacyOrdinaryConsent(ORD, 1);
  });

  it('reads the consent of 1,000 customers with one statement, and refuses 1,001', async () => {
    const many = Array.from({ length: 1000 }, (_, i) => (i === 0 ? SEP : `CUST-RAW-BULK-${i}`));
    const statements: string[] = [];
    const onQuery = (q: { sql: string }) => {
      if (q.sql.includes('consent_events')) statements.push(q.sql);
    };
    t.container.db.on('query', onQuery);
    let res;
    try {
      res = await decide({ purpose: 'offers', fields: ['phone'], subjects: many, records: 1000 });
    } finally {
      t.container.db.off('query', onQuery);
    }
    expect(res.status).toBe(200);
    expect(statements).toHaveLength(1);
    expect(res.body.subjects).toHaveLength(1000);
    expect(
      res.body.subjects.filter((s: { allowedFields: string[] }) => s.allowedFields.length > 0).map((s: { subject: string }) => s.subject),
    ).toEqual([SEP]);
    expectProblem(await decide({ purpose: 'offers', fields: ['phone'], subjects: [...many, 'one-more'] }), 400, 'validation_failed');
  });

  it('makes consent stale after a material notice change, until the customer consents again', async () => {
    await publish({ piCategories: ['mobile phone number', 'card spending'] });
    const res = await decide({ purpose: 'offers', fields: ['phone', 'branch_code'], subjects: [SEP, ORD] });
    expect(res.body).toMatchObject({ allowedFields: ['branch_code'], deniedFields: [{ field: 'phone', reason: 'consent_missing' }] });
    expect(res.body.subjects[0]).toMatchObject({ consent: 'stale', deniedFields: [{ field: 'phone', reason: 'consent_stale' }] });
    expect((await decide({ purpose: 'offers', fields: ['phone'], subject: SEP })).body.deniedFields).toEqual([
      { field: 'phone', reason: 'consent_missing' },
    ]);
    await consent(SEP, 2, true);
    expect((await decide({ purpose: 'offers', fields: ['phone', 'balance'], subject: SEP })).body.decision).toBe('allow');
  });
});

describe('a purpose on another legal basis (contract)', () => {
  it.each([
    ['no customer', {}],
    ['one customer', { subject: NEVER }],
    ['many customers', { subjects: [NEVER, WD] }],
  ])('%s: every granted field, sensitive included, without consent', async (_label, who) => {
    const res = await decide({ purpose: 'servicing', ...who });
    expect(res.body).toMatchObject({ decision: 'allow', allowedFields: FIELDS, deniedFields: [] });
    if ('subjects' in who) {
      expect(res.body.subjects).toEqual([
        { subject: NEVER, allowedFields: FIELDS, deniedFields: [], consent: 'not_required' },
        { subject: WD, allowedFields: FIELDS, deniedFields: [], consent: 'not_required' },
      ]);
    }
  });

  it('gives each customer the reasons that hold for everyone', async () => {
    const res = await decide({ purpose: 'servicing', fields: ['phone', 'salary'], subjects: [NEVER] });
    expect(res.body.subjects).toEqual([
      {
        subject: NEVER,
        allowedFields: ['phone'],
        deniedFields: [{ field: 'salary', reason: 'field_not_granted' }],
        consent: 'not_required',
      },
    ]);
  });
});

describe('bad subjects', () => {
  it.each([
    ['an empty subject', { subject: '' }],
    ['a subject too long', { subject: 'x'.repeat(201) }],
    ['a control character', { subject: 'CUST\u0001' }],
    ['a number', { subject: 42 }],
    ['null subjects', { subjects: null }],
    ['an empty list', { subjects: [] }],
    ['a list that is not one', { subjects: 'CUST-1' }],
    ['an empty id in the list', { subjects: ['CUST-1', ''] }],
    ['a number in the list', { subjects: ['CUST-1', 7] }],
    ['subject and subjects together', { subject: 'CUST-1', subjects: ['CUST-2'] }],
    ['fewer records than customers', { subjects: ['CUST-1', 'CUST-2', 'CUST-1', 'CUST-3'], records: 2 }],
  ])('refuses %s with 400 and audits nothing', async (_label, body) => {
    const before = (await t.container.audit.verify()).checked;
    expectProblem(await decide({ purpose: 'offers', ...body }), 400, 'validation_failed');
    expect((await t.container.audit.verify()).checked).toBe(before);
  });

  it('accepts as many records as distinct customers (a repeat is one customer)', async () => {
    expect((await decide({ purpose: 'servicing', subjects: ['CUST-1', 'CUST-2', 'CUST-1'], records: 2 })).status).toBe(200);
  });
});

describe('reports that read decisions', () => {
  it('counts a bulk decision once, with the customers and fields released for them (blast radius, vendor access)', async () => {
    const V = await f.vendor({ purposes: ['offers'], manager: 'vic' });
    const req = await t.http
      .post('/v1/access-grants')
      .set(await staff('vic'))
      .send({
        vendor: V,
        asset: asset.key,
        fields: ['phone', 'balance'],
        actions: ['read'],
        purpose: 'offers',
        validUntil: inDays(30),
        justification: 'Card offers calls',
      });
    await t.http
      .post(`/v1/access-grants/${req.body.id}/approve`)
      .set(await staff('olivia'))
      .send({})
      .expect(200);
    await t.http
      .post(`/v1/access-grants/${req.body.id}/approve`)
      .set(await staff('pat'))
      .send({})
      .expect(200);
    // Consent to the latest version (a material version above made earlier consents stale).
    const latest = (await t.http.get('/v1/notices?purpose=offers&status=published&limit=1').set(await staff('pat'))).body.items[0]
      .version as number;
    await consent(SEP, latest, true);
    await legacyOrdinaryConsent(ORD, latest);
    // SEP (separate consent) gets phone and balance, ORD phone only, WD and NEVER nothing.
    const res = await decide({ vendor: V, purpose: 'offers', fields: ['phone', 'balance'], subjects: [SEP, ORD, WD, NEVER], records: 4 });
    expect(res.body.subjects.map((s: { allowedFields: string[] }) => s.allowedFields)).toEqual([['phone', 'balance'], ['phone'], [], []]);
    expect(res.body.decision).toBe('deny'); // for every customer named: nothing
    // Nobody's data released: an attempt only.
    await decide({ vendor: V, purpose: 'offers', fields: ['phone'], subjects: [WD, NEVER], records: 2 }).expect(200);

    const radius = await blastRadiusOf(t, [V]);
    expect(radius.vendors[0]).toMatchObject({
      decisions: 1,
      deniedDecisions: 1,
      records: 4,
      subjects: 2,
      sensitiveFields: [{ asset: asset.key, field: 'balance' }],
    });
    expect(radius.vendors[0].assets[0].fields).toEqual([
      expect.objectContaining({ name: 'balance', decisions: 1 }),
      expect.objectContaining({ name: 'phone', decisions: 1 }),
    ]);

    const report = (
      await t.http
        .get('/v1/reports/vendor-access')
        .set(await staff('pat'))
        .expect(200)
    ).body;
    const line = report.vendors.find((v: { vendor: { id: string } }) => v.vendor.id === V).grants[0];
    expect(line).toMatchObject({ grant: req.body.id, flaggedForRevocation: false });
    expect(line.lastUsedAt).not.toBeNull();
    const usage = await t.container.db('access_grant_usage').where({ grant_id: req.body.id }).first();
    expect(usage).toMatchObject({ decisions: 1, records: 4 });
  });
});
