import type { Db, Trx } from '../../db';
import type { AppCap } from './schemas';

/** The date plans are required from (a calendar day), and who set it when. */
export interface PlanningPolicyRecord {
  plansRequiredFrom: string | null;
  setBy: string | null;
  setAt: string | null;
}

/**
 * What the planning policy and the entry rules need of the plan requirement and the caps
 * (planning-store.ts on the database, planning-fake-store.ts in memory). The counts read the apps.
 */
export interface AppPlanningStoreType {
  /** With `forUpdate`, locks the setting until the transaction ends. */
  planningPolicy(trx?: Db | Trx, forUpdate?: boolean): Promise<PlanningPolicyRecord>;
  setPlanningPolicy(trx: Trx, policy: { plansRequiredFrom: string | null; setBy: string; setAt: string }): Promise<void>;
  /** Every cap, by department, with the apps not retired each department owns now. */
  caps(): Promise<Array<AppCap & { maxApps: number; appsNotRetired: number }>>;
  /** With `forUpdate`, locks the department's cap until the transaction ends. */
  cap(trx: Db | Trx, department: string, forUpdate?: boolean): Promise<AppCap | undefined>;
  /** Sets the cap; a null maxApps removes it. */
  setCap(trx: Trx, cap: AppCap): Promise<void>;
  appsNotRetiredOf(trx: Trx, department: string): Promise<number>;
}
