import type { ChangeContext } from '../audit';
import { ProblemError } from '../shared/errors';
import type { AppLedger } from '.';
import { seedConsolidationExample } from './consolidation/demo-seed';
import type { App, CreateApp } from './schemas';

/** What the demo bank's app ledger holds after seeding: its lead department and its apps. */
export interface AppSeedSummary {
  leadDepartment: string | null;
  appsCreated: number;
  plansSubmitted: number;
}

/**
 * The demo bank's app ledger: IT leads mobile-app management, and the retail mobile bank is proposed
 * with its owners, responsibility matrix and continuity profile, never drilled yet (approving it is left to the lead department's grace);
 * a credit-card mini program has a drafted plan to merge into it.
 * The bank is licensed for retail deposits, wealth-management distribution and insurance agency in Beijing
 * and Tianjin; the app declares its business, an insurance partner and one product it sells (its compliance
 * review is left to a compliance officer: the seed declared the business, so it may not review it).
 * It also has warning thresholds and a regulator's off-site finding with a rectification item that grace owns.
 * Idempotent: a named lead department, a licensed scope and an app already entered are left alone.
 */
export async function seedAppLedger(ledger: AppLedger, ctx: ChangeContext, now = ledger.clock.now()): Promise<AppSeedSummary> {
  let lead = (await ledger.lead.get()).department;
  if (lead === null) lead = (await ledger.lead.set(ctx, { department: 'IT' })).department;
  if ((await ledger.businessReview.licence.get()).setAt === null) {
    await ledger.businessReview.licence.set(ctx, {
      licenceReference: 'B0001H211000001',
      businessLines: [
        { code: 'personal_deposits', name: 'Personal deposits and payments' },
        { code: 'wealth_management', name: 'Wealth-management product distribution' },
        { code: 'insurance_agency', name: 'Insurance agency' },
      ],
      regions: ['CN-BJ', 'CN-TJ'],
    });
  }
  let appsCreated = 0;
  const app = await enterRetailApp(ledger, ctx, {
    name: 'Retail Mobile Bank',
    kind: 'app',
    platform: 'iOS, Android, HarmonyOS',
    monthlyActiveUsers: 1_250_000,
    satisfaction: 4.3,
    businessScenarios: ['transfers', 'credit_card', 'wealth'],
  });
  if (app) {
    await ledger.continuity.service.set(ctx, app.id, {
      tier: 'critical',
      rtoMinutes: 30,
      rpoMinutes: 5,
      planReference: 'BCP-RETAIL-MB-2026',
      lastDrill: null,
    });
    const day = (offset: number) => new Date(now.getTime() + offset * 86_400_000).toISOString().slice(0, 10);
    await ledger.businessReview.reviews.setProfile(ctx, app.id, {
      businessLines: ['personal_deposits', 'wealth_management', 'insurance_agency'],
      regions: ['CN-BJ', 'CN-TJ'],
      partners: [
        {
          name: 'Huaxia Life Insurance',
          cooperation: 'Term-life policies sold in the app as the insurer’s agent',
          agreementReference: 'COOP-INS-2026-004',
          agreementFrom: day(-120),
          agreementUntil: day(245),
          review: { on: day(-110), result: 'passed' },
        },
      ],
      productSales: [
        {
          product: 'Steady Income No. 3 (wealth management)',
          traceable: true,
          traceabilityMethod: 'In-app audio and video recording of the sales process (双录), kept 10 years',
          disclosureUrl: 'https://bank.example/disclosures/steady-income-3',
        },
      ],
    });
    await seedSupervision(ledger, ctx, app.id, now);
    appsCreated += 1;
    // Little used, and every card service it offers is in the mobile bank: the consolidation example.
    const miniProgram = await enterRetailApp(ledger, ctx, {
      name: 'Credit Card Mini Program',
      kind: 'mini_program',
      platform: 'WeChat',
      monthlyActiveUsers: 800,
      satisfaction: 3.1,
      businessScenarios: ['credit_card'],
    });
    if (miniProgram) {
      await seedConsolidationExample(ledger, ctx, miniProgram.id, app.id, now);
      appsCreated += 1;
    }
  }
  return { leadDepartment: lead, appsCreated, plansSubmitted: await seedRetailPlan(ledger, ctx, now) };
}

