import { createTestApp, expectProblem, type TestApp } from '../helpers/app';
import { Factories } from '../helpers/factories';

let t: TestApp;
let f: Factories;
let vendorId: string;
let asset: { id: string; key: string };
const auth = async (sub: string) => ({ Authorization: `Bearer ${await t.staffToken(sub)}` });
const HOUR = 3_600_000;
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
const auditCount = async () => (await t.container.audit.verify()).checked;

const ART57 = {
  categories: ['phone number', 'name'],
  cause: 'A vendor’s staff exported call lists to a personal drive',
  possibleHarm: 'Nuisance calls and phishing',
  measures: 'Vendor suspended, grants revoked, drive wiped under supervision',
  whatSubjectsCanDo: 'Ignore calls asking for verification codes; call 95555 to report them',
  contact: 'privacy@bank.example, 95555',
};

async function openIncident(body: Record<string, unknown> = {}): Promise<string> {
  const res = await t.http
    .post('/v1/incidents')
    .set(await auth('pat'))
    .send({
      title: 'Call list leak',
      detectedAt: ago(HOUR),
      source: 'vendor_report',
      severity: 'high',
      vendors: [vendorId],
      description: 'Reported by the vendor',
      ...body,
    });
  expect(res.status).toBe(201);
  return res.body.id as string;
}
const post = async (id: string, path: string, body: Record<string, unknown>, as = 'pat') =>
  t.http
    .post(`/v1/incidents/${id}/${path}`)
    .set(await auth(as))
    .send(body);
const moveTo = (id: string, to: string, as = 'pat') => post(id, 'transitions', { to }, as);
const contain = (id: string) => post(id, 'containment', { note: 'Vendor asked to stop exports; confirmed by phone' });
const notifyRegulator = (id: string, sentAt = new Date().toISOString()) =>
  post(id, 'notifications', { audience: 'regulator', sentAt, channel: 'regulatory_system', content: ART57 });
const addRectification = (id: string, dueAt = new Date(Date.now() + 7 * 24 * HOUR).toISOString()) =>
  post(id, 'rectifications', { action: 'Block USB and personal drives at the vendor', owner: 'RETAIL', dueAt });

beforeAll(async () => {
  t = await createTestApp();
  f = new Factories(t);
  await f.department('RETAIL');
  await f.department('IT', 'technology');
  await f.purpose('collections');
  await t.grantRole('pat', 'privacy_officer', '*');
  await t.grantRole('audrey', 'auditor', '*');
  await t.grantRole('olivia', 'data_owner', 'RETAIL');
  await t.grantRole('vic', 'vendor_manager', '*');
  vendorId = await f.vendor({ purposes: ['collections'], manager: 'vic' });
  asset = await f.asset('RETAIL', [['phone', 'personal']]);
});
afterAll(() => t.close());

