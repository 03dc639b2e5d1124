import type { LeadDepartment, Responsibility, ResponsibilityArea } from './schemas';
import type { AccountabilityStoreType, ResponsibilitiesByApp } from './store-type';

/** The lead department and the responsibility matrices in memory, for fast tests of their rules. */
export class FakeAccountabilityStore implements AccountabilityStoreType {
  lead: LeadDepartment = { department: null, setBy: null, setAt: null };
  readonly matrices = new Map<string, Record<ResponsibilityArea, Responsibility>>();

  async leadDepartment(): Promise<LeadDepartment> {
    return { ...this.lead };
  }

  async setLeadDepartment(_trx: unknown, lead: { department: string; setBy: string; setAt: string }): Promise<void> {
    this.lead = { ...lead };
  }

  async responsibilities(appIds?: readonly string[]): Promise<ResponsibilitiesByApp> {
    return new Map(
      [...this.matrices]
        .filter(([appId]) => appIds === undefined || appIds.includes(appId))
        .map(([appId, m]) => [appId, structuredClone(m)]),
    );
  }

  async replaceResponsibilities(_trx: unknown, appId: string, areas: Record<ResponsibilityArea, Responsibility>): Promise<void> {
    this.matrices.set(appId, structuredClone(areas));
  }
}
