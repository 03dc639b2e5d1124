import { createTestApp, expectProblem, type TestApp } from '../helpers/app';
import { AppWorld, auditCount as countAuditEvents } from '../helpers/app-world';
import { Factories } from '../helpers/factories';

// The Notice, item 6: each app's importance tier, RTO and RPO, continuity plan and last drill;
// outages compared with the RTO; compliance checks for drills and RTO breaches.

let t: TestApp;
let f: Factories;
let world: AppWorld;
const auth = async (sub: string) => ({ Authorization: `Bearer ${await t.staffToken(sub)}` });
const DAY = 86_400_000;
const daysAgo = (n: number) => new Date(Date.now() - n * DAY);
const dateDaysAgo = (n: number) => daysAgo(n).toISOString().slice(0, 10);
const profile = (overrides: Record<string, unknown> = {}) => ({
  tier: 'critical',
  rtoMinutes: 60,
  rpoMinutes: 15,
  planReference: 'BCP-2026-07',
  lastDrill: { on: dateDaysAgo(30), result: 'passed' },
  ...overrides,
});
const outage = (startDaysAgo: number, minutes: number) => {
  const start = daysAgo(startDaysAgo);
  return {
    startedAt: start.toISOString(),
    endedAt: new Date(start.getTime() + minutes * 60_000).toISOString(),
    impact: 'Mobile banking login unavailable',
    cause: 'Database failover',
  };
};

const newApp = (owningDepartment = 'RETAIL') => world.newApp({ owningDepartment });

const auditCount = () => countAuditEvents(t);
const check = (code: string, query = '') => world.complianceCheck(code, query);
const exampleIds = (c: { examples: Array<string | { id: string }> } | undefined) =>
  (c?.examples ?? []).map((e) => (typeof e === 'string' ? e : e.id));

beforeAll(async () => {
  t = await createTestApp();
  f = new Factories(t);
  world = new AppWorld(t, f);
  await f.department('DIGITAL', 'technology');
  await f.department('RETAIL');
  await f.department('CARDS');
  await t.grantRole('amy', 'app_manager', '*');
  await t.grantRole('rita', 'app_manager', 'RETAIL');
  await t.grantRole('dina', 'app_manager', 'DIGITAL');
  await t.grantRole('carl', 'app_manager', 'CARDS');
  await t.grantRole('dora', 'data_owner', 'RETAIL');
  await t.grantRole('dave', 'data_owner', 'CARDS');
  await t.grantRole('aud', 'auditor', 'RETAIL');
  await t.grantRole('erin', 'auditor', '*');
});
afterAll(() => t.close());

