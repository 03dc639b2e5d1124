import crypto from 'node:crypto';
import { FakeBusinessReviewStore } from '../../services/apps/business-review/fake-store';
import { LicensedScopeService } from '../../services/apps/business-review/licensed-scope';
import type { RecordComplianceReview, SetBusinessProfile } from '../../services/apps/business-review/schemas';
import { BusinessReviewService } from '../../services/apps/business-review/service';
import type { ReviewRecord } from '../../services/apps/business-review/store-type';
import { FakeAppStore } from '../../services/apps/fake-store';
import { ManualClock } from '../../services/platform/clock';
import { inFakeTransaction, putApp } from '../fakes/apps';
import { FakeTransactor, RecordingAudit, problemCode, problemOf, staff } from '../fakes/ports';

const NOW = '2026-06-15T08:00:00.000Z';
const DAY = 86_400_000;
const date = (clock: ManualClock, days: number) => new Date(clock.now().getTime() + days * DAY).toISOString().slice(0, 10);

const licence = {
  licenceReference: 'B0001H111000001',
  businessLines: [
    { code: 'personal_deposits', name: 'Personal deposits' },
    { code: 'wealth_management', name: 'Wealth management distribution' },
  ],
  regions: ['CN-BJ', 'CN-TJ'],
};
type PartnerInput = SetBusinessProfile['partners'][number];

function world(start = NOW) {
  const clock = new ManualClock(start);
  const tx = new FakeTransactor();
  const audit = new RecordingAudit();
  const apps = new FakeAppStore();
  const store = new FakeBusinessReviewStore();
  const scope = new LicensedScopeService(tx, store, audit, clock);
  const reviews = new BusinessReviewService(tx, apps, store, audit, clock);
  // amy proposes the apps; bob is named their business owner.
  const app = putApp(apps, { createdBy: 'amy', businessOwner: 'Bob' });
  const partner = (over: Partial<PartnerInput> = {}): PartnerInput => ({
    name: 'Huaxia Insurance',
    cooperation: 'Insurance agency in the app',
    agreementReference: 'COOP-2026-017',
    agreementFrom: date(clock, -100),
    agreementUntil: date(clock, 265),
    review: { on: date(clock, -30), result: 'passed' },
    ...over,
  });
  const profile = (over: Partial<SetBusinessProfile> = {}): SetBusinessProfile => ({
    businessLines: ['personal_deposits', 'wealth_management'],
    regions: ['CN-BJ'],
    partners: [partner()],
    productSales: [
      {
        product: 'Steady Income No. 3',
        traceable: true,
        traceabilityMethod: 'In-app audio and video recording of the sales process (双录), kept 10 years',
        disclosureUrl: 'https://bank.example/disclosures/steady-income-3',
      },
    ],
    ...over,
  });
  const review = (over: Partial<RecordComplianceReview> = {}): RecordComplianceReview => ({
    reviewedOn: date(clock, 0),
    outcome: 'passed',
    summary: 'Deposits and wealth distribution in Beijing, within the licence',
    findings: [],
    ...over,
  });
  const gate = async (appId = app.id) =>
    (await inFakeTransaction((trx) => reviews.releaseRequirements(trx, appId))).map((u) => u.requirement);
  return { clock, audit, apps, store, scope, reviews, app, partner, profile, review, gate };
}

describe('the licensed scope (in memory)', () => {
  it('is empty until set; set with who and when, audited with before and after; the same scope again writes nothing', async () => {
    const { scope, audit } = world();
    expect(await scope.get()).toEqual({ licenceReference: null, businessLines: [], regions: [], setBy: null, setAt: null });
    await expect(scope.set(staff('cora'), { ...licence, regions: ['CN-BJ'] })).resolves.toMatchObject({
      regions: ['CN-BJ'],
      setBy: 'cora',
      setAt: NOW,
    });
    await scope.set(staff('cora'), licence);
    await expect(scope.set(staff('cora'), licence)).resolves.toMatchObject({ regions: ['CN-BJ', 'CN-TJ'] });
    expect(audit.events.map((e) => [e.action, e.objectId, e.details])).toEqual([
      ['app.licensed_scope_set', licence.licenceReference, { before: null, after: { ...licence, regions: ['CN-BJ'] } }],
      ['app.licensed_scope_set', licence.licenceReference, { before: { ...licence, regions: ['CN-BJ'] }, after: licence }],
    ]);
  });
});

