import type { AppState } from '../../services/apps/lifecycle';
import { createTestApp, expectProblem, type TestApp } from '../helpers/app';
import { APP_OWNERS, AppWorld, auditCount as countAuditEvents } from '../helpers/app-world';
import { completeExitPlan } from '../helpers/exit-plan';
import { Factories } from '../helpers/factories';

let t: TestApp;
let f: Factories;
let world: AppWorld;
let asset: { id: string; key: string };
const auth = async (sub: string) => ({ Authorization: `Bearer ${await t.staffToken(sub)}` });

const DAY = 86_400_000;
const daysAgo = (n: number) => new Date(Date.now() - n * DAY).toISOString().slice(0, 10);
const disposal = {
  dataDeleted: 'Login and device records erased',
  userNotice: 'In-app banner and SMS 30 days ahead',
  userNotifiedAt: new Date(Date.now() - DAY).toISOString(),
};

// Its business declared within the licence and reviewed (Notice item 8): the release gate asks for both.
const newApp = (overrides: Record<string, unknown> = {}) => world.reviewedApp({ ...APP_OWNERS, ...overrides });

const transition = async (id: string, body: Record<string, unknown>, as = 'amy') =>
  t.http
    .post(`/v1/apps/${id}/transitions`)
    .set(await auth(as))
    .send(body);

/** Checker steps (approve, release, retire) are taken by ben, everything else by amy, who proposes the apps. */
const CHECKER_STEPS: readonly AppState[] = ['approved', 'released', 'retired'];
const stepper = (to: AppState) => (CHECKER_STEPS.includes(to) ? 'ben' : 'amy');

async function moveTo(id: string, ...states: AppState[]): Promise<void> {
  for (const to of states) {
    // Retirement waits for a complete consolidation or retirement plan (Notice item 4; apps-consolidation-plans.test.ts).
    if (to === 'retired') await completeExitPlan(t, id, { author: 'amy', approver: 'ben' });
    const res = await transition(id, to === 'retired' ? { to, disposal } : { to }, stepper(to));
    if (res.status !== 200) throw new Error(`${to}: ${res.status} ${JSON.stringify(res.body)}`);
  }
}

async function penTest(id: string, performedAt: string, result = 'pass'): Promise<void> {
  await t.http
    .post(`/v1/apps/${id}/security-tests`)
    .set(await auth('amy'))
    .send({ kind: 'penetration', performedAt, result, performer: 'Red Team Ltd', reportReference: f.unique('PT-') })
    .expect(201);
}

async function securityTest(id: string, kind: string, performedAt: string, result = 'pass') {
  return t.http
    .post(`/v1/apps/${id}/security-tests`)
    .set(await auth('amy'))
    .send({ kind, performedAt, result, performer: 'QA Lab', reportReference: f.unique(`${kind}-`) });
}

/** A passed compatibility test and privacy review: with a penetration test, what release needs. */
async function otherReleaseTests(id: string, performedAt = daysAgo(2)): Promise<void> {
  for (const kind of ['compatibility', 'privacy_review']) expect((await securityTest(id, kind, performedAt)).status).toBe(201);
}

async function useData(id: string, purpose: string) {
  return t.http
    .post(`/v1/apps/${id}/data-uses`)
    .set(await auth('amy'))
    .send({ asset: asset.key, fields: ['phone'], purpose });
}

/** Publishes a notice for the purpose through the notices feature: for one app, or the general one (null). */
async function publishNotice(purposeKey: string, appId: string | null): Promise<void> {
  const draft = await t.http
    .post('/v1/notices')
    .set(await auth('pat'))
    .send({
      purpose: purposeKey,
      ...(appId === null ? {} : { app: appId }),
      title: 'How the app uses your information',
      body: 'We use your mobile number to tell you about offers.',
      controller: { name: 'Example Bank Co., Ltd.', contact: 'Personal Information Protection Office', email: 'privacy@bank.example' },
      piCategories: ['mobile phone number'],
      sensitivePiCategories: [],
      rights: {
        access: 'Me › Privacy',
        copy: 'Me › Privacy › Export',
        correct: 'Me › Profile',
        delete: 'Call 95555',
        withdraw: 'Me › Privacy › Consents',
      },
      complaintChannel: { phone: '95555' },
    });
  if (draft.status !== 201) throw new Error(`notice: ${draft.status} ${JSON.stringify(draft.body)}`);
  await t.http
    .post(`/v1/notices/${draft.body.id}/publish`)
    .set(await auth('pat'))
    .send({})
    .expect(200);
}

const unmetOf = (res: { body: { unmet?: Array<{ requirement: string }> } }) => (res.body.unmet ?? []).map((u) => u.requirement);
const auditCount = () => countAuditEvents(t);