describe('incident lifecycle', () => {
  const STATES = ['open', 'contained', 'notified', 'remediating', 'closed'];

  // Every illegal move from every state, refused and not audited, is tested on the rules (test/unit/incidents-rules.test.ts).
  async function refuseIllegal(id: string, to: string): Promise<void> {
    const before = await auditCount();
    expectProblem(await moveTo(id, to), 409, 'illegal_transition');
    expect(await auditCount()).toBe(before);
  }

  it('goes open → contained → notified → remediating → closed, each move guarded and audited, illegal neighbours 409', async () => {
    const id = await openIncident({ assets: [asset.key], apps: ['Mobile banking'] });
    const opened = await t.http
      .get(`/v1/incidents/${id}`)
      .set(await auth('audrey'))
      .expect(200);
    expect(opened.body).toMatchObject({
      status: 'open',
      assets: [asset.id],
      vendors: [vendorId],
      apps: ['Mobile banking'],
      containedAt: null,
    });

    await refuseIllegal(id, 'notified');
    expectProblem(await moveTo(id, 'contained'), 409, 'containment_required');
    expect((await contain(id)).status).toBe(201);
    const contained = await t.http.get(`/v1/incidents/${id}`).set(await auth('pat'));
    expect(contained.body).toMatchObject({ status: 'contained', containedAt: expect.any(String) });
    expect(contained.body.containment[0]).toMatchObject({
      note: 'Vendor asked to stop exports; confirmed by phone',
      suspendVendors: false,
      by: 'pat',
    });

    await refuseIllegal(id, 'remediating');
    expectProblem(await moveTo(id, 'notified'), 409, 'regulator_not_notified');
    expect((await notifyRegulator(id)).status).toBe(201);
    expect((await moveTo(id, 'notified')).body.status).toBe('notified');

    await refuseIllegal(id, 'closed');
    expectProblem(await moveTo(id, 'remediating'), 409, 'no_rectifications');
    const rectification = await addRectification(id);
    expect(rectification.status).toBe(201);
    expect((await moveTo(id, 'remediating')).body.status).toBe('remediating');

    await refuseIllegal(id, 'contained');
    expectProblem(await moveTo(id, 'closed'), 409, 'rectifications_open');
    const done = await post(id, `rectifications/${rectification.body.id}/completion`, {
      evidence: 'Change ticket CHG-4411; DLP test report 2026-11',
    });
    expect(done.body).toMatchObject({ status: 'done', evidence: 'Change ticket CHG-4411; DLP test report 2026-11', completedBy: 'pat' });
    expect((await moveTo(id, 'closed')).body).toMatchObject({ status: 'closed', closedAt: expect.any(String) });

    await refuseIllegal(id, 'remediating');
    expectProblem(await contain(id), 409, 'incident_closed');
    expectProblem(await notifyRegulator(id), 409, 'incident_closed');
    expectProblem(await addRectification(id), 409, 'incident_closed');
    expectProblem(
      await t.http
        .patch(`/v1/incidents/${id}`)
        .set(await auth('pat'))
        .send({ severity: 'low' }),
      409,
      'incident_closed',
    );

    const final = await t.http
      .get(`/v1/incidents/${id}`)
      .set(await auth('audrey'))
      .expect(200);
    expect(final.body.history.map((h: { to: string }) => h.to)).toEqual(STATES);
    const events = await t.container.audit.list({ objectType: 'incident', objectId: id }, 20);
    expect(events.map((e) => e.action).reverse()).toEqual([
      'incident.opened',
      'incident.containment_applied',
      'incident.notification_recorded',
      'incident.transitioned',
      'incident.rectification_added',
      'incident.transitioned',
      'incident.rectification_completed',
      'incident.transitioned',
    ]);
    expect(JSON.stringify(events)).not.toContain('Reported by the vendor');
    expect(JSON.stringify(events)).not.toContain('Nuisance calls');
  });

  it('completes a rectification only once, with evidence, and only its own incident’s', async () => {
    const id = await openIncident();
    const other = await openIncident();
    const item = await addRectification(id);
    expectProblem(await post(other, `rectifications/${item.body.id}/completion`, { evidence: 'x' }), 404);
    expectProblem(await post(id, `rectifications/${item.body.id}/completion`, {}), 400, 'validation_failed');
    expectProblem(
      await post(id, `rectifications/${item.body.id}/completion`, {
        evidence: 'x',
        completedAt: new Date(Date.now() + 86_400_000).toISOString(),
      }),
      400,
    );
    await post(id, `rectifications/${item.body.id}/completion`, { evidence: 'Pen test retest passed' }).then((r) =>
      expect(r.status).toBe(200),
    );
    expectProblem(await post(id, `rectifications/${item.body.id}/completion`, { evidence: 'again' }), 409, 'rectification_done');
  });
});

