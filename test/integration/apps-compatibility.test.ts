import { createTestApp, expectProblem, type TestApp } from '../helpers/app';
import { AppWorld, auditCount as countAuditEvents, dateDaysAgo } from '../helpers/app-world';
import { Factories } from '../helpers/factories';

// The Notice, item 5: supported OS/platform versions per app release, compatibility results per
// environment (a failed one blocks the release, naming the environment), and a register of
// end-of-support dates that warns about apps in service still supporting an ended environment.

let t: TestApp;
let f: Factories;
let world: AppWorld;
const auth = async (sub: string) => ({ Authorization: `Bearer ${await t.staffToken(sub)}` });
const daysAgo = dateDaysAgo;
const ENVS = '/v1/operating-environments';

const newApp = () => world.filedApp();
const readyApp = () => world.readyApp();

const release = (id: string) => world.release(id);
const support = async (id: string, release: string, environments: Array<{ platform: string; version: string }>, as = 'amy') =>
  t.http
    .put(`/v1/apps/${id}/supported-environments`)
    .set(await auth(as))
    .send({ release, environments });
const result = async (id: string, body: Record<string, unknown>, as = 'amy') =>
  t.http
    .post(`/v1/apps/${id}/compatibility-results`)
    .set(await auth(as))
    .send(body);
const auditCount = () => countAuditEvents(t);
const check = () => world.complianceCheck('apps_supporting_ended_environments');

beforeAll(async () => {
  t = await createTestApp();
  f = new Factories(t);
  world = new AppWorld(t, f);
  await f.department('DIGITAL');
  await f.department('RETAIL');
  await f.department('CARDS');
  await t.http
    .put('/v1/app-management/lead-department')
    .set(await auth('root-admin'))
    .send({ department: 'DIGITAL' })
    .expect(200);
  for (const who of ['amy', 'ben']) await t.grantRole(who, 'app_manager', '*');
  await t.grantRole('rita', 'app_manager', 'RETAIL');
  await t.grantRole('carl', 'app_manager', 'CARDS');
  await t.grantRole('erin', 'auditor', '*');
  await t.grantRole('pia', 'privacy_officer', '*');
});
afterAll(() => t.close());

describe('supported environments and compatibility results', () => {
  it('declares a release’s environments (replacing them, audited) and records results, read back by the app’s readers', async () => {
    const id = await newApp();
    const res = await support(id, '5.2.0', [
      { platform: 'android', version: '14' },
      { platform: 'ios', version: '17' },
    ]);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ currentRelease: '5.2.0', warnings: [] });
    expect(res.body.supported.map((s: { platform: string; version: string }) => `${s.platform} ${s.version}`).sort()).toEqual([
      'android 14',
      'ios 17',
    ]);
    const again = await support(id, '5.2.0', [{ platform: 'android', version: '14' }]);
    expect(again.body.supported).toHaveLength(1);
    const [event] = (await t.container.audit.list({ action: 'app.supported_environments_declared', objectId: id }, 10)) as Array<{
      details: Record<string, unknown>;
    }>;
    expect(event.details).toMatchObject({ release: '5.2.0', before: ['android 14', 'ios 17'], after: ['android 14'] });
    const ok = await result(id, {
      release: '5.2.0',
      platform: 'android',
      version: '14',
      result: 'pass',
      testedOn: daysAgo(1),
      reportReference: 'CT-1',
    });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ result: 'pass', recordedBy: 'amy' });
    const view = await t.http
      .get(`/v1/apps/${id}/compatibility`)
      .set(await auth('erin'))
      .expect(200);
    expect(view.body.supported[0]).toMatchObject({
      platform: 'android',
      version: '14',
      latestResult: 'pass',
      endOfSupport: null,
      pastEndOfSupport: false,
    });
  });

  describe('malformed', () => {
    let id: string;
    beforeAll(async () => {
      id = await newApp();
    });

    it.each([
      ['an upper-case platform', { release: '1', environments: [{ platform: 'Android', version: '14' }] }],
      ['a version with spaces', { release: '1', environments: [{ platform: 'android', version: '1 4' }] }],
      ['no environments', { release: '1', environments: [] }],
      [
        'an environment twice',
        {
          release: '1',
          environments: [
            { platform: 'ios', version: '17' },
            { platform: 'ios', version: '17' },
          ],
        },
      ],
      ['a NUL in the release', { release: '1\u0000', environments: [{ platform: 'ios', version: '17' }] }],
      ['an extra property', { release: '1', environments: [{ platform: 'ios', version: '17', eol: true }] }],
    ])('refuses %s with 400, writing nothing', async (_label, body) => {
      const before = await auditCount();
      expectProblem(
        await t.http
          .put(`/v1/apps/${id}/supported-environments`)
          .set(await auth('amy'))
          .send(body),
        400,
        'validation_failed',
      );
      expectProblem(
        await result(id, { release: '1', platform: 'ios', version: '17', result: 'maybe', testedOn: daysAgo(1) }),
        400,
        'validation_failed',
      );
      expectProblem(
        await result(id, { release: '1', platform: 'ios', version: '17', result: 'pass', testedOn: '0000-01-01' }),
        400,
        'validation_failed',
      );
      expect(await auditCount()).toBe(before);
    });
  });

  it('refuses other departments’ managers, privacy officers and auditors (403) and answers 404 for an unknown app', async () => {
    const id = await newApp();
    for (const who of ['carl', 'pia', 'erin'])
      expectProblem(await support(id, '1', [{ platform: 'ios', version: '17' }], who), 403, 'forbidden');
    expect((await support(id, '1', [{ platform: 'ios', version: '17' }], 'rita')).status).toBe(200);
    expectProblem(
      await result(id, { release: '1', platform: 'ios', version: '17', result: 'pass', testedOn: daysAgo(1) }, 'carl'),
      403,
      'forbidden',
    );
    expectProblem(await t.http.get(`/v1/apps/${id}/compatibility`).set(await auth('carl')), 403, 'forbidden');
    expectProblem(await support('0b4f6a3e-2b8e-4c55-9a0e-6f2d7b1c9e01', '1', [{ platform: 'ios', version: '17' }]), 404);
  });
});

