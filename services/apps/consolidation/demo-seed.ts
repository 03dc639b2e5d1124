import type { ChangeContext } from '../../audit';
import type { AppLedger } from '..';

const DAY = 86_400_000;

/**
 * The demo bank's consolidation example: a drafted plan to merge the little-used credit-card mini
 * program into the retail mobile bank, which already offers every service it has (approval is the
 * lead department's).
 */
export async function seedConsolidationExample(
  ledger: AppLedger,
  ctx: ChangeContext,
  miniProgram: string,
  mergesInto: string,
  now: Date,
): Promise<void> {
  const inDays = (n: number) => new Date(now.getTime() + n * DAY).toISOString().slice(0, 10);
  await ledger.consolidationPlans.service.draft(ctx, miniProgram, {
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
}
