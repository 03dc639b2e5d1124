import crypto from 'node:crypto';
import { APP_STATES, type AppState } from '../../services/apps/lifecycle';
import { AppLifecycleService } from '../../services/apps/lifecycle-service';
import type { SecurityTestKind, SecurityTestResult } from '../../services/apps/security-schemas';
import type { TransitionRequest } from '../../services/apps/schemas';
import { ConflictError } from '../../services/shared/errors';
import { ledgerOnFakes, putApp, type LedgerOptions } from '../fakes/apps';
import { problemCode, problemOf, staff } from '../fakes/ports';

const DAY = 86_400_000;
const NOW = '2026-06-15T08:00:00.000Z';
const disposal = { dataDeleted: 'Device records erased', userNotice: 'SMS 30 days ahead', userNotifiedAt: '2026-06-14T08:00:00.000Z' };

/** Checker steps (approve, release, retire) are taken by ben, everything else by amy, who proposes the apps. */
const CHECKER_STEPS: readonly AppState[] = ['approved', 'released', 'retired'];
const stepper = (to: AppState) => (CHECKER_STEPS.includes(to) ? 'ben' : 'amy');
const request = (to: AppState): TransitionRequest => (to === 'retired' ? { to, disposal } : { to });

function world(options: LedgerOptions = {}) {
  const w = ledgerOnFakes(options);
  const securityTest = (appId: string, kind: SecurityTestKind, performedAt: string, result: SecurityTestResult = 'pass') => {
    const id = crypto.randomUUID();
    w.security.tests.push({
      id,
      appId,
      kind,
      performedAt,
      result,
      performer: 'QA Lab',
      reportReference: id,
      recordedBy: 'amy',
      recordedAt: `${performedAt}T12:00:00.000Z`,
    });
    return id;
  };
  const passAll = (appId: string, performedAt = '2026-06-10') =>
    (['penetration', 'compatibility', 'privacy_review'] as const).map((kind) => securityTest(appId, kind, performedAt));
  const moveTo = async (id: string, ...states: AppState[]) => {
    for (const to of states) await w.lifecycle.transition(staff(stepper(to)), id, request(to));
  };
  const transition = (id: string, to: AppState, as = stepper(to)) => w.lifecycle.transition(staff(as), id, request(to));
  const state = async (id: string) => (await w.store.find(id))?.lifecycleState;
  return { ...w, securityTest, passAll, moveTo, transition, state };
}

describe('app lifecycle (in memory)', () => {
  it('walks proposed → … → retired one step at a time, keeping the history and auditing each step', async () => {
    const retired: string[] = [];
    const w = world({
      retirementGates: [
        {
          assertRetirable: async (_trx, id) => void retired.push(`check ${id}`),
          retired: async (_trx, _ctx, id) => void retired.push(`closed ${id}`),
        },
      ],
    });
    const { id } = putApp(w.store, { filingNumber: '粤ICP备12345678号-5A' });
    const [pen, compat, privacy] = w.passAll(id);
    await w.moveTo(id, 'approved', 'developing', 'testing');
    const released = await w.lifecycle.transition(staff('ben'), id, { to: 'released', note: 'Go-live approved by the committee' });
    expect(released.lifecycleState).toBe('released');
    expect(released.transitions.at(-1)).toMatchObject({
      from: 'testing',
      to: 'released',
      note: 'Go-live approved by the committee',
      transitionedBy: 'ben',
      transitionedAt: NOW,
      releaseEvidence: {
        filingNumber: '粤ICP备12345678号-5A',
        penetrationTest: { id: pen, performedAt: '2026-06-10' },
        compatibilityTest: { id: compat, performedAt: '2026-06-10' },
        privacyReview: { id: privacy, performedAt: '2026-06-10' },
        consentPurposesWithNotice: [],
      },
    });
    await w.moveTo(id, 'operating', 'consolidating');
    expect(retired).toEqual([]);
    const done = await w.transition(id, 'retired');
    expect(retired).toEqual([`check ${id}`, `closed ${id}`]);
    expect(done.lifecycleState).toBe('retired');
    expect(done.transitions.map((x) => `${x.from}>${x.to}`)).toEqual([
      'proposed>approved',
      'approved>developing',
      'developing>testing',
      'testing>released',
      'released>operating',
      'operating>consolidating',
      'consolidating>retired',
    ]);
    expect(done.transitions.at(-1)?.disposal).toEqual(disposal);
    expect(w.audit.actions()).toEqual(Array(7).fill('app.transitioned'));
    expect(w.audit.events.at(-1)).toMatchObject({ actorId: 'ben', details: { from: 'consolidating', to: 'retired', disposal } });
  });

  it('refuses every illegal neighbour (skip, stay, go back, leave retirement) with 409 naming the allowed state, and writes nothing', async () => {
    const w = world();
    const { id } = putApp(w.store, { filingNumber: 'FN-1' });
    w.passAll(id);
    for (const [index, state] of APP_STATES.entries()) {
      const allowed = APP_STATES[index + 1];
      for (const to of APP_STATES.filter((s) => s !== allowed)) {
        const before = w.audit.events.length;
        const problem = (await problemOf(w.transition(id, to, 'ben'))).toProblem();
        expect(problem).toMatchObject({
          status: 409,
          code: 'illegal_transition',
          from: state,
          to,
          allowed: allowed === undefined ? [] : [allowed],
        });
        expect(problem.detail).toContain(allowed ?? 'retired');
        expect(w.audit.events).toHaveLength(before);
      }
      expect(await w.state(id)).toBe(state);
      expect(await w.store.transitionsOf(id)).toHaveLength(index);
      if (allowed !== undefined) await w.moveTo(id, allowed);
    }
  });

  it('refuses a disposal record dated in the future, a caller who is not staff and an unknown app', async () => {
    const w = world();
    const { id } = putApp(w.store, { lifecycleState: 'consolidating' });
    const future = { ...disposal, userNotifiedAt: new Date(Date.parse(NOW) + 7 * DAY).toISOString() };
    const problem = await problemOf(w.lifecycle.transition(staff('ben'), id, { to: 'retired', disposal: future }));
    expect(problem.code).toBe('validation_failed');
    expect(problem.extensions).toEqual({ errors: [{ path: 'body.disposal.userNotifiedAt', message: 'must not be in the future' }] });
    const robot = { actor: { kind: 'public' as const, address: '203.0.113.9' }, requestId: null };
    expect(await problemCode(w.lifecycle.transition(robot, id, { to: 'retired', disposal }))).toBe('forbidden');
    expect(await problemCode(w.transition('00000000-0000-4000-8000-000000000000', 'approved'))).toBe('not_found');
    expect(w.audit.events).toHaveLength(0);
  });
});

