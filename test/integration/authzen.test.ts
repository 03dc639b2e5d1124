import { createTestApp, expectProblem, type TestApp } from '../helpers/app';
import { Factories } from '../helpers/factories';
import { registerSecretClient, tokenFor } from '../helpers/oauth';
import { blastRadiusOf } from '../helpers/incidents';

// OpenID AuthZEN 1.0 over the decision core: metadata, evaluation, boxcarred evaluations with
// inherited defaults and the three semantics; every evaluation audited like a /v1/decisions one.

let t: TestApp;
let f: Factories;
let pep: string;
let vendorId: string;
let asset: { id: string; key: string };
const DAY = 86_400_000;
const staff = async (sub: string) => ({ Authorization: `Bearer ${await t.staffToken(sub)}` });
const decisionEvents = async () => t.container.audit.list({ action: 'access.decided', objectId: vendorId }, 500);

/**
 * A small AuthZEN client written from the specification's examples: it discovers the PDP's
 * endpoints from /.well-known/authzen-configuration, then posts 4-tuples to them.
 */
class AuthzenClient {
  private metadata: Record<string, string> | undefined;
  constructor(private readonly token: string) {}

  async discover(): Promise<Record<string, string>> {
    const res = await t.http.get('/.well-known/authzen-configuration').expect(200);
    this.metadata = res.body as Record<string, string>;
    return this.metadata;
  }

  private async post(endpoint: string, body: object) {
    const metadata = this.metadata ?? (await this.discover());
    const path = new URL(metadata[endpoint]).pathname;
    return t.http
      .post(path)
      .set('Authorization', `Bearer ${this.token}`)
      .set('X-Request-ID', 'bfe9eb29-ab87-4ca3-be83-a1d5d8305716')
      .send(body);
  }

  evaluation(body: object) {
    return this.post('access_evaluation_endpoint', body);
  }

  evaluations(body: object) {
    return this.post('access_evaluations_endpoint', body);
  }
}

const subject = () => ({ type: 'vendor', id: vendorId });
const resource = (fields: string[]) => ({ type: 'data_asset', id: asset.key, properties: { fields } });
const context = { purpose: 'collections', records: 1 };

beforeAll(async () => {
  t = await createTestApp();
  f = new Factories(t);
  await f.department('RETAIL');
  await t.grantRole('olivia', 'data_owner', 'RETAIL');
  await t.grantRole('vic', 'vendor_manager', '*');
  await t.grantRole('pat', 'privacy_officer', '*');
  await f.purpose('collections');
  await f.purpose('offers', 'consent', 'pat');
  vendorId = await f.vendor({ purposes: ['collections', 'offers'], manager: 'vic' });
  asset = await f.asset(
    'RETAIL',
    [
      ['name', 'personal'],
      ['phone', 'personal'],
      ['branch', 'none'],
    ],
    'olivia',
  );
  for (const purpose of ['collections', 'offers']) {
    const req = await t.http
      .post('/v1/access-grants')
      .set(await staff('vic'))
      .send({
        vendor: vendorId,
        asset: asset.key,
        fields: ['name', 'phone', 'branch'],
        actions: ['read'],
        purpose,
        validUntil: new Date(Date.now() + 30 * DAY).toISOString(),
        justification: 'Calls to customers',
        dailyRecordCap: 1000,
      });
    await t.http
      .post(`/v1/access-grants/${req.body.id}/approve`)
      .set(await staff('olivia'))
      .send({})
      .expect(200);
  }
  pep = await tokenFor(t, await registerSecretClient(t, { roles: ['pep'], scopes: [] }));
});
afterAll(() => t.close());

