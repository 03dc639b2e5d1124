import { decodeJwt } from 'jose';
import { AuditChain, AuditStore } from '../../services/audit';
import { createTestApp, expectProblem, type TestApp } from '../helpers/app';
import { Factories } from '../helpers/factories';
import { breakNextLinkedBatch } from '../helpers/audit';
import { basic, registerSecretClient, tokenFor } from '../helpers/oauth';

let t: TestApp;
let f: Factories;
let vendorId: string;
let asset: { id: string; key: string };
let pep: string;
let grantId: string;
const DAY = 86_400_000;
const inDays = (n: number) => new Date(Date.now() + n * DAY).toISOString();
const auth = async (sub: string) => ({ Authorization: `Bearer ${await t.staffToken(sub)}` });

async function approvedGrant(body: Record<string, unknown>): Promise<string> {
  const req = await t.http
    .post('/v1/access-grants')
    .set(await auth('vic'))
    .send({
      vendor: vendorId,
      asset: asset.key,
      fields: ['phone'],
      actions: ['read'],
      purpose: 'collections',
      validUntil: inDays(30),
      justification: 'Collections calls for overdue cards',
      ...body,
    });
  if (req.status !== 201) throw new Error(JSON.stringify(req.body));
  const approved = await t.http
    .post(`/v1/access-grants/${req.body.id}/approve`)
    .set(await auth('olivia'))
    .send({})
    .expect(200);
  // Sensitive fields also need a privacy officer.
  if (approved.body.status === 'requested')
    await t.http
      .post(`/v1/access-grants/${req.body.id}/approve`)
      .set(await auth('pat'))
      .send({})
      .expect(200);
  return req.body.id as string;
}

const decide = (body: Record<string, unknown>, token = pep) =>
  t.http
    .post('/v1/decisions')
    .set('Authorization', `Bearer ${token}`)
    .send({ vendor: vendorId, asset: asset.key, fields: ['phone'], action: 'read', purpose: 'collections', records: 1, ...body });

beforeAll(async () => {
  t = await createTestApp();
  f = new Factories(t);
  await f.department('RETAIL');
  await f.purpose('collections');
  await f.purpose('marketing', 'consent');
  await t.grantRole('vic', 'vendor_manager', '*');
  await t.grantRole('olivia', 'data_owner', 'RETAIL');
  await t.grantRole('pat', 'privacy_officer', '*');
  vendorId = await f.vendor({ purposes: ['collections', 'marketing'], manager: 'vic' });
  asset = await f.asset('RETAIL', [
    ['name', 'personal'],
    ['phone', 'personal'],
    ['balance', 'sensitive'],
  ]);
  grantId = await approvedGrant({ fields: ['name', 'phone'], rowScope: { branch: ['SZ01', 'SZ02'] }, dailyRecordCap: 100 });
  pep = await tokenFor(t, await registerSecretClient(t, { roles: ['pep'] }));
});
afterAll(() => t.close());