describe('an app’s continuity profile', () => {
  it('is set by the owning department’s app manager, audited, and read by its auditors and data owners', async () => {
    const id = await newApp();
    expectProblem(await t.http.get(`/v1/apps/${id}/continuity`).set(await auth('rita')), 404, 'not_found');
    const res = await t.http
      .put(`/v1/apps/${id}/continuity`)
      .set(await auth('rita'))
      .send(profile());
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ appId: id, tier: 'critical', rtoMinutes: 60, rpoMinutes: 15, drillCurrent: true, setBy: 'rita' });
    for (const reader of ['aud', 'dora', 'erin']) {
      expect(
        (
          await t.http
            .get(`/v1/apps/${id}/continuity`)
            .set(await auth(reader))
            .expect(200)
        ).body.planReference,
      ).toBe('BCP-2026-07');
    }
    const events = (await t.container.audit.list({ action: 'app.continuity_set', objectId: id }, 10)) as Array<{
      actorId: string;
      details: Record<string, unknown>;
    }>;
    expect(events).toEqual([
      expect.objectContaining({ actorId: 'rita', details: { before: null, after: expect.objectContaining({ tier: 'critical' }) } }),
    ]);
  });

  it('is refused to other departments, to readers and to the lead department until one is named; then the lead department’s app managers may write', async () => {
    const id = await newApp();
    const before = await auditCount();
    for (const who of ['carl', 'dina', 'dora', 'aud', 'dave', 'erin']) {
      expectProblem(
        await t.http
          .put(`/v1/apps/${id}/continuity`)
          .set(await auth(who))
          .send(profile()),
        403,
        'forbidden',
      );
    }
    for (const who of ['carl', 'dave']) expectProblem(await t.http.get(`/v1/apps/${id}/continuity`).set(await auth(who)), 403, 'forbidden');
    expect(await auditCount()).toBe(before);
    await t.http
      .put('/v1/app-management/lead-department')
      .set(await auth('root-admin'))
      .send({ department: 'DIGITAL' })
      .expect(200);
    expect(
      (
        await t.http
          .put(`/v1/apps/${id}/continuity`)
          .set(await auth('dina'))
          .send(profile())
      ).status,
    ).toBe(200);
    expect(
      (
        await t.http
          .post(`/v1/apps/${id}/outages`)
          .set(await auth('dina'))
          .send(outage(2, 10))
      ).status,
    ).toBe(201);
    expectProblem(
      await t.http
        .put(`/v1/apps/${id}/continuity`)
        .set(await auth('carl'))
        .send(profile()),
      403,
      'forbidden',
    );
  });

  describe('malformed', () => {
    let id: string;
    beforeAll(async () => {
      id = await newApp();
    });

    it.each([
      ['an unknown tier', { tier: 'vital' }],
      ['an RTO of zero', { rtoMinutes: 0 }],
      ['a fractional RTO', { rtoMinutes: 1.5 }],
      ['an RTO beyond a year', { rtoMinutes: 525_601 }],
      ['a negative RPO', { rpoMinutes: -1 }],
      ['a blank plan reference', { planReference: '  ' }],
      ['a hidden character in the plan reference', { planReference: 'BCP\u202e-1' }],
      ['a drill without a result', { lastDrill: { on: dateDaysAgo(3) } }],
      ['an unknown drill result', { lastDrill: { on: dateDaysAgo(3), result: 'ok' } }],
      ['an impossible drill date', { lastDrill: { on: '2026-02-30', result: 'passed' } }],
      ['an extra property', { owner: 'me' }],
    ])('refuses %s with 400, changing nothing', async (_label, overrides) => {
      const before = await auditCount();
      expectProblem(
        await t.http
          .put(`/v1/apps/${id}/continuity`)
          .set(await auth('rita'))
          .send(profile(overrides)),
        400,
        'validation_failed',
      );
      expect(await auditCount()).toBe(before);
      expect((await t.http.get(`/v1/apps/${id}/continuity`).set(await auth('rita'))).status).toBe(404);
    });
  });

  it('answers 404 for an unknown app', async () => {
    expectProblem(
      await t.http
        .put(`/v1/apps/${crypto.randomUUID()}/continuity`)
        .set(await auth('amy'))
        .send(profile()),
      404,
      'not_found',
    );
  });
});

describe('outages against the RTO', () => {
  it('are each flagged when longer than the RTO in force when recorded, filtered and paged newest first', async () => {
    const id = await newApp();
    await t.http
      .put(`/v1/apps/${id}/continuity`)
      .set(await auth('rita'))
      .send(profile({ rtoMinutes: 30 }))
      .expect(200);
    const within = await t.http
      .post(`/v1/apps/${id}/outages`)
      .set(await auth('rita'))
      .send(outage(3, 30))
      .expect(201);
    expect(within.body).toMatchObject({ durationMinutes: 30, rtoMinutes: 30, exceedsRto: false, recordedBy: 'rita' });
    const beyond = await t.http
      .post(`/v1/apps/${id}/outages`)
      .set(await auth('rita'))
      .send(outage(2, 31))
      .expect(201);
    expect(beyond.body).toMatchObject({ durationMinutes: 31, exceedsRto: true });
    // A later, looser RTO does not excuse an outage recorded under the stricter one.
    await t.http
      .put(`/v1/apps/${id}/continuity`)
      .set(await auth('rita'))
      .send(profile({ rtoMinutes: 240 }))
      .expect(200);
    const list = await t.http
      .get(`/v1/apps/${id}/outages`)
      .set(await auth('aud'))
      .expect(200);
    expect(list.body.items.map((o: { id: string; exceedsRto: boolean }) => [o.id, o.exceedsRto])).toEqual([
      [beyond.body.id, true],
      [within.body.id, false],
    ]);
    const breaches = await t.http
      .get(`/v1/apps/${id}/outages?exceedsRto=true`)
      .set(await auth('dora'))
      .expect(200);
    expect(breaches.body.items.map((o: { id: string }) => o.id)).toEqual([beyond.body.id]);
    const first = await t.http
      .get(`/v1/apps/${id}/outages?limit=1`)
      .set(await auth('rita'))
      .expect(200);
    const second = await t.http
      .get(`/v1/apps/${id}/outages?limit=1&cursor=${first.body.nextCursor}`)
      .set(await auth('rita'))
      .expect(200);
    expect(second.body.items.map((o: { id: string }) => o.id)).toEqual([within.body.id]);
    expectProblem(await t.http.get(`/v1/apps/${id}/outages`).set(await auth('dave')), 403, 'forbidden');
  });

  describe('malformed', () => {
    let id: string;
    beforeAll(async () => {
      id = await newApp();
      await t.http
        .put(`/v1/apps/${id}/continuity`)
        .set(await auth('rita'))
        .send(profile())
        .expect(200);
    });

    it.each([
      ['no end', (o: Record<string, string>) => ({ ...o, endedAt: undefined })],
      ['a start without a zone', (o: Record<string, string>) => ({ ...o, startedAt: '2026-01-01T10:00:00' })],
      ['year 0000', (o: Record<string, string>) => ({ ...o, startedAt: '0000-01-01T00:00:00Z' })],
      ['a blank cause', (o: Record<string, string>) => ({ ...o, cause: ' ' })],
      ['a NUL in the impact', (o: Record<string, string>) => ({ ...o, impact: 'down\u0000' })],
      ['an extra property', (o: Record<string, string>) => ({ ...o, exceedsRto: false })],
    ])('refuses %s with 400, recording nothing', async (_label, change) => {
      const before = await auditCount();
      expectProblem(
        await t.http
          .post(`/v1/apps/${id}/outages`)
          .set(await auth('rita'))
          .send(change(outage(1, 5))),
        400,
        'validation_failed',
      );
      expect(await auditCount()).toBe(before);
      expect(
        (
          await t.http
            .get(`/v1/apps/${id}/outages`)
            .set(await auth('rita'))
            .expect(200)
        ).body.items,
      ).toEqual([]);
    });

    it('refuses a bad list query with 400', async () => {
      for (const q of ['exceedsRto=yes', 'limit=0', 'cursor=%2F%2F', 'other=1'])
        expectProblem(await t.http.get(`/v1/apps/${id}/outages?${q}`).set(await auth('rita')), 400, 'validation_failed');
    });
  });
});