/**
 * Proposes a customer app that RETAIL owns and IT leads, with its owners and responsibility matrix;
 * undefined when an app of that name is already in the ledger (seeded before).
 */
async function enterRetailApp(
  ledger: AppLedger,
  ctx: ChangeContext,
  facts: Pick<CreateApp, 'name' | 'kind' | 'platform' | 'monthlyActiveUsers' | 'satisfaction' | 'businessScenarios'>,
): Promise<App | undefined> {
  let app: App;
  try {
    app = await ledger.apps.create(ctx, {
      ...facts,
      audience: 'customer',
      leadDepartment: 'IT',
      owningDepartment: 'RETAIL',
      responsiblePerson: 'Wang Li',
      businessOwner: 'Zhao Min',
      technologyOwner: 'Chen Jie',
    });
  } catch (err) {
    if (err instanceof ProblemError && err.code === 'app_name_taken') return undefined;
    throw err;
  }
  await ledger.responsibilities.set(ctx, app.id, {
    business: { department: 'RETAIL', person: 'Zhao Min' },
    data: { department: 'RETAIL', person: 'Qian Li' },
    security: { department: 'IT', person: 'Sun Hao' },
    operations: { department: 'IT', person: 'Zhou Yu' },
  });
  return app;
}

/** RETAIL's construction plan for the year, submitted and waiting for the lead department (its wealth app overlaps the mobile bank). */
async function seedRetailPlan(ledger: AppLedger, ctx: ChangeContext, now: Date): Promise<number> {
  const existing = await ledger.plans.plans.list({ limit: 1, department: 'RETAIL' }, { all: true });
  if (existing.items.length > 0) return 0;
  const year = now.getUTCFullYear();
  await ledger.plans.plans.submit(ctx, {
    department: 'RETAIL',
    periodStart: `${year}-01-01`,
    periodEnd: `${year}-12-31`,
    justification: 'Retail banking apps for the year: one wealth mini-program, and card journeys in the existing app',
    plannedApps: [
      {
        name: 'Wealth mini-program',
        kind: 'mini_program',
        audience: 'customer',
        businessScenarios: ['wealth', 'fund_sales'],
        justification: 'Customers buy funds inside the super-app ecosystem, where the mobile bank is not',
      },
      {
        name: 'Card instalments H5',
        kind: 'h5',
        audience: 'customer',
        businessScenarios: ['credit_card', 'instalments'],
        justification: 'Instalment offers linked from statements',
      },
    ],
  });
  return 1;
}

const DAY_MS = 86_400_000;

/** Warning thresholds (no monitoring client yet: one is registered by an administrator) and a regulator's off-site finding. */
async function seedSupervision(ledger: AppLedger, ctx: ChangeContext, appId: string, now: Date): Promise<void> {
  await ledger.supervision.monitoring.setProfile(ctx, appId, {
    clients: [],
    thresholds: [
      { kind: 'availability', windowMinutes: 60, warnBelowPercent: 99.5, majorBelowPercent: 95 },
      { kind: 'security_alert', windowMinutes: 60, warnAtCount: 3, majorAtCount: 10 },
    ],
  });
  const seededAt = now.getTime();
  await ledger.supervision.findings.registerFinding(ctx, appId, {
    inspection: 'off_site',
    inspector: 'regulator',
    inspectionReference: 'NFRA-OFFSITE-2026-031',
    inspectedOn: new Date(seededAt - DAY_MS).toISOString().slice(0, 10),
    title: 'Login screen shows the full card number',
    description: 'The regulator’s off-site review of the app found the full card number on the login screen after a session timeout.',
    rectifications: [
      {
        action: 'Mask the card number on every screen shown before authentication',
        owner: 'grace',
        ownerDepartment: 'IT',
        dueAt: new Date(seededAt + 30 * DAY_MS).toISOString(),
      },
    ],
  });
}