describe('an app’s business profile (in memory)', () => {
  it('is declared, flagged where it leaves the licence, and audited with before and after', async () => {
    const { reviews, scope, app, profile, audit } = world();
    await scope.set(staff('cora'), licence);
    expect(await problemCode(reviews.getProfile(app.id))).toBe('not_found');
    const outside = await reviews.setProfile(
      staff('rita'),
      app.id,
      profile({ regions: ['CN-BJ', 'CN-GD'], businessLines: ['personal_deposits', 'credit_cards'] }),
    );
    expect(outside).toMatchObject({
      appId: app.id,
      outsideLicence: { businessLines: ['credit_cards'], regions: ['CN-GD'] },
      withinLicence: false,
      declaredBy: 'rita',
      declaredAt: NOW,
      partners: [{ name: 'Huaxia Insurance', current: true }],
      productSales: [{ product: 'Steady Income No. 3', traceable: true }],
    });
    const within = await reviews.setProfile(staff('rita'), app.id, profile());
    expect(within).toMatchObject({ outsideLicence: { businessLines: [], regions: [] }, withinLicence: true });
    expect(await reviews.getProfile(app.id)).toEqual(within);
    const declared = audit.events.filter((e) => e.action === 'app.business_profile_declared');
    expect(declared[0].details.before).toBeNull();
    expect(declared[1].details).toMatchObject({ before: { regions: ['CN-BJ', 'CN-GD'] }, after: { regions: ['CN-BJ'] } });
  });

  it('marks a partner whose agreement has ended or not begun, or whose review is missing, failed or stale as not current', async () => {
    const { reviews, app, profile, partner, clock } = world();
    const declared = await reviews.setProfile(
      staff('rita'),
      app.id,
      profile({
        partners: [
          partner({ name: 'Ended', agreementFrom: date(clock, -400), agreementUntil: date(clock, -1) }),
          partner({ name: 'Never reviewed', review: null }),
          partner({ name: 'Failed review', review: { on: date(clock, -10), result: 'failed' } }),
          partner({ name: 'Stale review', review: { on: date(clock, -400), result: 'passed' } }),
          partner({ name: 'Not yet started', agreementFrom: date(clock, 5), agreementUntil: date(clock, 100) }),
          partner({ name: 'Current' }),
        ],
      }),
    );
    expect(Object.fromEntries(declared.partners.map((p) => [p.name, p.current]))).toEqual({
      Current: true,
      Ended: false,
      'Failed review': false,
      'Never reviewed': false,
      'Not yet started': false,
      'Stale review': false,
    });
  });

  it('refuses an agreement ending before it starts, a partner review in the future and a traceability method that does not fit', async () => {
    const { reviews, app, profile, partner, clock, audit } = world();
    const sale = profile().productSales[0];
    for (const [body, path] of [
      [
        profile({ partners: [partner({ agreementFrom: date(clock, 10), agreementUntil: date(clock, 1) })] }),
        'body.partners.0.agreementUntil',
      ],
      [profile({ partners: [partner({ review: { on: date(clock, 3), result: 'passed' } })] }), 'body.partners.0.review.on'],
      [profile({ productSales: [{ ...sale, traceabilityMethod: undefined }] }), 'body.productSales.0.traceabilityMethod'],
      [profile({ productSales: [{ ...sale, traceable: false }] }), 'body.productSales.0.traceabilityMethod'],
    ] as const) {
      const problem = await problemOf(reviews.setProfile(staff('rita'), app.id, body));
      expect(problem.toProblem()).toMatchObject({ code: 'validation_failed', errors: [{ path }] });
    }
    expect(audit.events).toHaveLength(0);
    expect(await problemCode(reviews.setProfile(staff('amy'), crypto.randomUUID(), profile()))).toBe('not_found');
  });
});

