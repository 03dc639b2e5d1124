import type { ChangeContext } from '../../audit';
import { ProblemError } from '../../shared/errors';
import type { AppLedger } from '..';

const DAY = 86_400_000;

/**
 * The demo bank's consolidation example: a little-used credit-card mini program, whose services the
 * retail mobile bank already offers, with a drafted plan to merge into it (approval is the lead
 * department's). Idempotent: left alone once the mini program is in the ledger.
 */
export async function seedConsolidationExample(ledger: AppLedger, ctx: ChangeContext, mergesInto: string, now: Date): Promise<number> {
  const inDays = (n: number) => new Date(now.getTime() + n * DAY).toISOString().slice(0, 10);
  try {
    const app = await ledger.apps.create(ctx, {
      name: 'Credit Card Mini Program',
      kind: 'mini_program',
      platform: 'WeChat',
      audience: 'customer',
      leadDepartment: 'IT',
      owningDepartment: 'RETAIL',
      responsiblePerson: 'Wang Li',
      businessOwner: 'Zhao Min',
      technologyOwner: 'Chen Jie',
      monthlyActiveUsers: 800,
      satisfaction: 3.1,
      businessScenarios: ['credit_card'],
    });
    await ledger.responsibilities.set(ctx, app.id, {
      business: { department: 'RETAIL', person: 'Zhao Min' },
      data: { department: 'RETAIL', person: 'Qian Li' },
      security: { department: 'IT', person: 'Sun Hao' },
      operations: { department: 'IT', person: 'Zhou Yu' },
    });
    await ledger.consolidationPlans.service.draft(ctx, app.id, {
      kind: 'consolidation',
      mergesInto: [mergesInto],
      reason: 'About 800 monthly users; every card service it offers is in Retail Mobile Bank',
      riskAssessment: {
        assessor: 'IT Risk Management',
        assessedOn: inDays(0),
        result: 'acceptable_with_conditions',
        residualRisks: ['Customers without the mobile bank lose card self-service until they install it; branches and 95555 serve them'],
      },
      privacyMeasures: [
        'Card bindings move over an encrypted internal interface; no export files',
        'WeChat openid mappings are erased, with the erasure log kept as evidence',
      ],
      notification: {
        channels: ['in_app', 'sms'],
        notifyOn: inDays(30),
        content: 'The Credit Card Mini Program closes; your cards and bills are in Retail Mobile Bank. Your WeChat link is erased.',
      },
      steps: [
        {
          description: 'Move card bindings and bill preferences',
          handling: 'migrated',
          destination: 'Retail Mobile Bank',
          owner: 'Chen Jie',
          dueOn: inDays(20),
        },
        { description: 'Erase WeChat openid mappings and access logs', handling: 'deleted', owner: 'Sun Hao', dueOn: inDays(45) },
      ],
    });
    return 1;
  } catch (err) {
    if (err instanceof ProblemError && err.code === 'app_name_taken') return 0;
    throw err;
  }
}