describe('POST /v1/decisions', () => {
  it('allows granted fields with the row scope as an obligation, and audits the decision with its matched rule', async () => {
    const res = await decide({ fields: ['name', 'phone'], records: 5, subject: 'customer-6222021234567890' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      decision: 'allow',
      allowedFields: ['name', 'phone'],
      deniedFields: [],
      grants: [grantId],
      rowScope: { branch: ['SZ01', 'SZ02'] },
      obligations: [{ type: 'row_scope', grant: grantId, filter: { branch: ['SZ01', 'SZ02'] } }],
    });
    const audit = await t.http.get(`/v1/audit?action=access.decided&objectId=${vendorId}&limit=1`).set(await auth('root-admin'));
    const event = audit.body.items[0];
    expect(event).toMatchObject({ actorType: 'client', objectType: 'vendor', details: { decisionId: res.body.decisionId, records: 5 } });
    expect(event.details.matchedRules[0].rule).toEqual([
      vendorId,
      asset.id,
      'name',
      'read',
      'collections',
      expect.any(String),
      expect.any(String),
      grantId,
    ]);
    expect(event.details.subjectRef).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(audit.body)).not.toContain('customer-6222021234567890');
    expect(t.logLines.join('\n')).not.toContain('customer-6222021234567890');
  });

  it('denies field by field with a reason, default deny for anything unknown', async () => {
    expect((await decide({ fields: ['name', 'balance', 'shoe_size'] })).body).toMatchObject({
      decision: 'partial',
      allowedFields: ['name'],
      deniedFields: [
        { field: 'balance', reason: 'field_not_granted' },
        { field: 'shoe_size', reason: 'field_not_granted' },
      ],
    });
    expect((await decide({ purpose: 'marketing' })).body.deniedFields).toEqual([{ field: 'phone', reason: 'purpose_mismatch' }]);
    expect((await decide({ action: 'export' })).body.deniedFields).toEqual([{ field: 'phone', reason: 'field_not_granted' }]);
    expect((await decide({ asset: 'retail.unknown_set' })).body.deniedFields).toEqual([{ field: 'phone', reason: 'no_grant' }]);
    expect((await decide({ vendor: '0b4f6a3e-2b8e-4c55-9a0e-6f2d7b1c9e01' })).body).toMatchObject({
      decision: 'deny',
      deniedFields: [{ field: 'phone', reason: 'no_grant' }],
    });
  });

  it('checks the row context against the row scope', async () => {
    expect((await decide({ rowContext: { branch: 'SZ02' } })).body.decision).toBe('allow');
    expect((await decide({ rowContext: { branch: 'BJ01' } })).body.deniedFields).toEqual([{ field: 'phone', reason: 'row_scope' }]);
  });

  it('enforces the daily record cap, and a capped grant needs records', async () => {
    expect((await decide({ records: 80 })).body.decision).toBe('allow');
    expect((await decide({ records: 30 })).body.deniedFields).toEqual([{ field: 'phone', reason: 'volume_exceeded' }]);
    // Without records a capped grant cannot count what it releases (it used to be allowed uncounted).
    const blind = await decide({ records: undefined, fields: ['name', 'phone'] });
    expect(blind.body).toMatchObject({
      decision: 'deny',
      deniedFields: [
        { field: 'name', reason: 'records_required' },
        { field: 'phone', reason: 'records_required' },
      ],
    });
    expect((await decide({ records: 1 })).body.decision).toBe('allow');
  });

  it('denies consent-based purposes without a named customer (consent_unverifiable) or without current consent', async () => {
    await approvedGrant({ fields: ['name'], purpose: 'marketing' });
    expect((await decide({ fields: ['name'], purpose: 'marketing' })).body.deniedFields).toEqual([
      { field: 'name', reason: 'consent_unverifiable' },
    ]);
    expect((await decide({ fields: ['name'], purpose: 'marketing', subject: 'customer-1' })).body.deniedFields).toEqual([
      { field: 'name', reason: 'consent_missing' },
    ]);
  });

  it('answers 503, never an allow, when the audit write fails', async () => {
    // The transaction path (taken when this process does not know the chain end).
    const unknownEnd = jest.spyOn(t.container.audit.chain, 'linkAfterKnownEnd').mockReturnValueOnce(undefined);
    const spy = jest.spyOn(t.container.audit.chain, 'append').mockRejectedValueOnce(new Error('disk full'));
    try {
      expectProblem(await decide({}), 503, 'service_unavailable');
    } finally {
      spy.mockRestore();
      unknownEnd.mockRestore();
    }
    expect((await decide({})).status).toBe(200);
  });

  /** Usage counted for the grant today, and audit events of decisions. */
  const written = async () => ({
    usage: Number(
      ((await t.container.db('access_grant_usage').where({ grant_id: grantId }).sum({ n: 'decisions' })) as Array<{ n: number | null }>)[0]
        .n ?? 0,
    ),
    decisions: Number(
      ((await t.container.db('audit_events').where({ action: 'access.decided' }).count({ n: '*' })) as Array<{ n: number }>)[0].n,
    ),
  });

  it('answers 503 and writes nothing when the one statement that commits a batch fails', async () => {
    await decide({ fields: ['name'] }).expect(200); // the chain end is now known: the next batch is one statement
    const broken = breakNextLinkedBatch(t.container.audit);
    const before = await written();
    try {
      expectProblem(await decide({ fields: ['name'] }), 503, 'service_unavailable');
    } finally {
      broken.restore();
    }
    expect(broken.linkedAhead()).toBe(true);
    expect(await written()).toEqual(before);
    expect((await decide({ fields: ['name'] })).status).toBe(200);
    expect(await written()).toEqual({ usage: before.usage + 1, decisions: before.decisions + 1 });
    expect((await t.container.audit.verify()).valid).toBe(true);
  });

  it('keeps the chain linear when another writer (another replica) appended since this process last did', async () => {
    await decide({ fields: ['name'] }).expect(200);
    // Another replica's appender: its own store, its own idea of the chain end.
    const other = new AuditChain(new AuditStore(t.container.db));
    await t.container.db.transaction((trx) =>
      other.append(trx, [
        {
          actorType: 'system',
          actorId: 'replica-b',
          action: 'test.appended',
          objectType: 'test',
          objectId: null,
          requestId: null,
          details: {},
        },
      ]),
    );
    const before = await written();
    const answers = await Promise.all([decide({ fields: ['name'] }), decide({ fields: ['phone'] }), decide({ fields: ['name', 'phone'] })]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(await written()).toEqual({ usage: before.usage + 3, decisions: before.decisions + 3 });
    expect(await t.container.audit.verify()).toMatchObject({ valid: true });
  });

  it('accepts only machine tokens of clients with role pep', async () => {
    expectProblem(await decide({}, await t.staffToken('root-admin')), 401);
    const collector = await tokenFor(t, await registerSecretClient(t, { roles: ['consent_collector'], scopes: [] }));
    expectProblem(await decide({}, collector), 403);
    expectProblem(await t.http.post('/v1/decisions').send({}), 401);
  });

  it.each([
    ['no fields', { fields: [] }],
    ['unknown property', { colour: 'red' }],
    ['bad vendor id', { vendor: 'acme' }],
    ['bad action', { action: 'delete' }],
    ['negative records', { records: -1 }],
    ['bad row context', { rowContext: { Branch: 1 } }],
  ])('refuses %s with 400 problem+json and audits nothing', async (_label, body) => {
    const before = (await t.container.audit.verify()).checked;
    expectProblem(await decide(body), 400, 'validation_failed');
    expect((await t.container.audit.verify()).checked).toBe(before);
  });
});

