import { dueOf } from '../../services/complaints/deadlines';
import { pseudonymize } from '../../services/shared/pseudonym';
import { createTestApp, expectProblem, type TestApp } from '../helpers/app';
import { Factories } from '../helpers/factories';
import { registerSecretClient, tokenFor } from '../helpers/oauth';

let t: TestApp;
let f: Factories;
let vendorId: string;
let asset: { id: string; key: string };
const auth = async (sub: string) => ({ Authorization: `Bearer ${await t.staffToken(sub)}` });
const CONTACT = 'mei.lin@example.cn';
const SUBJECT = 'CUST-000123456';
const DESCRIPTION = 'The app kept asking for my contacts list although I only wanted to check my balance.';

const submit = (body: Record<string, unknown>) => t.http.post('/v1/public/complaints').send(body);
const auditCount = async () => (await t.container.audit.verify()).checked;
const complaintCount = async () => Number(((await t.container.db('complaints').count('* as n')) as Array<{ n: number }>)[0].n);

async function newComplaint(body: Record<string, unknown> = {}): Promise<{ id: string; reference: string }> {
  const res = await submit({ category: 'excessive_collection', description: DESCRIPTION, ...body });
  expect(res.status).toBe(201);
  const row = (await t.container.db('complaints').where({ reference: res.body.reference }).first('id')) as { id: string };
  return { id: row.id, reference: res.body.reference };
}

const move = async (id: string, body: Record<string, unknown>, as = 'pat') =>
  t.http
    .post(`/v1/complaints/${id}/transitions`)
    .set(await auth(as))
    .send(body);

beforeAll(async () => {
  t = await createTestApp({ env: { PUBLIC_COMPLAINT_SUBMISSIONS: '1000', PUBLIC_COMPLAINT_LOOKUPS: '1000' } });
  f = new Factories(t);
  await f.department('RETAIL');
  await f.purpose('collections');
  await t.grantRole('pat', 'privacy_officer', '*');
  await t.grantRole('audrey', 'auditor', '*');
  await t.grantRole('olivia', 'data_owner', 'RETAIL');
  await t.grantRole('vic', 'vendor_manager', '*');
  vendorId = await f.vendor({ purposes: ['collections'], manager: 'vic' });
  asset = await f.asset('RETAIL', [['phone', 'personal']]);
});
afterAll(() => t.close());