describe('the compliance review (in memory)', () => {
  it('needs a declared business, and is refused to the app’s proposer, declarer and business owner', async () => {
    const { reviews, scope, app, profile, review, audit } = world();
    await scope.set(staff('cora'), licence);
    expect(await problemCode(reviews.recordReview(staff('cora'), app.id, review()))).toBe('business_profile_missing');
    await reviews.setProfile(staff('rita'), app.id, profile());
    const before = audit.events.length;
    for (const [who, conflict] of [
      ['amy', 'proposed the app'],
      ['rita', 'declared its business'],
      ['bob', 'owns its business'],
    ]) {
      const problem = await problemOf(reviews.recordReview(staff(who), app.id, review()));
      expect(problem.toProblem()).toMatchObject({ status: 403, code: 'separation_of_duties', reviewer: who, conflict });
    }
    expect(audit.events).toHaveLength(before);
  });

  it('refuses a pass for business outside the licence or without a licence, and bad dates or findings; a failed review is recorded', async () => {
    const { reviews, scope, app, profile, review, clock, audit } = world();
    await reviews.setProfile(staff('rita'), app.id, profile({ regions: ['CN-BJ', 'CN-SH'] }));
    expect(await problemCode(reviews.recordReview(staff('cora'), app.id, review()))).toBe('licensed_scope_not_configured');
    await scope.set(staff('cora'), licence);
    const before = audit.events.length;
    const outside = await problemOf(reviews.recordReview(staff('cora'), app.id, review()));
    expect(outside.toProblem()).toMatchObject({
      status: 409,
      code: 'outside_licensed_scope',
      outsideLicence: { businessLines: [], regions: ['CN-SH'] },
    });
    for (const [body, path] of [
      [review({ outcome: 'failed' }), 'body.findings'],
      [review({ reviewedOn: date(clock, 3) }), 'body.reviewedOn'],
      [review({ findings: [{ title: 'Fix', dueOn: date(clock, -1) }] }), 'body.findings.0.dueOn'],
    ] as const) {
      const problem = await problemOf(reviews.recordReview(staff('cora'), app.id, body));
      expect(problem.toProblem()).toMatchObject({ code: 'validation_failed', errors: [{ path }] });
    }
    expect(audit.events).toHaveLength(before);
    // Failing the app for serving outside the licence is what the review is for.
    const failed = await reviews.recordReview(
      staff('cora'),
      app.id,
      review({ outcome: 'failed', findings: [{ title: 'Stop serving Shanghai', dueOn: date(clock, 30) }] }),
    );
    expect(failed).toMatchObject({ outcome: 'failed', examined: { regions: ['CN-BJ', 'CN-SH'] }, reviewedBy: 'cora' });
  });

  it('is recorded, audited, listed latest first a page at a time, and its findings closed once with evidence', async () => {
    const { reviews, scope, app, apps, profile, review, clock, audit } = world();
    await scope.set(staff('cora'), licence);
    await reviews.setProfile(staff('rita'), app.id, profile());
    const first = await reviews.recordReview(
      staff('cody'),
      app.id,
      review({ reviewedOn: date(clock, -5), findings: [{ title: 'Publish the fee schedule beside the product', dueOn: date(clock, 25) }] }),
    );
    expect(first).toMatchObject({ outcome: 'passed', reviewedBy: 'cody', findings: [{ overdue: false, closedAt: null }] });
    const findingId = first.findings[0].id;
    expect(audit.events.at(-1)).toMatchObject({
      action: 'app.compliance_review_recorded',
      objectId: first.id,
      actorId: 'cody',
      details: { appId: app.id, outcome: 'passed', findings: [{ id: findingId, dueOn: date(clock, 25) }] },
    });
    await reviews.recordReview(staff('cora'), app.id, review());
    expect((await reviews.listReviews(app.id, { limit: 50 })).items.map((r) => r.reviewedBy)).toEqual(['cora', 'cody']);
    const page = await reviews.listReviews(app.id, { limit: 1 });
    const next = await reviews.listReviews(app.id, { limit: 1, cursor: page.nextCursor ?? undefined });
    expect(next.items.map((r) => [r.reviewedBy, r.findings.map((f) => f.id)])).toEqual([['cody', [findingId]]]);
    expect(await problemCode(reviews.listReviews(crypto.randomUUID(), { limit: 1 }))).toBe('not_found');

    const other = putApp(apps);
    expect(await problemCode(reviews.closeFinding(staff('cora'), other.id, findingId, { evidence: 'x' }))).toBe('not_found');
    const closed = await reviews.closeFinding(staff('cody'), app.id, findingId, { evidence: 'Fee schedule published, ticket C-17' });
    expect(closed).toMatchObject({ closedBy: 'cody', closedAt: NOW, evidence: 'Fee schedule published, ticket C-17', overdue: false });
    expect(await problemCode(reviews.closeFinding(staff('cora'), app.id, findingId, { evidence: 'again' }))).toBe('finding_already_closed');
    expect(audit.events.at(-1)).toMatchObject({
      action: 'app.compliance_finding_closed',
      objectId: findingId,
      details: { appId: app.id, late: false },
    });
  });
});