describe('notifications (PIPL Art. 57)', () => {
  it.each([
    ['possibleHarm', 'regulator'],
    ['whatSubjectsCanDo', 'subjects'],
    ['contact', 'subjects'],
    ['categories', 'regulator'],
    ['cause', 'department'],
    ['measures', 'regulator'],
  ])('refuses a notice without %s for the %s (400), nothing written', async (missing, audience) => {
    const id = await openIncident();
    const content: Record<string, unknown> = { ...ART57 };
    delete content[missing];
    const before = await auditCount();
    const res = await post(id, 'notifications', {
      audience,
      sentAt: new Date().toISOString(),
      channel: 'letter',
      content,
      ...(audience === 'department' ? { department: 'RETAIL' } : {}),
    });
    expectProblem(res, 400, 'validation_failed');
    expect(JSON.stringify(res.body.errors)).toContain(missing);
    expect(await auditCount()).toBe(before);
  });

  it('accepts a department notice with categories, cause and measures only; names the department', async () => {
    const id = await openIncident();
    const res = await post(id, 'notifications', {
      audience: 'department',
      department: 'RETAIL',
      sentAt: new Date().toISOString(),
      channel: 'internal_system',
      content: { categories: ['phone number'], cause: ART57.cause, measures: ART57.measures },
    });
    expect(res.status).toBe(201);
    expect(res.body.notifications[0]).toMatchObject({ audience: 'department', department: 'RETAIL' });
    expect(res.body.regulatorNotification.sentAt).toBeNull();
    expectProblem(
      await post(id, 'notifications', { audience: 'department', sentAt: new Date().toISOString(), channel: 'email', content: ART57 }),
      400,
    );
    expectProblem(
      await post(id, 'notifications', {
        audience: 'department',
        department: 'NOPE',
        sentAt: new Date().toISOString(),
        channel: 'email',
        content: ART57,
      }),
      400,
    );
    expectProblem(
      await post(id, 'notifications', {
        audience: 'regulator',
        department: 'RETAIL',
        sentAt: new Date().toISOString(),
        channel: 'email',
        content: ART57,
      }),
      400,
    );
  });

  it('sets the regulator deadline from the severity, flags it overdue, and flags a late notice', async () => {
    // Critical: 1 hour by default; detected 3 hours ago.
    const id = await openIncident({ severity: 'critical', detectedAt: ago(3 * HOUR) });
    const before = await t.http.get(`/v1/incidents/${id}`).set(await auth('pat'));
    expect(Date.parse(before.body.regulatorNotification.dueAt) - Date.parse(before.body.detectedAt)).toBe(HOUR);
    expect(before.body.regulatorNotification).toMatchObject({ overdue: true, late: false, sentAt: null });

    const overdue = await t.http
      .get('/v1/incidents?notificationOverdue=true')
      .set(await auth('pat'))
      .expect(200);
    expect(overdue.body.items.map((i: { id: string }) => i.id)).toContain(id);
    const summary = await t.container.incidents.overdueNotifications();
    expect(summary.examples).toContain(id);
    const metrics = await t.http.get('/metrics').expect(200);
    expect(metrics.text).toMatch(new RegExp(`^incident_obligations_overdue\\{kind="regulator_notification"\\} ${summary.count}$`, 'm'));

    expectProblem(await notifyRegulator(id, ago(4 * HOUR)), 400, 'validation_failed');
    expectProblem(await notifyRegulator(id, new Date(Date.now() + HOUR).toISOString()), 400, 'validation_failed');
    const sent = await notifyRegulator(id, ago(HOUR));
    expect(sent.body.regulatorNotification).toMatchObject({ overdue: false, late: true });
    expect((await t.container.incidents.lateNotifications()).examples).toContain(id);
    expect((await t.container.incidents.overdueNotifications()).examples).not.toContain(id);
  });

  it('moves the deadline when the severity is corrected', async () => {
    const id = await openIncident({ severity: 'low', detectedAt: ago(2 * HOUR) });
    const low = await t.http.get(`/v1/incidents/${id}`).set(await auth('pat'));
    expect(low.body.regulatorNotification.overdue).toBe(false);
    const high = await t.http
      .patch(`/v1/incidents/${id}`)
      .set(await auth('pat'))
      .send({ severity: 'high' })
      .expect(200);
    expect(Date.parse(high.body.regulatorNotification.dueAt) - Date.parse(high.body.detectedAt)).toBe(4 * HOUR);
    const events = await t.container.audit.list({ objectType: 'incident', objectId: id, action: 'incident.updated' }, 1);
    expect(events[0].details).toMatchObject({ before: { severity: 'low' }, after: { severity: 'high' } });
  });
});