describe('complaints from the public', () => {
  it('takes a complaint without an account and answers only a tracking reference and dates', async () => {
    const before = Date.now();
    const res = await submit({
      category: 'excessive_collection',
      description: DESCRIPTION,
      contact: CONTACT,
      app: 'Mobile banking',
      subject: SUBJECT,
    });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual(['dueDate', 'receivedAt', 'reference', 'status']);
    expect(res.body.reference).toMatch(/^PC-[0-9A-HJKMNP-TV-Z]{12}$/);
    expect(res.body.status).toBe('received');
    expect(res.body.dueDate).toBe(dueOf(res.body.receivedAt, 15).dueDate);
    expect(Date.parse(res.body.receivedAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(JSON.stringify(res.body)).not.toMatch(/mei\.lin|CUST-000123456|contacts list/);

    const stored = await t.container.db('complaints').where({ reference: res.body.reference }).first();
    expect(stored).toMatchObject({ contact: CONTACT, channel: 'public', client_id: null, app: 'Mobile banking' });
    // The customer id is kept only as its keyed pseudonym.
    expect(stored.subject_ref).toBe(pseudonymize(Buffer.from(t.config.subjectIdKey ?? '', 'utf8'), SUBJECT));
    expect(JSON.stringify(stored)).not.toContain(SUBJECT);

    const [event] = (await t.container.audit.list({ objectType: 'complaint', objectId: stored.id }, 10)).filter(
      (e) => e.action === 'complaint.received',
    );
    expect(event).toMatchObject({
      actorType: 'public',
      actorId: 'anonymous',
      details: { category: 'excessive_collection', hasContact: true, hasSubject: true, channel: 'public' },
    });
    expect(JSON.stringify(event)).not.toMatch(/mei\.lin|CUST-000123456|contacts list|balance/);
    expect(t.logLines.join('\n')).not.toMatch(/mei\.lin|CUST-000123456|contacts list/);
  });

  it('shows the customer the status by reference, without personal data', async () => {
    const { reference } = await newComplaint({ contact: CONTACT, subject: SUBJECT, app: 'WeChat mini-program' });
    const res = await t.http.get(`/v1/public/complaints/${reference}`).expect(200);
    expect(Object.keys(res.body).sort()).toEqual(['category', 'dueDate', 'extended', 'receivedAt', 'reference', 'status', 'updatedAt']);
    expect(res.body).toMatchObject({ reference, status: 'received', extended: false, category: 'excessive_collection' });
    expect(JSON.stringify(res.body)).not.toMatch(/mei\.lin|CUST|WeChat|contacts/);
    expectProblem(await t.http.get('/v1/public/complaints/PC-000000000000'), 404, 'not_found');
    expectProblem(await t.http.get('/v1/public/complaints/not-a-reference'), 400, 'validation_failed');
    expect(t.logLines.join('\n')).not.toMatch(/mei\.lin|CUST-000123456/);
  });

  it.each([
    ['an unknown field', { category: 'leak', description: 'x', colour: 'red' }],
    ['an unknown category', { category: 'rude_staff', description: 'x' }],
    ['no description', { category: 'leak' }],
    ['a blank description', { category: 'leak', description: '   ' }],
    ['a description over 2,000 characters', { category: 'leak', description: 'x'.repeat(2001) }],
    ['a contact that is neither email nor phone', { category: 'leak', description: 'x', contact: 'call me maybe' }],
    ['a non-string subject', { category: 'leak', description: 'x', subject: 12345 }],
    ['an array body', [{ category: 'leak', description: 'x' }]],
  ])('refuses %s (400) and writes nothing', async (_label, body) => {
    const [audits, rows] = [await auditCount(), await complaintCount()];
    expectProblem(await submit(body as Record<string, unknown>), 400, 'validation_failed');
    expect([await auditCount(), await complaintCount()]).toEqual([audits, rows]);
  });

  it('refuses bodies over the public limit (413), other media types (415) and broken JSON (400)', async () => {
    const rows = await complaintCount();
    const big = await t.http
      .post('/v1/public/complaints')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ category: 'leak', description: '漏'.repeat(3000) }));
    expectProblem(big, 413, 'payload_too_large');
    expect(big.body.detail).toContain('8192');
    expectProblem(await t.http.post('/v1/public/complaints').set('Content-Type', 'text/plain').send('leak'), 415);
    expectProblem(await t.http.post('/v1/public/complaints').set('Content-Type', 'application/json').send('{"category":'), 400);
    expect(await complaintCount()).toBe(rows);
    // 2,000 Chinese characters still fit.
    expect((await submit({ category: 'leak', description: '漏'.repeat(2000) })).status).toBe(201);
  });
});

describe('complaints from app back ends', () => {
  it('accepts a consent_collector client, audited with its client id; refuses other clients and no token', async () => {
    const collector = await registerSecretClient(t, { roles: ['consent_collector'], scopes: [] });
    const token = await tokenFor(t, collector);
    const res = await t.http
      .post('/v1/complaints')
      .set('Authorization', `Bearer ${token}`)
      .send({ category: 'consent_not_honoured', description: 'Marketing SMS after withdrawal', subject: SUBJECT });
    expect(res.status).toBe(201);
    const stored = await t.container.db('complaints').where({ reference: res.body.reference }).first();
    expect(stored).toMatchObject({ channel: 'app_backend', client_id: collector.clientId });
    const events = await t.container.audit.list({ objectType: 'complaint', objectId: stored.id }, 5);
    expect(events[0]).toMatchObject({ actorType: 'client', actorId: collector.clientId, action: 'complaint.received' });

    const pep = await registerSecretClient(t, { roles: ['pep'], scopes: [] });
    const rows = await complaintCount();
    expectProblem(
      await t.http
        .post('/v1/complaints')
        .set('Authorization', `Bearer ${await tokenFor(t, pep)}`)
        .send({ category: 'leak', description: 'x' }),
      403,
    );
    expectProblem(await t.http.post('/v1/complaints').send({ category: 'leak', description: 'x' }), 401);
    expectProblem(
      await t.http
        .post('/v1/complaints')
        .set(await auth('pat'))
        .send({ category: 'leak', description: 'x' }),
      401,
    );
    expect(await complaintCount()).toBe(rows);
  });
});

