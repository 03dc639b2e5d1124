import type { AppStoreType } from '../store-type';
import type { AppPlanningStoreType, PlanningPolicyRecord } from './planning-store-type';
import type { AppCap } from './schemas';

/** The plan requirement and caps in memory, for fast tests of the planning rules; counts the apps in `apps`. */
export class FakeAppPlanningStore implements AppPlanningStoreType {
  policy: PlanningPolicyRecord = { plansRequiredFrom: null, setBy: null, setAt: null };
  readonly capped = new Map<string, AppCap & { maxApps: number }>();

  constructor(private readonly apps: Pick<AppStoreType, 'notRetired'>) {}

  async planningPolicy(): Promise<PlanningPolicyRecord> {
    return { ...this.policy };
  }

  async setPlanningPolicy(_trx: unknown, policy: { plansRequiredFrom: string | null; setBy: string; setAt: string }): Promise<void> {
    this.policy = { ...policy };
  }

  async caps(): Promise<Array<AppCap & { maxApps: number; appsNotRetired: number }>> {
    const caps = [...this.capped.values()].sort((a, b) => a.department.localeCompare(b.department));
    const counted = [];
    for (const cap of caps) counted.push({ ...cap, appsNotRetired: await this.appsNotRetiredOf(undefined, cap.department) });
    return counted;
  }

  async cap(_trx: unknown, department: string): Promise<AppCap | undefined> {
    const cap = this.capped.get(department);
    return cap && { ...cap };
  }

  async setCap(_trx: unknown, cap: AppCap): Promise<void> {
    if (cap.maxApps === null) this.capped.delete(cap.department);
    else this.capped.set(cap.department, { ...cap, maxApps: cap.maxApps });
  }

  async appsNotRetiredOf(_trx: unknown, department: string): Promise<number> {
    return (await this.apps.notRetired()).filter((a) => a.owningDepartment === department).length;
  }
}