describe('the release gate', () => {
  it('blocks a release whose latest result failed in a supported environment, naming it; a passing retest lifts it', async () => {
    const id = await readyApp();
    await support(id, '6.0.0', [
      { platform: 'android', version: '13' },
      { platform: 'harmonyos', version: '4.0' },
    ]);
    await result(id, { release: '6.0.0', platform: 'android', version: '13', result: 'fail', testedOn: daysAgo(3) });
    await result(id, { release: '6.0.0', platform: 'harmonyos', version: '4.0', result: 'pass', testedOn: daysAgo(3) });
    const before = await auditCount();
    const blocked = await release(id);
    expectProblem(blocked, 409, 'release_gate_failed');
    expect(blocked.body.unmet).toEqual([expect.objectContaining({ requirement: 'compatibility_failed', environment: 'android 13' })]);
    expect(blocked.body.detail).toContain('android 13');
    expect(await auditCount()).toBe(before);
    await result(id, { release: '6.0.0', platform: 'android', version: '13', result: 'pass', testedOn: daysAgo(1) });
    expect((await release(id)).status).toBe(200);
  });
});

describe('the end-of-support register', () => {
  it('is kept by app managers holding the role everywhere; readers list it', async () => {
    for (const who of ['rita', 'erin', 'pia'])
      expectProblem(
        await t.http
          .put(ENVS)
          .set(await auth(who))
          .send({ platform: 'ios', version: '12', endOfSupport: daysAgo(10) }),
        403,
        'forbidden',
      );
    expectProblem(
      await t.http
        .put(ENVS)
        .set(await auth('amy'))
        .send({ platform: 'ios', version: '12', endOfSupport: 'soon' }),
      400,
      'validation_failed',
    );
    const res = await t.http
      .put(ENVS)
      .set(await auth('amy'))
      .send({ platform: 'ios', version: '12', endOfSupport: daysAgo(10) });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ platform: 'ios', version: '12', endOfSupport: daysAgo(10), setBy: 'amy' });
    const listed = await t.http
      .get(ENVS)
      .set(await auth('rita'))
      .expect(200);
    expect(listed.body.items).toEqual([expect.objectContaining({ platform: 'ios', version: '12' })]);
  });

  it('warns in the app’s view and the compliance report about an app in service still supporting an ended environment', async () => {
    const id = await newApp();
    await support(id, '7.0', [
      { platform: 'ios', version: '12' },
      { platform: 'ios', version: '18' },
    ]);
    await t.http
      .put(ENVS)
      .set(await auth('amy'))
      .send({ platform: 'ios', version: '18', endOfSupport: '2099-12-31' })
      .expect(200);
    // Put in service directly: that the release gate ignores end of support is tested on fakes (apps-compatibility-rules).
    await t.container.db('apps').where({ id }).update({ lifecycle_state: 'released' });
    const view = await t.http
      .get(`/v1/apps/${id}/compatibility`)
      .set(await auth('amy'))
      .expect(200);
    expect(view.body.warnings).toEqual([expect.stringContaining('ios 12')]);
    expect(view.body.supported.find((s: { version: string }) => s.version === '18')).toMatchObject({
      pastEndOfSupport: false,
      endOfSupport: '2099-12-31',
    });
    expect(await check()).toMatchObject({ status: 'warn', count: 1, examples: [id] });
    // The next release drops it: no warning.
    await support(id, '7.1', [{ platform: 'ios', version: '18' }]);
    expect(await check()).toMatchObject({ status: 'pass', count: 0 });
    expect(
      (
        await t.http
          .get(`/v1/apps/${id}/compatibility`)
          .set(await auth('amy'))
          .expect(200)
      ).body.warnings,
    ).toEqual([]);
  });

  it('judges the same release current in the view and the report when two were declared at the same instant', async () => {
    const id = await newApp();
    await support(id, '8.0', [{ platform: 'ios', version: '11' }]);
    await support(id, '8.1', [{ platform: 'ios', version: '19' }]);
    await t.http
      .put(ENVS)
      .set(await auth('amy'))
      .send({ platform: 'ios', version: '11', endOfSupport: daysAgo(1) })
      .expect(200);
    await t.container.db('app_supported_environments').where({ app_id: id }).update({ declared_at: new Date().toISOString() });
    await t.container.db('apps').where({ id }).update({ lifecycle_state: 'released' });
    const view = await t.http
      .get(`/v1/apps/${id}/compatibility`)
      .set(await auth('amy'))
      .expect(200);
    // On a tie the first release by name is current, in both: 8.0, which still supports the ended ios 11.
    expect([view.body.currentRelease, view.body.warnings]).toEqual(['8.0', [expect.stringContaining('ios 11')]]);
    expect((await check())?.examples).toContain(id);
  });
});