describe('handling complaints', () => {
  // Every illegal move from every state, refused and not audited, is tested on the rules (test/unit/complaints-rules.test.ts).
  it('walks received → acknowledged → investigating → resolved → closed, each step audited; an illegal move is 409 and writes nothing', async () => {
    const { id } = await newComplaint();
    const before = await auditCount();
    expectProblem(await move(id, { to: 'resolved' }), 409, 'illegal_transition');
    expect(await auditCount()).toBe(before);
    for (const to of ['acknowledged', 'investigating', 'resolved', 'closed']) {
      const res = await move(id, { to, note: `to ${to}` });
      expect(res.status).toBe(200);
      expect(res.body.status).toBe(to);
    }
    const got = await t.http
      .get(`/v1/complaints/${id}`)
      .set(await auth('pat'))
      .expect(200);
    expect(got.body.history.map((h: { to: string }) => h.to)).toEqual(['received', 'acknowledged', 'investigating', 'resolved', 'closed']);
    expect(got.body).toMatchObject({ decidedAt: expect.any(String), closedAt: expect.any(String), overdue: false });
    const events = await t.container.audit.list({ objectType: 'complaint', objectId: id }, 10);
    expect(events.map((e) => e.action)).toEqual([...Array(4).fill('complaint.transitioned'), 'complaint.received']);
    expect(events[0]).toMatchObject({
      actorType: 'staff',
      actorId: 'pat',
      details: { before: { status: 'resolved' }, after: { status: 'closed' } },
    });
  });

  it('rejects only with a reason (PIPL Art. 50), then closes', async () => {
    const { id, reference } = await newComplaint();
    await move(id, { to: 'acknowledged' });
    await move(id, { to: 'investigating' });
    expectProblem(await move(id, { to: 'rejected' }), 400, 'validation_failed');
    expectProblem(await move(id, { to: 'resolved', reason: 'not a reason field' }), 400, 'validation_failed');
    const rejected = await move(id, { to: 'rejected', reason: 'The data was collected under a contract you signed' });
    expect(rejected.body).toMatchObject({ status: 'rejected', rejectionReason: 'The data was collected under a contract you signed' });
    expect((await move(id, { to: 'closed' })).body.status).toBe('closed');
    const publicView = await t.http.get(`/v1/public/complaints/${reference}`).expect(200);
    expect(publicView.body.status).toBe('closed');
    expect(JSON.stringify(publicView.body)).not.toContain('contract you signed');
  });

  it('extends to 30 days, past 30 only with an approval, never past 60, and only before the deadline', async () => {
    const { id, reference } = await newComplaint();
    const extend = async (body: Record<string, unknown>) =>
      t.http
        .post(`/v1/complaints/${id}/extensions`)
        .set(await auth('pat'))
        .send(body);
    const first = await extend({ days: 15, justification: 'Needs the vendor’s logs' });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ dueDays: 30, dueDate: dueOf(first.body.receivedAt, 30).dueDate });
    expectProblem(await extend({ days: 1, justification: 'More time' }), 400, 'validation_failed');
    const second = await extend({ days: 16, justification: 'Especially complex', approvedBy: 'Deputy president, head office' });
    expect(second.body).toMatchObject({ dueDays: 46, dueAt: dueOf(second.body.receivedAt, 46).dueAt });
    const before = await auditCount();
    expectProblem(await extend({ days: 15, justification: 'Again', approvedBy: 'Head office' }), 409, 'extension_limit');
    expect(await auditCount()).toBe(before);
    expect((await extend({ days: 14, justification: 'Last', approvedBy: 'Head office' })).body.dueDays).toBe(60);
    expectProblem(await extend({ days: 1, justification: 'Beyond', approvedBy: 'Head office' }), 409, 'extension_limit');
    const got = await t.http
      .get(`/v1/complaints/${id}`)
      .set(await auth('audrey'))
      .expect(200);
    expect(got.body.extensions.map((e: { totalDays: number }) => e.totalDays)).toEqual([30, 46, 60]);
    expect((await t.http.get(`/v1/public/complaints/${reference}`)).body.extended).toBe(true);

    for (const to of ['acknowledged', 'investigating', 'resolved']) await move(id, { to });
    expectProblem(await extend({ days: 1, justification: 'Late' }), 409, 'complaint_decided');
  });

  it('lists overdue complaints, counts them in /metrics and in the compliance summary; an overdue one cannot be extended', async () => {
    const { id } = await newComplaint({ app: 'Overdue app' });
    // Received 20 days ago: its 15 days have run out.
    const receivedAt = new Date(Date.now() - 20 * 86_400_000).toISOString();
    const due = dueOf(receivedAt, 15);
    await t.container.db('complaints').where({ id }).update({ received_at: receivedAt, due_date: due.dueDate, due_at: due.dueAt });

    const overdue = await t.http
      .get('/v1/complaints?overdue=true')
      .set(await auth('pat'))
      .expect(200);
    expect(overdue.body.items.map((c: { id: string }) => c.id)).toContain(id);
    expect(overdue.body.items.every((c: { overdue: boolean }) => c.overdue)).toBe(true);
    const notOverdue = await t.http
      .get('/v1/complaints?overdue=false&limit=200')
      .set(await auth('pat'))
      .expect(200);
    expect(notOverdue.body.items.map((c: { id: string }) => c.id)).not.toContain(id);

    const summary = await t.container.complaints.overdueSummary();
    expect(summary.count).toBe(overdue.body.items.length);
    expect(summary.examples).toContain(id);
    const metrics = await t.http.get('/metrics').expect(200);
    expect(metrics.text).toMatch(new RegExp(`^complaints_overdue ${summary.count}$`, 'm'));

    expectProblem(
      await t.http
        .post(`/v1/complaints/${id}/extensions`)
        .set(await auth('pat'))
        .send({ days: 10, justification: 'Too late' }),
      409,
      'complaint_overdue',
    );
    await move(id, { to: 'acknowledged' });
    await move(id, { to: 'investigating' });
    const resolved = await move(id, { to: 'resolved' });
    expect(resolved.body.overdue).toBe(false);
    const events = await t.container.audit.list({ objectType: 'complaint', objectId: id, action: 'complaint.transitioned' }, 1);
    expect(events[0].details).toMatchObject({ decidedLate: true });
  });

  it('links a complaint to a vendor, an asset (by key), an app and an incident, each once; filters by vendor and app', async () => {
    const { id } = await newComplaint();
    const link = async (body: Record<string, unknown>) =>
      t.http
        .post(`/v1/complaints/${id}/links`)
        .set(await auth('pat'))
        .send(body);
    expect((await link({ vendor: vendorId })).status).toBe(200);
    const byKey = await link({ asset: asset.key });
    expect(byKey.body.links).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'asset', target: asset.id })]));
    expect((await link({ app: 'Linked app' })).status).toBe(200);
    const incident = await t.http
      .post('/v1/incidents')
      .set(await auth('pat'))
      .send({
        title: 'Leak',
        detectedAt: new Date().toISOString(),
        source: 'customer_complaint',
        severity: 'low',
        description: 'From a complaint',
      })
      .expect(201);
    expect((await link({ incident: incident.body.id })).body.links).toHaveLength(4);
    expectProblem(await link({ vendor: vendorId }), 409, 'link_exists');
    const before = await auditCount();
    expectProblem(await link({ vendor: '0b4f6a3e-2b8e-4c55-9a0e-6f2d7b1c9e01' }), 400, 'validation_failed');
    expectProblem(await link({ asset: 'retail.nothing' }), 400, 'validation_failed');
    expectProblem(await link({ incident: '0b4f6a3e-2b8e-4c55-9a0e-6f2d7b1c9e01' }), 400, 'validation_failed');
    expectProblem(await link({ vendor: vendorId, app: 'two at once' }), 400, 'validation_failed');
    expectProblem(await link({}), 400, 'validation_failed');
    expect(await auditCount()).toBe(before);

    const byVendor = await t.http
      .get(`/v1/complaints?vendor=${vendorId}`)
      .set(await auth('pat'))
      .expect(200);
    expect(byVendor.body.items.map((c: { id: string }) => c.id)).toEqual([id]);
    const byApp = await t.http
      .get('/v1/complaints?app=Linked%20app')
      .set(await auth('pat'))
      .expect(200);
    expect(byApp.body.items.map((c: { id: string }) => c.id)).toEqual([id]);
    const byOwnApp = await t.http
      .get('/v1/complaints?app=Overdue%20app')
      .set(await auth('pat'))
      .expect(200);
    expect(byOwnApp.body.items).toHaveLength(1);
  });

  it('pages through complaints with a cursor and filters by status and category', async () => {
    const first = await t.http
      .get('/v1/complaints?limit=2')
      .set(await auth('audrey'))
      .expect(200);
    expect(first.body.items).toHaveLength(2);
    const second = await t.http
      .get(`/v1/complaints?limit=2&cursor=${first.body.nextCursor}`)
      .set(await auth('audrey'))
      .expect(200);
    expect(second.body.items[0].id).not.toBe(first.body.items[1].id);
    expect(Date.parse(second.body.items[0].receivedAt)).toBeGreaterThanOrEqual(Date.parse(first.body.items[1].receivedAt));
    const closed = await t.http
      .get('/v1/complaints?status=closed&category=excessive_collection')
      .set(await auth('audrey'))
      .expect(200);
    expect(closed.body.items.length).toBeGreaterThan(0);
    expect(
      closed.body.items.every((c: { status: string; category: string }) => c.status === 'closed' && c.category === 'excessive_collection'),
    ).toBe(true);
  });
});