beforeAll(async () => {
  t = await createTestApp();
  f = new Factories(t);
  world = new AppWorld(t, f);
  await f.department('DIGITAL');
  await f.department('RETAIL');
  await t.http
    .put('/v1/app-management/lead-department')
    .set(await auth('root-admin'))
    .send({ department: 'DIGITAL' })
    .expect(200);
  await f.purpose('account_servicing', 'contract');
  await f.purpose('app_marketing', 'consent');
  await f.purpose('wealth_marketing', 'consent');
  await t.grantRole('amy', 'app_manager', '*');
  await t.grantRole('ben', 'app_manager', '*');
  await t.grantRole('cat', 'app_manager', '*');
  await t.grantRole('pat', 'privacy_officer', '*');
  asset = await f.asset('RETAIL', [
    ['name', 'personal'],
    ['phone', 'personal'],
  ]);
});
afterAll(() => t.close());

// The lifecycle's rules on their own (every illegal neighbour, expired tests, separation of duties)
// are tested on fakes in test/unit/apps-lifecycle-rules.test.ts; here, the whole service over HTTP.
describe('app lifecycle', () => {
  it('walks proposed → … → retired one step at a time, keeping the history and auditing each step', async () => {
    const id = await newApp({ filingNumber: '粤ICP备12345678号-5A' });
    await penTest(id, daysAgo(3));
    await otherReleaseTests(id);
    await moveTo(id, 'approved', 'developing', 'testing');
    const released = await transition(id, { to: 'released', note: 'Go-live approved by the committee' }, 'ben');
    expect(released.status).toBe(200);
    expect(released.body).toMatchObject({ lifecycleState: 'released' });
    expect(released.body.transitions.at(-1)).toMatchObject({
      from: 'testing',
      to: 'released',
      note: 'Go-live approved by the committee',
      transitionedBy: 'ben',
      releaseEvidence: {
        filingNumber: '粤ICP备12345678号-5A',
        penetrationTest: { performedAt: daysAgo(3) },
        compatibilityTest: { performedAt: daysAgo(2) },
        privacyReview: { performedAt: daysAgo(2) },
        consentPurposesWithNotice: [],
      },
    });
    await moveTo(id, 'operating', 'consolidating', 'retired');

    const got = await t.http
      .get(`/v1/apps/${id}`)
      .set(await auth('amy'))
      .expect(200);
    expect(got.body.lifecycleState).toBe('retired');
    expect(got.body.transitions.map((x: { from: string; to: string }) => `${x.from}>${x.to}`)).toEqual([
      'proposed>approved',
      'approved>developing',
      'developing>testing',
      'testing>released',
      'released>operating',
      'operating>consolidating',
      'consolidating>retired',
    ]);
    expect(got.body.transitions.at(-1).disposal).toEqual(disposal);

    const audit = await t.http
      .get(`/v1/audit?objectType=app&objectId=${id}&limit=50`)
      .set(await auth('root-admin'))
      .expect(200);
    const actions = audit.body.items.map((e: { action: string }) => e.action);
    expect(actions.filter((a: string) => a === 'app.transitioned')).toHaveLength(7);
    // Newest first: the retirement completed the app's plan in the same transaction, right after the transition.
    expect(actions.slice(0, 2)).toEqual(['app.consolidation_plan_completed', 'app.transitioned']);
    expect(audit.body.items[1]).toMatchObject({ actorId: 'ben', details: { from: 'consolidating', to: 'retired', disposal } });

    // The history is evidence: not even the table owner rewrites or removes it.
    const history = t.container.db('app_transitions').where({ app_id: id });
    await expect(history.clone().update({ note: 'rewritten' })).rejects.toThrow(/append-only/);
    await expect(history.clone().delete()).rejects.toThrow(/append-only/);
    await expect(t.container.db.raw('truncate app_transitions')).rejects.toThrow(/append-only/);
    expect(
      (
        await t.http
          .get(`/v1/apps/${id}`)
          .set(await auth('amy'))
          .expect(200)
      ).body.transitions,
    ).toEqual(got.body.transitions);
  });

  describe('release gate', () => {
    let id: string;
    const release = () => transition(id, { to: 'released' }, 'ben');

    beforeAll(async () => {
      id = await newApp();
      await moveTo(id, 'approved', 'developing', 'testing');
    });

    it('names a missing filing number and every missing test kind', async () => {
      const before = await auditCount();
      const res = await release();
      expectProblem(res, 409, 'release_gate_failed');
      expect(unmetOf(res)).toEqual([
        'filing_number_missing',
        'penetration_test_missing',
        'compatibility_test_missing',
        'privacy_review_missing',
      ]);
      expect(await auditCount()).toBe(before);
    });

    it('refuses without a filing number even with passed tests', async () => {
      await penTest(id, daysAgo(10));
      await otherReleaseTests(id, daysAgo(10));
      const res = await release();
      expectProblem(res, 409, 'release_gate_failed');
      expect(unmetOf(res)).toEqual(['filing_number_missing']);
    });

    it('refuses when the most recent penetration test failed', async () => {
      await t.http
        .patch(`/v1/apps/${id}`)
        .set(await auth('amy'))
        .send({ filingNumber: '京ICP备0000001号' })
        .expect(200);
      await penTest(id, daysAgo(2), 'fail');
      const res = await release();
      expect(unmetOf(res)).toEqual(['penetration_test_not_passed']);
      expect(res.body.detail).toContain('fail');
    });

    it('refuses while a consent-based purpose has no published notice (another app’s notice does not count)', async () => {
      await penTest(id, daysAgo(1));
      expect((await useData(id, 'account_servicing')).status).toBe(201);
      expect((await useData(id, 'app_marketing')).status).toBe(201);
      const other = await newApp();
      await publishNotice('app_marketing', other);
      const res = await release();
      expectProblem(res, 409, 'release_gate_failed');
      expect(unmetOf(res)).toEqual(['consent_notice_missing']);
      expect(res.body.detail).toContain('app_marketing');
      expect(res.body.detail).not.toContain('account_servicing');
    });

    it('releases once every requirement is met, recording the evidence', async () => {
      await publishNotice('app_marketing', id);
      const res = await release();
      expect(res.status).toBe(200);
      expect(res.body.transitions.at(-1).releaseEvidence).toMatchObject({
        filingNumber: '京ICP备0000001号',
        penetrationTest: { performedAt: daysAgo(1) },
        consentPurposesWithNotice: ['app_marketing'],
      });
    });

    it('keeps a released app to the same rules: no dropping the filing number, no new consent purpose without a notice', async () => {
      const before = await auditCount();
      expectProblem(
        await t.http
          .patch(`/v1/apps/${id}`)
          .set(await auth('amy'))
          .send({ filingNumber: null }),
        409,
        'filing_number_required',
      );
      expectProblem(await useData(id, 'wealth_marketing'), 409, 'consent_notice_missing');
      expect(await auditCount()).toBe(before);
      await publishNotice('wealth_marketing', null);
      expect((await useData(id, 'wealth_marketing')).status).toBe(201);
    });
  });

  describe('retirement', () => {
    let id: string;
    beforeAll(async () => {
      id = await newApp({ filingNumber: 'FN-RET' });
      await penTest(id, daysAgo(5));
      await otherReleaseTests(id);
      await moveTo(id, 'approved', 'developing', 'testing', 'released', 'operating', 'consolidating');
    });

    it.each([
      ['no disposal record', { to: 'retired' }],
      ['neither deleted nor migrated', { to: 'retired', disposal: { userNotice: 'SMS', userNotifiedAt: disposal.userNotifiedAt } }],
      [
        'no user notice',
        { to: 'retired', disposal: { dataMigrated: 'Accounts moved to the main app', userNotifiedAt: disposal.userNotifiedAt } },
      ],
      [
        'a user notice in the future',
        { to: 'retired', disposal: { ...disposal, userNotifiedAt: new Date(Date.now() + 7 * DAY).toISOString() } },
      ],
      ['an unknown disposal field', { to: 'retired', disposal: { ...disposal, shredded: true } }],
    ])('needs a data disposal record: 400 for %s, nothing written', async (_label, body) => {
      const before = await auditCount();
      const res = await transition(id, body, 'ben');
      expectProblem(res, 400, 'validation_failed');
      expect(res.body.errors[0].path).toMatch(/^body\.disposal/);
      expect(await auditCount()).toBe(before);
      expect((await t.http.get(`/v1/apps/${id}`).set(await auth('amy'))).body.lifecycleState).toBe('consolidating');
    });

    it('refuses a disposal record on any other transition', async () => {
      const other = await newApp();
      expectProblem(await transition(other, { to: 'approved', disposal }), 400, 'validation_failed');
    });

    it('retires with the record, after which the ledger entry no longer changes', async () => {
      const migrated = {
        dataMigrated: 'Card accounts moved to the main app',
        userNotice: 'Push message and website notice',
        userNotifiedAt: disposal.userNotifiedAt,
      };
      await completeExitPlan(t, id, { author: 'amy', approver: 'cat' });
      const res = await transition(id, { to: 'retired', disposal: migrated }, 'ben');
      expect(res.status).toBe(200);
      expect(res.body.transitions.at(-1).disposal).toEqual(migrated);

      const before = await auditCount();
      const as = await auth('amy');
      expectProblem(await t.http.patch(`/v1/apps/${id}`).set(as).send({ monthlyActiveUsers: 5 }), 409, 'app_retired');
      expectProblem(await useData(id, 'account_servicing'), 409, 'app_retired');
      expectProblem(
        await t.http
          .post(`/v1/apps/${id}/security-tests`)
          .set(as)
          .send({ kind: 'privacy_review', performedAt: daysAgo(0), result: 'pass', performer: 'DPO office', reportReference: 'PR-1' }),
        409,
        'app_retired',
      );
      expectProblem(
        await t.http
          .post(`/v1/apps/${id}/vulnerabilities`)
          .set(as)
          .send({ title: 'XSS', severity: 'low', reportedAt: new Date().toISOString(), dueAt: new Date(Date.now() + DAY).toISOString() }),
        409,
        'app_retired',
      );
      expect(await auditCount()).toBe(before);
    });
  });
});
