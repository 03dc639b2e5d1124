import { parse } from 'csv-parse/sync';
import { AppConsolidationReportService, consolidationCsv } from '../../services/apps/consolidation-report';
import type { CreateApp } from '../../services/apps/schemas';
import { ConflictError } from '../../services/shared/errors';
import { ledgerOnFakes, putApp } from '../fakes/apps';
import { problemCode, problemOf, staff } from '../fakes/ports';

const amy = staff('amy');
const ASSET = '00000000-0000-4000-8000-00000000a55e';

const body = (over: Partial<CreateApp> = {}): CreateApp => ({
  name: 'Retail Wallet',
  kind: 'mini_program',
  platform: 'WeChat',
  audience: 'customer',
  leadDepartment: 'DIGITAL',
  owningDepartment: 'RETAIL',
  responsiblePerson: 'Zhang San',
  ...over,
});

describe('app ledger entries (in memory)', () => {
  it('enters an app as proposed, scenarios without duplicates, SDKs with nulls, audited with the entry', async () => {
    const { apps, audit, store } = ledgerOnFakes();
    const app = await apps.create(
      amy,
      body({ businessScenarios: ['payments', 'credit_card', 'payments'], thirdPartySdks: [{ name: 'MapKit', vendor: 'Maps Co' }] }),
    );
    expect(app).toMatchObject({
      lifecycleState: 'proposed',
      createdBy: 'amy',
      businessScenarios: ['payments', 'credit_card'],
      thirdPartySdks: [{ name: 'MapKit', vendor: 'Maps Co', purpose: null }],
      monthlyActiveUsers: 0,
      satisfaction: null,
      filingNumber: null,
    });
    expect(store.apps.get(app.id)).toEqual(app);
    expect(audit.events).toEqual([expect.objectContaining({ action: 'app.created', objectId: app.id, details: { after: app } })]);
    expect(await apps.get(app.id)).toEqual({ ...app, transitions: [] });
  });

  it('is managed by staff only; the demo seed acts as system:seed', async () => {
    const { apps } = ledgerOnFakes();
    const client = { actor: { kind: 'public' as const, address: '203.0.113.9' }, requestId: null };
    expect(await problemCode(apps.create(client, body()))).toBe('forbidden');
    const seeded = await apps.create({ actor: { kind: 'system', name: 'seed' }, requestId: null }, body());
    expect(seeded.createdBy).toBe('system:seed');
  });

  it.each([
    ['leadDepartment', body({ leadDepartment: 'GHOST' })],
    ['owningDepartment', body({ owningDepartment: 'GHOST' })],
  ])('refuses an unknown %s with 400 naming the field', async (field, input) => {
    const { apps, audit } = ledgerOnFakes();
    const problem = await problemOf(apps.create(amy, input));
    expect(problem.code).toBe('validation_failed');
    expect(problem.message).toContain(`body.${field}`);
    expect(audit.events).toHaveLength(0);
  });

  it('keeps names unique regardless of case, on entry and on change (409 app_name_taken), auditing neither', async () => {
    const { apps, audit } = ledgerOnFakes();
    await apps.create(amy, body({ name: 'Retail Wallet' }));
    const corp = await apps.create(amy, body({ name: 'Corporate Portal' }));
    expect(await problemCode(apps.create(amy, body({ name: 'retail wallet' })))).toBe('app_name_taken');
    expect(await problemCode(apps.update(amy, corp.id, { name: 'RETAIL WALLET' }, { all: true }))).toBe('app_name_taken');
    expect(audit.actions()).toEqual(['app.created', 'app.created']);
  });

  it('runs the proposal checks after the entry, with the input; a refusal refuses the proposal', async () => {
    const seen: string[] = [];
    const { apps } = ledgerOnFakes({
      proposalChecks: [
        async (_trx, _ctx, app, input) => {
          seen.push(`${app.name}:${input.overlapJustification ?? '-'}`);
          if (input.overlapJustification === 'no') throw new ConflictError('app_overlaps_unresolved', 'refused');
        },
      ],
    });
    await apps.create(amy, body({ overlapJustification: 'needed' }));
    expect(await problemCode(apps.create(amy, body({ name: 'Other', overlapJustification: 'no' })))).toBe('app_overlaps_unresolved');
    expect(seen).toEqual(['Retail Wallet:needed', 'Other:no']);
  });

  it('changes ledger fields, keeping the rest, audited with before and after; the update checks see both', async () => {
    const changes: Array<[number, number]> = [];
    const { apps, audit, clock } = ledgerOnFakes({
      updateChecks: [async (_trx, before, after) => void changes.push([before.monthlyActiveUsers, after.monthlyActiveUsers])],
    });
    const app = await apps.create(amy, body({ monthlyActiveUsers: 1_200_000, satisfaction: 4.35 }));
    clock.advance(60_000);
    const updated = await apps.update(
      amy,
      app.id,
      { monthlyActiveUsers: 900_000, satisfaction: null, platform: null, leadDepartment: 'RETAIL' },
      { all: true },
    );
    expect(updated).toMatchObject({
      monthlyActiveUsers: 900_000,
      satisfaction: null,
      platform: null,
      leadDepartment: 'RETAIL',
      name: 'Retail Wallet',
    });
    expect(updated.updatedAt > app.updatedAt).toBe(true);
    expect(changes).toEqual([[1_200_000, 900_000]]);
    expect(audit.events.at(-1)).toMatchObject({
      action: 'app.updated',
      details: { before: { monthlyActiveUsers: 1_200_000 }, after: { monthlyActiveUsers: 900_000 } },
    });
  });

  it('moves an app to another owning department only with the permission there too', async () => {
    const { apps } = ledgerOnFakes();
    const app = await apps.create(amy, body());
    expect(await problemCode(apps.update(amy, app.id, { owningDepartment: 'CARDS' }, { all: false, departments: ['RETAIL'] }))).toBe(
      'forbidden',
    );
    expect(await problemCode(apps.update(amy, app.id, { owningDepartment: 'GHOST' }, { all: true }))).toBe('validation_failed');
    await expect(
      apps.update(amy, app.id, { owningDepartment: 'CARDS' }, { all: false, departments: ['RETAIL', 'CARDS'] }),
    ).resolves.toMatchObject({ owningDepartment: 'CARDS' });
  });

  it('keeps the filing number of an app in service; an unknown app is 404 and a retired one no longer changes', async () => {
    const { apps, store, audit } = ledgerOnFakes();
    const proposed = putApp(store, { filingNumber: 'FN-1' });
    await expect(apps.update(amy, proposed.id, { filingNumber: null }, { all: true })).resolves.toMatchObject({ filingNumber: null });
    for (const state of ['released', 'operating', 'consolidating'] as const) {
      const live = putApp(store, { filingNumber: 'FN-2', lifecycleState: state });
      const problem = await problemOf(apps.update(amy, live.id, { filingNumber: null }, { all: true }));
      expect(problem.code).toBe('filing_number_required');
      expect(problem.message).toContain(state);
    }
    const retired = putApp(store, { lifecycleState: 'retired' });
    expect(await problemCode(apps.update(amy, retired.id, { monthlyActiveUsers: 5 }, { all: true }))).toBe('app_retired');
    expect(await problemCode(apps.update(amy, '00000000-0000-4000-8000-000000000000', { name: 'x' }, { all: true }))).toBe('not_found');
    expect(await problemCode(apps.get('00000000-0000-4000-8000-000000000000'))).toBe('not_found');
    expect(await problemCode(apps.departmentOf('00000000-0000-4000-8000-000000000000'))).toBe('not_found');
    expect(audit.actions()).toEqual(['app.updated']);
  });

  it('lists the apps of the departments the caller may read, by name, a page at a time', async () => {
    const { apps, store } = ledgerOnFakes();
    putApp(store, { name: 'b wallet', owningDepartment: 'RETAIL' });
    putApp(store, { name: 'A portal', owningDepartment: 'CARDS', audience: 'internal' });
    putApp(store, { name: 'C card', owningDepartment: 'CARDS', businessScenarios: ['credit_card'] });
    const query = { limit: 50 };
    expect(await apps.list(query, { all: false, departments: [] })).toEqual({ items: [], nextCursor: null });
    expect((await apps.list(query, { all: false, departments: ['CARDS'] })).items.map((a) => a.name)).toEqual(['A portal', 'C card']);
    expect((await apps.list({ ...query, audience: 'internal' }, { all: true })).items.map((a) => a.name)).toEqual(['A portal']);
    expect((await apps.list({ ...query, businessScenario: 'credit_card' }, { all: true })).items.map((a) => a.name)).toEqual(['C card']);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await apps.list({ limit: 1, cursor }, { all: true });
      seen.push(...page.items.map((a) => a.name));
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    expect(seen).toEqual(['A portal', 'b wallet', 'C card']);
  });
});