describe('AuthZEN policy decision point', () => {
  it('publishes its metadata', async () => {
    const metadata = await new AuthzenClient(pep).discover();
    expect(metadata).toEqual({
      policy_decision_point: t.config.publicUrl,
      access_evaluation_endpoint: `${t.config.publicUrl}/access/v1/evaluation`,
      access_evaluations_endpoint: `${t.config.publicUrl}/access/v1/evaluations`,
      search_subject_endpoint: `${t.config.publicUrl}/access/v1/search/subject`,
      search_resource_endpoint: `${t.config.publicUrl}/access/v1/search/resource`,
    });
    // The specification's names (section "Endpoint Parameters"): policy_decision_point, not issuer.
    expect(metadata).not.toHaveProperty('issuer');
  });

  it('answers an evaluation with decision true/false and the reasons in context, audited with its decision id', async () => {
    const client = new AuthzenClient(pep);
    const allowed = await client.evaluation({
      subject: subject(),
      action: { name: 'read' },
      resource: resource(['name', 'phone']),
      context,
    });
    expect(allowed.status).toBe(200);
    expect(allowed.body).toMatchObject({
      decision: true,
      context: { outcome: 'allow', allowed_fields: ['name', 'phone'], denied_fields: [] },
    });
    const [event] = await decisionEvents();
    expect(event.details).toMatchObject({ decisionId: allowed.body.context.decision_id, allowedFields: ['name', 'phone'], records: 1 });

    const partial = await client.evaluation({
      subject: subject(),
      action: { name: 'read' },
      resource: resource(['name', 'salary']),
      context,
    });
    expect(partial.body).toMatchObject({
      decision: false,
      context: { outcome: 'partial', denied_fields: [{ field: 'salary', reason: 'field_not_granted' }] },
    });
    const blind = await client.evaluation({
      subject: subject(),
      action: { name: 'read' },
      resource: resource(['name']),
      context: { purpose: 'collections' },
    });
    expect(blind.body.context.denied_fields).toEqual([{ field: 'name', reason: 'records_required' }]);
  });

  it('applies consent exactly as /v1/decisions does (one decision core)', async () => {
    const client = new AuthzenClient(pep);
    const nobody = await client.evaluation({
      subject: subject(),
      action: { name: 'read' },
      resource: resource(['phone', 'branch']),
      context: { purpose: 'offers', records: 2 },
    });
    expect(nobody.body).toMatchObject({
      decision: false,
      context: { allowed_fields: ['branch'], denied_fields: [{ field: 'phone', reason: 'consent_unverifiable' }] },
    });
    const many = await client.evaluation({
      subject: subject(),
      action: { name: 'read' },
      resource: resource(['phone']),
      context: { purpose: 'offers', customers: ['C1', 'C2'], records: 2 },
    });
    expect(many.body.context.customers).toEqual([
      { subject: 'C1', allowedFields: [], deniedFields: [{ field: 'phone', reason: 'consent_never_given' }], consent: 'never_given' },
      { subject: 'C2', allowedFields: [], deniedFields: [{ field: 'phone', reason: 'consent_never_given' }], consent: 'never_given' },
    ]);
  });

  it('boxcars evaluations: defaults inherited, an evaluation’s own member taking precedence (the specification’s example)', async () => {
    const before = (await decisionEvents()).length;
    const res = await new AuthzenClient(pep).evaluations({
      subject: subject(),
      context,
      action: { name: 'read' },
      evaluations: [
        { resource: resource(['name']) },
        { resource: resource(['phone']) },
        { action: { name: 'export' }, resource: resource(['phone']) },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.decision).toBeUndefined();
    expect(res.body.evaluations.map((e: { decision: boolean }) => e.decision)).toEqual([true, true, false]);
    expect(res.body.evaluations[2].context.denied_fields).toEqual([{ field: 'phone', reason: 'field_not_granted' }]);
    const events = await decisionEvents();
    expect(events.length - before).toBe(3);
    expect(new Set(events.slice(0, 3).map((e) => e.details.decisionId))).toEqual(
      new Set(res.body.evaluations.map((e: { context: { decision_id: string } }) => e.context.decision_id)),
    );
  });

  it('short-circuits on the first deny or the first permit, deciding (and auditing) nothing after it', async () => {
    const client = new AuthzenClient(pep);
    const three = [{ resource: resource(['name']) }, { resource: resource(['salary']) }, { resource: resource(['phone']) }];
    const base = { subject: subject(), action: { name: 'read' }, context };
    let before = (await decisionEvents()).length;
    const denyFirst = await client.evaluations({ ...base, options: { evaluations_semantic: 'deny_on_first_deny' }, evaluations: three });
    expect(denyFirst.body.evaluations.map((e: { decision: boolean }) => e.decision)).toEqual([true, false]);
    expect(denyFirst.body.evaluations[1].context.reason).toBe('deny_on_first_deny');
    expect((await decisionEvents()).length - before).toBe(2);

    before = (await decisionEvents()).length;
    const permitFirst = await client.evaluations({
      ...base,
      options: { evaluations_semantic: 'permit_on_first_permit' },
      evaluations: [three[1], three[0], three[2]],
    });
    expect(permitFirst.body.evaluations.map((e: { decision: boolean }) => e.decision)).toEqual([false, true]);
    expect(permitFirst.body.evaluations[1].context.reason).toBe('permit_on_first_permit');
    expect((await decisionEvents()).length - before).toBe(2);

    const all = await client.evaluations({ ...base, options: { evaluations_semantic: 'execute_all' }, evaluations: three });
    expect(all.body.evaluations.map((e: { decision: boolean }) => e.decision)).toEqual([true, false, true]);
  });

  it('treats a request without evaluations as one evaluation', async () => {
    const res = await new AuthzenClient(pep).evaluations({
      subject: subject(),
      action: { name: 'read' },
      resource: resource(['name']),
      context,
    });
    expect(res.body).toMatchObject({ decision: true, context: { allowed_fields: ['name'] } });
  });

  it('never replays an answer: an Idempotency-Key is not taken', async () => {
    const body = { subject: subject(), action: { name: 'read' }, resource: resource(['name']), context };
    const send = () =>
      t.http.post('/access/v1/evaluation').set('Authorization', `Bearer ${pep}`).set('Idempotency-Key', 'authzen-1').send(body);
    const [a, b] = [await send(), await send()];
    expect(a.body.context.decision_id).not.toBe(b.body.context.decision_id);
    expect(b.headers['idempotent-replayed']).toBeUndefined();
  });

  it('has the security of /v1/decisions: machine clients with role pep only', async () => {
    const body = { subject: subject(), action: { name: 'read' }, resource: resource(['name']), context };
    expectProblem(await t.http.post('/access/v1/evaluation').send(body), 401);
    expectProblem(
      await t.http
        .post('/access/v1/evaluation')
        .set(await staff('root-admin'))
        .send(body),
      401,
    );
    const collector = await tokenFor(t, await registerSecretClient(t, { roles: ['consent_collector'], scopes: [] }));
    expectProblem(await new AuthzenClient(collector).evaluation(body), 403);
    expectProblem(await new AuthzenClient(collector).evaluations({ ...body, evaluations: [{}] }), 403);
  });

  it.each([
    ['another subject type', { subject: { type: 'user', id: 'alice@acmecorp.com' } }],
    ['a resource without fields', { resource: { type: 'data_asset', id: 'retail.x' } }],
    ['no context', { context: undefined }],
    ['a customer and customers', { context: { ...context, customer: 'C1', customers: ['C2'] } }],
    ['fewer records than customers', { context: { purpose: 'collections', customers: ['C1', 'C2'], records: 1 } }],
  ])('refuses %s with 400 and decides nothing', async (_label, change) => {
    const before = (await decisionEvents()).length;
    const res = await new AuthzenClient(pep).evaluation({
      subject: subject(),
      action: { name: 'read' },
      resource: resource(['name']),
      context,
      ...change,
    });
    expectProblem(res, 400, 'validation_failed');
    expect((await decisionEvents()).length).toBe(before);
  });

  it('refuses a batch with one evaluation incomplete after inheritance, or too many, before deciding any', async () => {
    const before = (await decisionEvents()).length;
    const client = new AuthzenClient(pep);
    const incomplete = await client.evaluations({
      subject: subject(),
      context,
      evaluations: [{ action: { name: 'read' }, resource: resource(['name']) }, { resource: resource(['name']) }],
    });
    expectProblem(incomplete, 400, 'validation_failed');
    expect(incomplete.body.errors[0].path).toBe('body.evaluations.1.action');
    const mixed = await client.evaluations({
      subject: subject(),
      action: { name: 'read' },
      resource: resource(['name']),
      evaluations: [{ context }, { context: { ...context, customer: 'C1', customers: ['C2'] } }],
    });
    expect(mixed.body.errors[0].path).toBe('body.evaluations.1.context.customers');
    expectProblem(
      await client.evaluations({
        subject: subject(),
        action: { name: 'read' },
        context,
        evaluations: Array.from({ length: 101 }, () => ({ resource: resource(['name']) })),
      }),
      400,
    );
    expect((await decisionEvents()).length).toBe(before);
  });

  it('counts evaluations in the blast radius exactly like single decisions', async () => {
    const V = await f.vendor({ purposes: ['collections'], manager: 'vic' });
    const req = await t.http
      .post('/v1/access-grants')
      .set(await staff('vic'))
      .send({
        vendor: V,
        asset: asset.key,
        fields: ['name', 'phone'],
        actions: ['read'],
        purpose: 'collections',
        validUntil: new Date(Date.now() + 30 * DAY).toISOString(),
        justification: 'Calls to customers',
      });
    await t.http
      .post(`/v1/access-grants/${req.body.id}/approve`)
      .set(await staff('olivia'))
      .send({})
      .expect(200);
    await t.http
      .post('/v1/decisions')
      .set('Authorization', `Bearer ${pep}`)
      .send({ vendor: V, asset: asset.key, fields: ['name'], action: 'read', purpose: 'collections', records: 3, subject: 'S1' })
      .expect(200);
    const batch = await new AuthzenClient(pep).evaluations({
      subject: { type: 'vendor', id: V },
      action: { name: 'read' },
      context: { purpose: 'collections', records: 4, customer: 'S2' },
      evaluations: [{ resource: resource(['name', 'phone']) }, { resource: resource(['salary']) }],
    });
    expect(batch.status).toBe(200);
    const radius = await blastRadiusOf(t, [V]);
    expect(radius.vendors[0]).toMatchObject({ decisions: 2, deniedDecisions: 1, records: 7, subjects: 2 });
    expect(radius.vendors[0].assets[0].fields).toEqual([
      expect.objectContaining({ name: 'name', decisions: 2 }),
      expect.objectContaining({ name: 'phone', decisions: 1 }),
    ]);
  });
});