describe('compliance checks', () => {
  it('fail critical and important apps without a passed drill in 12 months; general apps are not examined', async () => {
    const drilled = await newApp('CARDS');
    const stale = await newApp('CARDS');
    const failed = await newApp('CARDS');
    const never = await newApp('CARDS');
    const general = await newApp('CARDS');
    const carl = await auth('carl');
    const put = (id: string, body: Record<string, unknown>) => t.http.put(`/v1/apps/${id}/continuity`).set(carl).send(body);
    await put(drilled, profile({ tier: 'important', lastDrill: { on: dateDaysAgo(300), result: 'passed' } })).expect(200);
    await put(stale, profile({ lastDrill: { on: dateDaysAgo(400), result: 'passed' } })).expect(200);
    await put(failed, profile({ lastDrill: { on: dateDaysAgo(10), result: 'failed' } })).expect(200);
    await put(never, profile({ tier: 'important', lastDrill: null })).expect(200);
    await put(general, profile({ tier: 'general', lastDrill: null })).expect(200);
    const c = await check('apps_continuity_drill');
    expect(c?.status).toBe('fail');
    expect(exampleIds(c)).toEqual(expect.arrayContaining([stale, failed, never]));
    expect(exampleIds(c)).not.toContain(drilled);
    expect(exampleIds(c)).not.toContain(general);
    const facts = await t.container.apps.continuity.compliance.withoutRecentDrill();
    expect(facts.count).toBe(c?.count);
  });

  it('list the outages of the report period longer than their RTO', async () => {
    const id = await newApp('CARDS');
    await t.http
      .put(`/v1/apps/${id}/continuity`)
      .set(await auth('carl'))
      .send(profile({ rtoMinutes: 20 }))
      .expect(200);
    const late = await t.http
      .post(`/v1/apps/${id}/outages`)
      .set(await auth('carl'))
      .send(outage(5, 90))
      .expect(201);
    const quick = await t.http
      .post(`/v1/apps/${id}/outages`)
      .set(await auth('carl'))
      .send(outage(4, 10))
      .expect(201);
    const old = await t.http
      .post(`/v1/apps/${id}/outages`)
      .set(await auth('carl'))
      .send(outage(200, 90))
      .expect(201);
    const from = dateDaysAgo(30);
    const c = await check('app_outages_within_rto', `?from=${from}`);
    expect(c?.status).toBe('fail');
    expect(exampleIds(c)).toContain(late.body.id);
    expect(exampleIds(c)).not.toContain(quick.body.id);
    expect(exampleIds(c)).not.toContain(old.body.id);
    const facts = await t.container.apps.continuity.compliance.rtoBreaches({ from: daysAgo(30), to: new Date(Date.now() + DAY) });
    expect(facts.examined).toBeGreaterThanOrEqual(2);
    const empty = await t.container.apps.continuity.compliance.rtoBreaches({ from: new Date('2000-01-01'), to: new Date('2000-02-01') });
    expect(empty).toEqual({ examined: 0, count: 0, examples: [] });
  });
});