describe('app data uses (in memory)', () => {
  const use = (over: Record<string, unknown> = {}) => ({ asset: 'retail.customer', fields: ['phone'], purpose: 'servicing', ...over });

  it('records live fields of a live asset for an active purpose, audited with the legal basis', async () => {
    const { dataUses, store, audit } = ledgerOnFakes();
    const app = putApp(store);
    const recorded = await dataUses.add(amy, app.id, use({ fields: ['name', 'phone'] }));
    expect(recorded).toMatchObject({
      appId: app.id,
      asset: { id: ASSET, key: 'retail.customer' },
      fields: ['name', 'phone'],
      purpose: 'servicing',
    });
    expect(audit.events).toEqual([
      expect.objectContaining({ action: 'app.data_use_added', objectId: app.id, details: { dataUse: recorded, legalBasis: 'contract' } }),
    ]);
    expect((await dataUses.list(app.id, { limit: 10 })).items).toEqual([recorded]);
    expect(await problemCode(dataUses.add(amy, app.id, use()))).toBe('data_use_exists');
  });

  it.each([
    ['an unknown asset', use({ asset: 'retail.ghost' }), 'body.asset'],
    ['a retired asset', use({ asset: 'retail.old' }), 'body.asset'],
    ['a field twice', use({ fields: ['phone', 'phone'] }), 'body.fields'],
    ['a retired field', use({ fields: ['fax'] }), 'body.fields'],
    ['an unknown field', use({ fields: ['salary'] }), 'body.fields'],
    ['an unknown purpose', use({ purpose: 'ghost' }), 'body.purpose'],
    ['a retired purpose', use({ purpose: 'old' }), 'body.purpose'],
  ])('refuses %s with 400 naming %s, writing nothing', async (_label, input, path) => {
    const { dataUses, store, audit } = ledgerOnFakes();
    const app = putApp(store);
    const problem = await problemOf(dataUses.add(amy, app.id, input));
    expect(problem.code).toBe('validation_failed');
    expect(problem.message.startsWith(path)).toBe(true);
    expect(store.dataUses).toHaveLength(0);
    expect(audit.events).toHaveLength(0);
  });

  it('lets an app in service take on a consent-based purpose only once a published notice covers it', async () => {
    const { dataUses, store, published } = ledgerOnFakes();
    const proposed = putApp(store);
    await expect(dataUses.add(amy, proposed.id, use({ purpose: 'marketing' }))).resolves.toMatchObject({ purpose: 'marketing' });
    const released = putApp(store, { lifecycleState: 'released' });
    const problem = await problemOf(dataUses.add(amy, released.id, use({ purpose: 'marketing' })));
    expect(problem.code).toBe('consent_notice_missing');
    expect(problem.message).toContain('marketing');
    await expect(dataUses.add(amy, released.id, use({ purpose: 'servicing' }))).resolves.toMatchObject({ purpose: 'servicing' });
    published.byApp.set(proposed.id, new Set(['marketing']));
    expect(await problemCode(dataUses.add(amy, released.id, use({ purpose: 'marketing' })))).toBe('consent_notice_missing');
    published.general.add('marketing');
    await expect(dataUses.add(amy, released.id, use({ purpose: 'marketing' }))).resolves.toMatchObject({ purpose: 'marketing' });
  });

  it('refuses a retired app (409) and an unknown one (404)', async () => {
    const { dataUses, store } = ledgerOnFakes();
    const retired = putApp(store, { lifecycleState: 'retired' });
    expect(await problemCode(dataUses.add(amy, retired.id, use()))).toBe('app_retired');
    expect(await problemCode(dataUses.add(amy, '00000000-0000-4000-8000-000000000000', use()))).toBe('not_found');
    expect(await problemCode(dataUses.list('00000000-0000-4000-8000-000000000000', { limit: 10 }))).toBe('not_found');
  });
});