describe('who sees complaints', () => {
  it('shows privacy officers the contact, auditors everything but the contact, and nobody else anything', async () => {
    const { id } = await newComplaint({ contact: CONTACT });
    const officer = await t.http
      .get(`/v1/complaints/${id}`)
      .set(await auth('pat'))
      .expect(200);
    expect(officer.body).toMatchObject({ contact: CONTACT, hasContact: true });
    const auditor = await t.http
      .get(`/v1/complaints/${id}`)
      .set(await auth('audrey'))
      .expect(200);
    expect(auditor.body).not.toHaveProperty('contact');
    expect(auditor.body.hasContact).toBe(true);
    const list = await t.http
      .get('/v1/complaints?limit=200')
      .set(await auth('pat'))
      .expect(200);
    expect(JSON.stringify(list.body)).not.toContain(CONTACT);

    for (const who of ['olivia', 'vic', 'root-admin', 'nobody']) {
      expectProblem(await t.http.get('/v1/complaints').set(await auth(who)), 403, 'forbidden');
      expectProblem(await t.http.get(`/v1/complaints/${id}`).set(await auth(who)), 403, 'forbidden');
    }
    const before = await auditCount();
    expectProblem(await move(id, { to: 'acknowledged' }, 'audrey'), 403);
    expectProblem(await move(id, { to: 'acknowledged' }, 'olivia'), 403);
    expectProblem(
      await t.http
        .post(`/v1/complaints/${id}/extensions`)
        .set(await auth('audrey'))
        .send({ days: 5, justification: 'x' }),
      403,
    );
    expectProblem(
      await t.http
        .post(`/v1/complaints/${id}/links`)
        .set(await auth('olivia'))
        .send({ app: 'x' }),
      403,
    );
    expectProblem(await t.http.get('/v1/complaints'), 401);
    expect(await auditCount()).toBe(before);
  });
});

