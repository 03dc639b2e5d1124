import type { ChangeContext } from '../audit';
import { ProblemError } from '../shared/errors';
import type { AppLedger } from '.';

/** What the demo bank's app ledger holds after seeding: its lead department and its apps. */
export interface AppSeedSummary {
  leadDepartment: string | null;
  appsCreated: number;
}

/**
 * The demo bank's app ledger: IT leads mobile-app management, and the retail mobile bank is proposed
 * with its owners, responsibility matrix and continuity profile, never drilled yet (approving it is left to the lead department's grace),
 * its warning thresholds, and an off-site inspection finding with a rectification item that grace owns.
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
    await seedSupervision(ledger, ctx, app.id);
    appsCreated += 1;
  } catch (err) {
    if (!(err instanceof ProblemError && err.code === 'app_name_taken')) throw err;
  }
  return { leadDepartment: lead, appsCreated };
}

const DAY_MS = 86_400_000;

/** Warning thresholds (no monitoring client yet: one is registered by an administrator) and a regulator's off-site finding. */
async function seedSupervision(ledger: AppLedger, ctx: ChangeContext, appId: string): Promise<void> {
  await ledger.supervision.monitoring.setProfile(ctx, appId, {
    clients: [],
    thresholds: [
      { kind: 'availability', windowMinutes: 60, warnBelowPercent: 99.5, majorBelowPercent: 95 },
      { kind: 'security_alert', windowMinutes: 60, warnAtCount: 3, majorAtCount: 10 },
    ],
  });
  const seededAt = Date.now();
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