describe('compliance exports', () => {
  it('counts incidents without containment and overdue rectifications, with example ids', async () => {
    const id = await openIncident();
    expect((await t.container.incidents.withoutContainment(200)).examples).toContain(id);
    const item = await addRectification(id);
    await t.container
      .db('incident_rectifications')
      .where({ id: item.body.id })
      .update({ due_at: ago(HOUR) });
    const overdue = await t.container.incidents.overdueRectifications(new Date(), 200);
    expect(overdue.examples).toContain(item.body.id);
    const got = await t.http.get(`/v1/incidents/${id}`).set(await auth('pat'));
    expect(got.body.rectifications[0]).toMatchObject({ overdue: true, status: 'open' });
    expect(got.body.openRectifications).toBe(1);
    await contain(id);
    expect((await t.container.incidents.withoutContainment(200)).examples).not.toContain(id);
  });
});

describe('who sees incidents', () => {
  it('lets privacy officers manage and auditors read; nobody else', async () => {
    const id = await openIncident();
    await t.http
      .get('/v1/incidents')
      .set(await auth('audrey'))
      .expect(200);
    await t.http
      .get(`/v1/incidents/${id}/blast-radius`)
      .set(await auth('audrey'))
      .expect(200);
    for (const who of ['olivia', 'vic', 'root-admin', 'nobody']) {
      expectProblem(await t.http.get('/v1/incidents').set(await auth(who)), 403, 'forbidden');
      expectProblem(await t.http.get(`/v1/incidents/${id}`).set(await auth(who)), 403, 'forbidden');
      expectProblem(await t.http.get(`/v1/incidents/${id}/blast-radius`).set(await auth(who)), 403, 'forbidden');
    }
    const before = await auditCount();
    for (const who of ['audrey', 'olivia', 'vic']) {
      expectProblem(await post(id, 'containment', { note: 'x' }, who), 403);
      expectProblem(await moveTo(id, 'notified', who), 403);
      expectProblem(
        await post(
          id,
          'notifications',
          { audience: 'regulator', sentAt: new Date().toISOString(), channel: 'letter', content: ART57 },
          who,
        ),
        403,
      );
      expectProblem(
        await post(id, 'rectifications', { action: 'x', owner: 'RETAIL', dueAt: new Date(Date.now() + HOUR).toISOString() }, who),
        403,
      );
    }
    expectProblem(
      await t.http
        .post('/v1/incidents')
        .set(await auth('audrey'))
        .send({}),
      403,
    );
    expect(await auditCount()).toBe(before);
  });
});