describe('bad input on the staff endpoints', () => {
  it.each([
    ['transitions', { to: 'received' }],
    ['transitions', { to: 'archived' }],
    ['transitions', { to: 'acknowledged', colour: 'red' }],
    ['transitions', { to: 'acknowledged', note: '' }],
    ['extensions', { days: 0, justification: 'x' }],
    ['extensions', { days: 31, justification: 'x', approvedBy: 'Head office' }],
    ['extensions', { days: 5 }],
    ['extensions', { days: '5', justification: 'x' }],
    ['links', { vendor: 'not-a-uuid' }],
    ['links', { shoe: 'x' }],
  ])('POST …/%s %j → 400, nothing written', async (path, body) => {
    const { id } = await newComplaint();
    const before = await auditCount();
    expectProblem(
      await t.http
        .post(`/v1/complaints/${id}/${path}`)
        .set(await auth('pat'))
        .send(body),
      400,
      'validation_failed',
    );
    expect(await auditCount()).toBe(before);
  });

  it.each([
    'overdue=yes',
    'limit=0',
    'limit=500',
    'status=lost',
    'category=x',
    'vendor=123',
    'cursor=%%%',
    'cursor=bm90LWEtY3Vyc29y',
    'colour=red',
  ])('GET /v1/complaints?%s → 400', async (query) => {
    expectProblem(await t.http.get(`/v1/complaints?${query}`).set(await auth('pat')), 400, 'validation_failed');
  });

  it('answers 400 for a malformed id and 404 for an unknown one', async () => {
    expectProblem(await t.http.get('/v1/complaints/123').set(await auth('pat')), 400, 'validation_failed');
    expectProblem(await t.http.get('/v1/complaints/0b4f6a3e-2b8e-4c55-9a0e-6f2d7b1c9e01').set(await auth('pat')), 404, 'not_found');
    expectProblem(await move('0b4f6a3e-2b8e-4c55-9a0e-6f2d7b1c9e01', { to: 'acknowledged' }), 404, 'not_found');
  });
});