describe('consolidation candidates (in memory)', () => {
  it('names apps in service with low activity, poor satisfaction, shared scenarios or open severe vulnerabilities', async () => {
    const { store, security, clock } = ledgerOnFakes();
    const report = new AppConsolidationReportService(store, security, { lowActivityMau: 1000, poorSatisfactionBelow: 3 }, clock);
    const quiet = putApp(store, { name: 'Quiet', lifecycleState: 'operating', monthlyActiveUsers: 10, satisfaction: 2.5 });
    const wallet = putApp(store, {
      name: 'Wallet',
      lifecycleState: 'released',
      monthlyActiveUsers: 5000,
      businessScenarios: ['payments', 'cards'],
    });
    const cards = putApp(store, { name: 'Cards', lifecycleState: 'consolidating', monthlyActiveUsers: 5000, businessScenarios: ['cards'] });
    putApp(store, {
      name: 'Staff',
      lifecycleState: 'released',
      audience: 'internal',
      monthlyActiveUsers: 5000,
      businessScenarios: ['cards'],
    });
    putApp(store, { name: 'Planned', lifecycleState: 'testing', monthlyActiveUsers: 1 });
    const base = {
      appId: quiet.id,
      title: 'x',
      reportedAt: '2026-05-01T00:00:00.000Z',
      testKind: null,
      securityTestId: null,
      blocksRelease: true,
      source: 'internal_test' as const,
      regulatorReference: null,
      fixedAt: null,
      fixEvidence: null,
      fixedBy: null,
      recordedBy: 'amy',
      recordedAt: '2026-05-01T00:00:00.000Z',
    };
    for (const [id, severity, dueAt, fixedAt] of [
      ['00000000-0000-4000-8000-0000000000c1', 'critical', '2026-06-01T00:00:00.000Z', null],
      ['00000000-0000-4000-8000-0000000000c2', 'high', '2026-07-01T00:00:00.000Z', null],
      ['00000000-0000-4000-8000-0000000000c3', 'high', '2026-06-01T00:00:00.000Z', '2026-05-20T00:00:00.000Z'],
      ['00000000-0000-4000-8000-0000000000c4', 'medium', '2026-06-01T00:00:00.000Z', null],
    ] as const)
      security.vulnerabilities.set(id, { ...base, id, severity, dueAt, fixedAt });

    const built = await report.build();
    expect(built).toMatchObject({ appsInService: 4, thresholds: { lowActivityMau: 1000, poorSatisfactionBelow: 3 } });
    const reasons = Object.fromEntries(built.candidates.map((c) => [c.app.name, c.reasons]));
    expect(Object.keys(reasons).sort()).toEqual(['Cards', 'Quiet', 'Wallet']);
    expect(reasons.Quiet).toEqual([
      expect.objectContaining({ code: 'low_activity', monthlyActiveUsers: 10, threshold: 1000 }),
      expect.objectContaining({ code: 'poor_satisfaction', satisfaction: 2.5, threshold: 3 }),
      expect.objectContaining({
        code: 'open_high_severity_vulnerabilities',
        critical: 1,
        high: 1,
        overdue: 1,
        vulnerabilities: ['00000000-0000-4000-8000-0000000000c1', '00000000-0000-4000-8000-0000000000c2'],
      }),
    ]);
    expect(reasons.Wallet).toEqual([
      {
        code: 'overlapping_scenarios',
        detail: 'shares cards with Cards',
        overlaps: [{ appId: cards.id, appName: 'Cards', scenarios: ['cards'] }],
      },
    ]);
    expect(reasons.Cards).toEqual([expect.objectContaining({ overlaps: [{ appId: wallet.id, appName: 'Wallet', scenarios: ['cards'] }] })]);
  });

  it('never hands a spreadsheet a live formula from an app name in the CSV', async () => {
    const { store, security, clock } = ledgerOnFakes();
    const report = new AppConsolidationReportService(store, security, { lowActivityMau: 500, poorSatisfactionBelow: 3.5 }, clock);
    const names = ["+cmd|' /C calc'!A0", '=HYPERLINK("http://evil.example","x")', '-2+3', '@SUM(A1)', ' =1+1', '＋1+1'];
    const ids = new Map<string, string>();
    // Stored as the API stores them: trimmed.
    for (const name of names)
      ids.set(
        putApp(store, { name: name.trim(), lifecycleState: 'released', monthlyActiveUsers: 10, responsiblePerson: '=Li Wei' }).id,
        name,
      );
    const rows = parse(consolidationCsv(await report.build()), { columns: true }) as Array<Record<string, string>>;
    for (const [id, name] of ids) {
      const named = rows.filter((r) => r.app_id === id).map((r) => r.app_name);
      expect(named.length).toBeGreaterThan(0);
      for (const cell of named) expect(cell).toBe(`'${name.trim()}`);
    }
    for (const row of rows) for (const cell of Object.values(row)) expect(cell).not.toMatch(/^(?:[\t\r\n]|\s*[=+\-@＝＋－＠])/);
  });
});