describe('vendor access tokens', () => {
  let client: { clientId: string; clientSecret: string };
  const ask = (details?: unknown) =>
    t.http
      .post('/oauth/token')
      .set('Authorization', basic(client.clientId, client.clientSecret))
      .type('form')
      .send({ grant_type: 'client_credentials', ...(details === undefined ? {} : { authorization_details: JSON.stringify(details) }) });
  const detail = (over: Record<string, unknown> = {}) => ({
    type: 'data_access',
    locations: [asset.key],
    actions: ['read'],
    datatypes: ['name', 'phone'],
    purpose: 'collections',
    ...over,
  });

  beforeAll(async () => {
    const res = await t.http
      .post(`/v1/vendors/${vendorId}/clients`)
      .set(await auth('vic'))
      .send({ name: 'Collections agency dialler', scopes: [], tokenEndpointAuthMethod: 'client_secret_basic' });
    expect(res.status).toBe(201);
    client = { clientId: res.body.clientId, clientSecret: res.body.clientSecret };
  });

  it('issues a token narrowed to exactly the covered data access, never outliving the grant', async () => {
    const res = await ask([detail()]);
    expect(res.status).toBe(200);
    const claims = decodeJwt(res.body.access_token);
    expect(claims.authorization_details).toEqual([detail()]);
    expect(claims.exp as number).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 600);
  });

  it.each([
    ['a field not granted', () => [detail({ datatypes: ['balance'] })]],
    ['another purpose', () => [detail({ purpose: 'marketing', datatypes: ['phone'] })]],
    ['another action', () => [detail({ actions: ['export'] })]],
    ['an unknown asset', () => [detail({ locations: ['retail.nothing'] })]],
    ['nothing at all', () => undefined],
    ['an unknown property', () => [{ ...detail(), extra: 1 }]],
  ])('refuses %s with invalid_authorization_details', async (_label, details) => {
    const res = await ask(details());
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_authorization_details');
  });

  it('makes the token inactive at once when its grant is revoked or its vendor suspended', async () => {
    const introspect = async (token: string) =>
      (await t.http.post('/oauth/introspect').set('Authorization', `Bearer ${pep}`).type('form').send({ token })).body as {
        active: boolean;
      };
    const narrow = [detail({ datatypes: ['balance'] })];
    const balanceGrant = await approvedGrant({ fields: ['balance'] });
    const grantToken = (await ask(narrow)).body.access_token as string;
    expect(await introspect(grantToken)).toMatchObject({ active: true, authorization_details: narrow });
    await t.http
      .post(`/v1/access-grants/${balanceGrant}/revoke`)
      .set(await auth('olivia'))
      .send({ reason: 'No longer needed' })
      .expect(200);
    expect(await introspect(grantToken)).toEqual({ active: false });

    const token = (await ask([detail()])).body.access_token as string;
    expect((await introspect(token)).active).toBe(true);
    await t.http
      .post(`/v1/vendors/${vendorId}/suspend`)
      .set(await auth('pat'))
      .send({ reason: 'Leak under investigation' })
      .expect(200);
    expect(await introspect(token)).toEqual({ active: false });
    expect((await ask([detail()])).status).toBe(400);
    await t.http
      .post(`/v1/vendors/${vendorId}/reinstate`)
      .set(await auth('pat'))
      .send({ reason: 'Cleared' })
      .expect(200);
    expect((await introspect(token)).active).toBe(true);
  });

  it('lists the vendor’s clients for vendor managers, never their secrets; data owners may not register one', async () => {
    const list = await t.http
      .get(`/v1/vendors/${vendorId}/clients`)
      .set(await auth('vic'))
      .expect(200);
    expect(list.body.items.map((c: { clientId: string }) => c.clientId)).toContain(client.clientId);
    expect(JSON.stringify(list.body)).not.toContain(client.clientSecret);
    expectProblem(
      await t.http
        .post(`/v1/vendors/${vendorId}/clients`)
        .set(await auth('olivia'))
        .send({ name: 'x', scopes: [], tokenEndpointAuthMethod: 'client_secret_basic' }),
      403,
    );
  });
});