describe('maker-checker on the app lifecycle (in memory)', () => {
  it('refuses the proposer approving their own app with 403 separation_of_duties, writing nothing; another manager approves', async () => {
    const w = world();
    const { id } = putApp(w.store, { createdBy: 'amy' });
    const problem = await problemOf(w.transition(id, 'approved', 'amy'));
    expect(problem).toMatchObject({ status: 403, code: 'separation_of_duties', extensions: { step: 'approved', makerStep: 'proposed' } });
    expect(problem.message).toContain('amy proposed the app');
    expect(w.audit.events).toHaveLength(0);
    expect(await w.state(id)).toBe('proposed');
    await w.transition(id, 'approved', 'ben');
    expect((await w.store.transitionsOf(id))[0]).toMatchObject({ to: 'approved', transitionedBy: 'ben' });
  });

  it('refuses release by the proposer or by whoever submitted it for testing; a third manager releases', async () => {
    const w = world();
    const { id } = putApp(w.store, { createdBy: 'amy', filingNumber: 'FN-1' });
    w.passAll(id);
    await w.transition(id, 'approved', 'ben');
    await w.transition(id, 'developing', 'amy');
    await w.transition(id, 'testing', 'cat');
    for (const [who, makerStep] of [
      ['amy', 'proposed'],
      ['cat', 'testing'],
    ]) {
      const problem = await problemOf(w.transition(id, 'released', who));
      expect(problem).toMatchObject({ status: 403, code: 'separation_of_duties', extensions: { makerStep } });
    }
    expect(await w.state(id)).toBe('testing');
    await w.transition(id, 'released', 'ben');
    expect(await w.state(id)).toBe('released');
  });

  it('refuses retirement by whoever moved the app to consolidation', async () => {
    const w = world();
    const { id } = putApp(w.store, { createdBy: 'amy', filingNumber: 'FN-1' });
    w.passAll(id);
    await w.transition(id, 'approved', 'ben');
    await w.transition(id, 'developing', 'amy');
    await w.transition(id, 'testing', 'amy');
    await w.transition(id, 'released', 'ben');
    await w.transition(id, 'operating', 'amy');
    await w.transition(id, 'consolidating', 'dan');
    expect(await problemCode(w.transition(id, 'retired', 'dan'))).toBe('separation_of_duties');
    expect(await w.state(id)).toBe('consolidating');
    await w.transition(id, 'retired', 'amy');
    expect(await w.state(id)).toBe('retired');
  });

  it('keeps entry and exit to the lead department’s app managers: 409 until one is named, 403 outside it', async () => {
    const w = world();
    w.roles.grant('rita', 'app', 'approve', 'RETAIL').grant('dina', 'app', 'approve', 'DIGITAL');
    const { id } = putApp(w.store);
    w.accountability.lead = { department: null, setBy: null, setAt: null };
    expect(await problemCode(w.transition(id, 'approved', 'ben'))).toBe('lead_department_not_configured');
    w.accountability.lead = { department: 'DIGITAL', setBy: 'root-admin', setAt: NOW };
    const problem = await problemOf(w.transition(id, 'approved', 'rita'));
    expect(problem).toMatchObject({
      status: 403,
      code: 'not_lead_department',
      extensions: { leadDepartment: 'DIGITAL', step: 'approved' },
    });
    await w.transition(id, 'approved', 'dina');
    w.accountability.lead = { department: null, setBy: null, setAt: null };
    await w.transition(id, 'developing', 'rita');
    expect(await w.state(id)).toBe('developing');
  });

  it('approves entry only with the business and technology owners named, and after the entry checks', async () => {
    const entries: string[] = [];
    const w = world({
      entryChecks: [
        async (_trx, id) => {
          entries.push(id);
          if (id === refused) throw new ConflictError('app_overlaps_unresolved', 'overlaps');
        },
      ],
    });
    const { id: refused } = putApp(w.store);
    const nobody = putApp(w.store, { businessOwner: null, technologyOwner: null });
    const problem = await problemOf(w.transition(nobody.id, 'approved'));
    expect(problem).toMatchObject({ code: 'owners_missing', extensions: { missing: ['businessOwner', 'technologyOwner'] } });
    expect(problem.message).toContain('businessOwner and technologyOwner');
    expect(await problemCode(w.transition(putApp(w.store, { technologyOwner: null }).id, 'approved'))).toBe('owners_missing');
    expect(entries).toEqual([]);
    expect(await problemCode(w.transition(refused, 'approved'))).toBe('app_overlaps_unresolved');
    const ok = putApp(w.store);
    await w.transition(ok.id, 'approved');
    await w.transition(ok.id, 'developing');
    expect(entries).toEqual([refused, ok.id]);
  });

  it('asks every retirement gate before retiring; a refusal leaves the app consolidating', async () => {
    const w = world({
      retirementGates: [
        {
          assertRetirable: async () => {
            throw new ConflictError('exit_plan_incomplete', 'plan incomplete');
          },
          retired: async () => {
            throw new Error('not retired');
          },
        },
      ],
    });
    const { id } = putApp(w.store, { lifecycleState: 'consolidating' });
    expect(await problemCode(w.transition(id, 'retired'))).toBe('exit_plan_incomplete');
    expect(await w.state(id)).toBe('consolidating');
  });
});

