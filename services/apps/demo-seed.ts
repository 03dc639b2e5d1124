import type { ChangeContext } from '../audit';
import { ProblemError } from '../shared/errors';
import type { AppLedger } from '.';
import { seedConsolidationExample } from './consolidation/demo-seed';

/** What the demo bank's app ledger holds after seeding: its lead department and its apps. */
export interface AppSeedSummary {
  leadDepartment: string | null;
  appsCreated: number;
}

/**
 * The demo bank's app ledger: IT leads mobile-app management, and the retail mobile bank is proposed
 * with its owners, responsibility matrix and continuity profile, never drilled yet (approving it is left to the lead department's grace);
 * a credit-card mini program has a drafted plan to merge into it.
 * Idempotent: a named lead department and an app already entered are left alone.
 */
export async function seedAppLedger(ledger: AppLedger, ctx: ChangeContext): Promise<AppSeedSummary> {
  let lead = (await ledger.lead.get()).department;
  if (lead === null) lead = (await ledger.lead.set(ctx, { department: 'IT' })).department;
  let appsCreated = 0;
  try {
    const app = await ledger.apps.create(ctx, {
      name: 'Retail Mobile Bank',
      kind: 'app',
      platform: 'iOS, Android, HarmonyOS',
      audience: 'customer',
      leadDepartment: 'IT',
      owningDepartment: 'RETAIL',
      responsiblePerson: 'Wang Li',
      businessOwner: 'Zhao Min',
      technologyOwner: 'Chen Jie',
      monthlyActiveUsers: 1_250_000,
      satisfaction: 4.3,
      businessScenarios: ['transfers', 'credit_card', 'wealth'],
    });
    await ledger.responsibilities.set(ctx, app.id, {
      business: { department: 'RETAIL', person: 'Zhao Min' },
      data: { department: 'RETAIL', person: 'Qian Li' },
      security: { department: 'IT', person: 'Sun Hao' },
      operations: { department: 'IT', person: 'Zhou Yu' },
    });
    await ledger.continuity.service.set(ctx, app.id, {
      tier: 'critical',
      rtoMinutes: 30,
      rpoMinutes: 5,
      planReference: 'BCP-RETAIL-MB-2026',
      lastDrill: null,
    });
    appsCreated += 1;
    appsCreated += await seedConsolidationExample(ledger, ctx, app.id);
  } catch (err) {
    if (!(err instanceof ProblemError && err.code === 'app_name_taken')) throw err;
  }
  return { leadDepartment: lead, appsCreated };
}