describe('bad input', () => {
  const valid = () => ({ title: 'x', detectedAt: ago(HOUR), source: 'audit', severity: 'low', description: 'x' });
  it.each([
    ['no title', { title: undefined }],
    ['an unknown severity', { severity: 'catastrophic' }],
    ['an unknown source', { source: 'rumour' }],
    ['a detection in the future', { detectedAt: new Date(Date.now() + 2 * HOUR).toISOString() }],
    ['a detection that is not a time', { detectedAt: 'yesterday' }],
    ['an unknown vendor', { vendors: ['0b4f6a3e-2b8e-4c55-9a0e-6f2d7b1c9e01'] }],
    ['a vendor twice', { vendors: ['0b4f6a3e-2b8e-4c55-9a0e-6f2d7b1c9e01', '0b4f6a3e-2b8e-4c55-9a0e-6f2d7b1c9e01'] }],
    ['an unknown asset', { assets: ['retail.nothing'] }],
    ['an unknown property', { colour: 'red' }],
  ])('POST /v1/incidents with %s → 400, nothing written', async (_label, change) => {
    const before = await auditCount();
    expectProblem(
      await t.http
        .post('/v1/incidents')
        .set(await auth('pat'))
        .send({ ...valid(), ...change }),
      400,
      'validation_failed',
    );
    expect(await auditCount()).toBe(before);
  });

  it.each([
    ['containment', {}],
    ['containment', { suspendVendors: 'yes' }],
    ['containment', { note: '' }],
    ['transitions', { to: 'archived' }],
    ['transitions', {}],
    ['rectifications', { action: 'x', owner: 'NOPE', dueAt: new Date(Date.now() + HOUR).toISOString() }],
    ['rectifications', { action: 'x', owner: 'RETAIL', dueAt: ago(HOUR) }],
    ['rectifications', { action: '', owner: 'RETAIL', dueAt: new Date(Date.now() + HOUR).toISOString() }],
    ['notifications', { audience: 'press', sentAt: new Date().toISOString(), channel: 'letter', content: ART57 }],
    ['notifications', { audience: 'regulator', sentAt: new Date().toISOString(), channel: 'pigeon', content: ART57 }],
    [
      'notifications',
      { audience: 'regulator', sentAt: new Date().toISOString(), channel: 'letter', content: { ...ART57, categories: [] } },
    ],
    ['notifications', { audience: 'regulator', sentAt: new Date().toISOString(), channel: 'letter', content: { ...ART57, extra: 'x' } }],
    ['notifications', { audience: 'subjects', sentAt: new Date().toISOString(), channel: 'sms', content: ART57, recipients: 0 }],
  ])('POST …/%s %j → 400, nothing written', async (path, body) => {
    const id = await openIncident();
    const before = await auditCount();
    expectProblem(await post(id, path, body), 400, 'validation_failed');
    expect(await auditCount()).toBe(before);
  });

  it.each([
    ['nothing to change', {}],
    ['an unknown severity', { severity: 'catastrophic' }],
    ['an unknown vendor', { vendors: ['0b4f6a3e-2b8e-4c55-9a0e-6f2d7b1c9e01'] }],
    ['an unknown asset', { assets: ['retail.nothing'] }],
    ['a status (moves go through transitions)', { status: 'closed' }],
    ['a detection time (it is fixed)', { detectedAt: ago(HOUR) }],
  ])('PATCH /v1/incidents/{id} with %s → 400, nothing written', async (_label, body) => {
    const id = await openIncident();
    const before = await auditCount();
    expectProblem(
      await t.http
        .patch(`/v1/incidents/${id}`)
        .set(await auth('pat'))
        .send(body),
      400,
      'validation_failed',
    );
    expect(await auditCount()).toBe(before);
  });

  it.each(['status=lost', 'severity=huge', 'vendor=1', 'notificationOverdue=maybe', 'limit=0', 'cursor=bm9wZQ', 'colour=red'])(
    'GET /v1/incidents?%s → 400',
    async (q) => {
      expectProblem(await t.http.get(`/v1/incidents?${q}`).set(await auth('pat')), 400, 'validation_failed');
    },
  );

  it('refuses a bad window, a malformed id and an unknown incident', async () => {
    const id = await openIncident();
    expectProblem(
      await t.http.get(`/v1/incidents/${id}/blast-radius?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z`).set(await auth('pat')),
      400,
    );
    expectProblem(await t.http.get(`/v1/incidents/${id}/blast-radius?from=yesterday`).set(await auth('pat')), 400);
    expectProblem(await t.http.get('/v1/incidents/42').set(await auth('pat')), 400);
    expectProblem(await t.http.get('/v1/incidents/0b4f6a3e-2b8e-4c55-9a0e-6f2d7b1c9e01').set(await auth('pat')), 404);
    expectProblem(await t.http.get('/v1/incidents/0b4f6a3e-2b8e-4c55-9a0e-6f2d7b1c9e01/blast-radius').set(await auth('pat')), 404);
    expectProblem(await moveTo('0b4f6a3e-2b8e-4c55-9a0e-6f2d7b1c9e01', 'notified'), 404);
  });

  it('pages through incidents and filters by vendor, status and severity', async () => {
    const first = await t.http
      .get('/v1/incidents?limit=1')
      .set(await auth('pat'))
      .expect(200);
    const second = await t.http
      .get(`/v1/incidents?limit=1&cursor=${first.body.nextCursor}`)
      .set(await auth('pat'))
      .expect(200);
    expect(second.body.items[0].id).not.toBe(first.body.items[0].id);
    const byVendor = await t.http
      .get(`/v1/incidents?vendor=${vendorId}&severity=high&status=open&limit=200`)
      .set(await auth('pat'))
      .expect(200);
    expect(byVendor.body.items.length).toBeGreaterThan(0);
    expect(
      byVendor.body.items.every(
        (i: { vendors: string[]; severity: string; status: string }) =>
          i.vendors.includes(vendorId) && i.severity === 'high' && i.status === 'open',
      ),
    ).toBe(true);
    const none = await t.http
      .get('/v1/incidents?vendor=0b4f6a3e-2b8e-4c55-9a0e-6f2d7b1c9e01')
      .set(await auth('pat'))
      .expect(200);
    expect(none.body.items).toEqual([]);
  });
});