describe('release gate (in memory)', () => {
  async function inTesting(w: ReturnType<typeof world>, filingNumber: string | null = null) {
    const { id } = putApp(w.store, { filingNumber });
    await w.moveTo(id, 'approved', 'developing', 'testing');
    return id;
  }
  const unmetOf = (problem: { extensions: Record<string, unknown> }) =>
    (problem.extensions.unmet as Array<{ requirement: string }>).map((u) => u.requirement);

  it('names a missing filing number and every missing test kind, writing nothing', async () => {
    const w = world();
    const id = await inTesting(w);
    const before = w.audit.events.length;
    const problem = await problemOf(w.transition(id, 'released'));
    expect(problem).toMatchObject({ status: 409, code: 'release_gate_failed' });
    expect(unmetOf(problem)).toEqual([
      'filing_number_missing',
      'penetration_test_missing',
      'compatibility_test_missing',
      'privacy_review_missing',
    ]);
    expect(w.audit.events).toHaveLength(before);
    expect(await w.state(id)).toBe('testing');
  });

  it('refuses when the last passed penetration test is older than 12 months, and releases on a newer one', async () => {
    const w = world();
    const id = await inTesting(w, 'FN-OLD');
    w.securityTest(id, 'penetration', '2025-05-15');
    w.securityTest(id, 'compatibility', '2026-06-13');
    w.securityTest(id, 'privacy_review', '2026-06-13');
    expect(unmetOf(await problemOf(w.transition(id, 'released')))).toEqual(['penetration_test_expired']);
    w.securityTest(id, 'penetration', '2025-07-15');
    await w.transition(id, 'released');
    expect(await w.state(id)).toBe('released');
  });

  it('refuses when the most recent penetration test failed, naming the result', async () => {
    const w = world();
    const id = await inTesting(w, 'FN-1');
    w.passAll(id, '2026-06-01');
    w.securityTest(id, 'penetration', '2026-06-13', 'fail');
    const problem = await problemOf(w.transition(id, 'released'));
    expect(unmetOf(problem)).toEqual(['penetration_test_not_passed']);
    expect(problem.message).toContain('fail');
  });

  it('refuses while a consent-based purpose has no published notice (another app’s does not count), then records the evidence', async () => {
    const w = world();
    const id = await inTesting(w, '京ICP备0000001号');
    w.passAll(id);
    await w.dataUses.add(staff('amy'), id, { asset: 'retail.customer', fields: ['phone'], purpose: 'servicing' });
    await w.dataUses.add(staff('amy'), id, { asset: 'retail.customer', fields: ['phone'], purpose: 'marketing' });
    w.published.byApp.set('00000000-0000-4000-8000-0000000007e7', new Set(['marketing']));
    const problem = await problemOf(w.transition(id, 'released'));
    expect(unmetOf(problem)).toEqual(['consent_notice_missing']);
    expect(problem.message).toContain('marketing');
    expect(problem.message).not.toContain('servicing');
    w.published.byApp.set(id, new Set(['marketing']));
    const released = await w.transition(id, 'released');
    expect(released.transitions.at(-1)?.releaseEvidence).toMatchObject({
      filingNumber: '京ICP备0000001号',
      consentPurposesWithNotice: ['marketing'],
    });
  });

  it('names every open blocking finding and what the sub-features find unmet', async () => {
    const w = world({
      releaseChecks: [async (_trx, appId) => [{ requirement: 'sdk_unapproved', detail: `SDK of ${appId} not approved`, sdkId: 'sdk-1' }]],
    });
    const id = await inTesting(w, 'FN-1');
    w.passAll(id);
    const base = {
      appId: id,
      reportedAt: '2026-06-01T00:00:00.000Z',
      dueAt: '2026-07-01T00:00:00.000Z',
      securityTestId: null,
      source: 'internal_test' as const,
      regulatorReference: null,
      fixedAt: null,
      fixEvidence: null,
      fixedBy: null,
      recordedBy: 'amy',
      recordedAt: '2026-06-01T00:00:00.000Z',
    };
    w.security.vulnerabilities.set('v1', {
      ...base,
      id: 'v1',
      title: 'Token in log',
      severity: 'high',
      testKind: null,
      blocksRelease: true,
    });
    w.security.vulnerabilities.set('v2', {
      ...base,
      id: 'v2',
      title: 'Banner',
      severity: 'low',
      testKind: 'penetration',
      blocksRelease: false,
    });
    w.security.vulnerabilities.set('v3', {
      ...base,
      id: 'v3',
      title: 'SDK collects the device id before consent',
      severity: 'low',
      testKind: 'privacy_review',
      blocksRelease: true,
      fixedAt: '2026-06-02T00:00:00.000Z',
    });
    const problem = await problemOf(w.transition(id, 'released'));
    expect(problem.extensions.unmet).toEqual([
      expect.objectContaining({ requirement: 'blocking_finding_open', findingId: 'v1' }),
      { requirement: 'sdk_unapproved', detail: `SDK of ${id} not approved`, sdkId: 'sdk-1' },
    ]);
    expect(problem.message).toContain('Token in log');
  });

  it('refuses with 409 concurrent_change when the app’s data uses change while it is being released', async () => {
    const w = world();
    const id = await inTesting(w, 'FN-1');
    w.passAll(id);
    const lifecycle = new AppLifecycleService(
      w.tx,
      w.store,
      w.security,
      w.audit,
      {
        purpose: async (key) => {
          // Another request adds a use of a new purpose between the gate's reads and its transaction.
          if (key === 'servicing')
            w.store.dataUses.push({
              id: crypto.randomUUID(),
              appId: id,
              asset: { id: 'a', key: 'retail.customer' },
              fields: ['phone'],
              purpose: 'wealth',
              createdBy: 'amy',
              createdAt: NOW,
            });
          return { key, legalBasis: 'contract', status: 'active' };
        },
      },
      { hasPublishedNotice: async () => true },
      w.lead,
      [],
      [],
      [],
      w.clock,
    );
    await w.dataUses.add(staff('amy'), id, { asset: 'retail.customer', fields: ['phone'], purpose: 'servicing' });
    expect(await problemCode(lifecycle.transition(staff('ben'), id, { to: 'released' }))).toBe('concurrent_change');
    expect(await w.state(id)).toBe('testing');
  });
});