describe('the release gate’s reading of the business review (in memory)', () => {
  const passedOn = (appId: string, reviewedOn: string, regions = ['CN-BJ']): ReviewRecord => ({
    id: crypto.randomUUID(),
    appId,
    reviewedOn,
    outcome: 'passed',
    summary: 'ok',
    examined: { businessLines: ['personal_deposits'], regions, declaredAt: '2026-01-01T00:00:00.000Z' },
    reviewedBy: 'cora',
    recordedAt: `${reviewedOn}T10:00:00.000Z`,
  });
  function declared(start: string) {
    const w = world(start);
    w.store.scope = { ...licence, setBy: 'cora', setAt: '2026-01-01T00:00:00.000Z' };
    w.store.profiles.set(w.app.id, {
      appId: w.app.id,
      businessLines: ['personal_deposits'],
      regions: ['CN-BJ'],
      partners: [],
      productSales: [],
      declaredBy: 'rita',
      declaredAt: '2026-01-01T00:00:00.000Z',
    });
    return w;
  }

  it('names the missing declaration and review, and business outside the licence or without one', async () => {
    const w = world();
    expect(await w.gate()).toEqual(['business_profile_missing', 'compliance_review_missing']);
    await w.reviews.setProfile(staff('rita'), w.app.id, w.profile({ regions: ['CN-BJ', 'CN-GD'] }));
    const unmet = await inFakeTransaction((trx) => w.reviews.releaseRequirements(trx, w.app.id));
    expect(unmet[0]).toMatchObject({
      requirement: 'business_outside_licence',
      detail: 'No licensed business scope is set for the institution',
    });
    await w.scope.set(staff('cora'), licence);
    const named = await inFakeTransaction((trx) => w.reviews.releaseRequirements(trx, w.app.id));
    expect(named.map((u) => u.requirement)).toEqual(['business_outside_licence', 'compliance_review_missing']);
    expect(named[0].detail).toContain('CN-GD');
  });

  it('names a missing review', async () => {
    expect(await declared(NOW).gate()).toEqual(['compliance_review_missing']);
  });

  it('accepts a passed review for 12 months, then names it expired', async () => {
    const { store, app, clock, gate } = declared('2026-03-01T08:00:00Z');
    store.reviews.push(passedOn(app.id, '2026-02-27'));
    expect(await gate()).toEqual([]);
    clock.set('2027-02-27T08:00:00Z');
    expect(await gate()).toEqual([]);
    clock.set('2027-02-28T08:00:00Z');
    expect(await gate()).toEqual(['compliance_review_expired']);
  });

  it('judges the latest review: a later failed one undoes a pass, a later pass answers for it', async () => {
    const { store, app, gate } = declared('2026-03-01T08:00:00Z');
    store.reviews.push(passedOn(app.id, '2026-01-10'), { ...passedOn(app.id, '2026-02-01'), outcome: 'failed' });
    expect(await gate()).toEqual(['compliance_review_not_passed']);
    store.reviews.push(passedOn(app.id, '2026-02-20'));
    expect(await gate()).toEqual([]);
  });

  it('names a finding once its due date has passed, not on the day it is due, and not once closed', async () => {
    const { store, app, clock, gate } = declared('2026-04-10T23:00:00Z');
    const review = passedOn(app.id, '2026-03-01');
    store.reviews.push(review);
    const finding = {
      id: 'f1',
      reviewId: review.id,
      appId: app.id,
      title: 'Disclose fees',
      dueOn: '2026-04-10',
      closedAt: null,
      closedBy: null,
      evidence: null,
    };
    store.findings.push(finding);
    expect(await gate()).toEqual([]);
    clock.advance(3_600_000);
    expect(await gate()).toEqual(['compliance_finding_overdue']);
    store.findings[0] = { ...finding, closedAt: '2026-04-11T00:00:00.000Z', closedBy: 'cora', evidence: 'done' };
    expect(await gate()).toEqual([]);
  });

  it('names a review that did not examine a region declared since', async () => {
    const { store, app, gate } = declared('2026-03-01T08:00:00Z');
    store.reviews.push(passedOn(app.id, '2026-02-27', ['CN-TJ']));
    expect(await gate()).toEqual(['compliance_review_outdated']);
    store.reviews[0] = passedOn(app.id, '2026-02-27', ['CN']);
    expect(await gate()).toEqual([]);
  });
});
