import type { Db, Trx } from '../../db';
import type { LeadDepartment, Responsibility, ResponsibilityArea } from './schemas';

/** Each app's responsibilities by area. */
export type ResponsibilitiesByApp = Map<string, Partial<Record<ResponsibilityArea, Responsibility>>>;

/**
 * What the lead-department and responsibility services (and plans, which ask who the lead department is)
 * need of storage (store.ts on the database, fake-store.ts in memory).
 */
export interface AccountabilityStoreType {
  /** The named lead department, or nulls; with `forUpdate`, locks the setting until the transaction ends. */
  leadDepartment(trx?: Db | Trx, forUpdate?: boolean): Promise<LeadDepartment>;
  setLeadDepartment(trx: Trx, lead: { department: string; setBy: string; setAt: string }): Promise<void>;
  /** Each app's responsibilities by area, for the given apps (all when undefined). */
  responsibilities(appIds?: readonly string[], trx?: Db | Trx): Promise<ResponsibilitiesByApp>;
  /** Replaces the app's matrix with these four areas. */
  replaceResponsibilities(trx: Trx, appId: string, areas: Record<ResponsibilityArea, Responsibility>): Promise<void>;
}
