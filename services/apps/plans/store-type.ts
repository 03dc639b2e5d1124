import type { Db, Trx } from '../../db';
import type { AppOverlap, AppPlan, AppPlanStatus, PlannedApp } from './schemas';

/** What an app's entry rests on, as stored. */
export interface EntryRecord {
  appId: string;
  planItemId: string | null;
  planRequired: boolean;
  overlaps: AppOverlap[];
  justification: string | null;
  justifiedBy: string | null;
  justifiedAt: string | null;
  recordedAt: string;
}

export interface PlanFilter {
  department?: string;
  status?: AppPlanStatus;
  /** Only plans of these departments (undefined = all). */
  departments?: readonly string[];
  /** Keyset: the id of the last plan of the previous page. */
  afterId?: string;
}

/**
 * What the plan and entry services need of construction plans, their planned apps and each app's
 * entry record (store.ts on the database, fake-store.ts in memory). A planned app's status follows
 * from the entries (proposed once an entry names it) and its merge; one planned app is named by one
 * entry at most (a second fails as a unique violation).
 */
export interface AppPlanStoreType {
  insertPlan(trx: Trx, plan: AppPlan): Promise<void>;
  /** With `forUpdate`, locks the plan's row until the transaction ends. */
  findPlan(id: string, trx?: Db | Trx, forUpdate?: boolean): Promise<AppPlan | undefined>;
  planDepartment(id: string): Promise<string | undefined>;
  /** Most recent period first, after `afterId`. */
  listPlans(filter: PlanFilter, limit: number): Promise<AppPlan[]>;
  decidePlan(trx: Trx, id: string, decision: { status: AppPlanStatus; by: string; at: string; note: string | null }): Promise<void>;
  /** A planned app with its plan, locked for a change. */
  lockItem(trx: Trx, planId: string, itemId: string): Promise<{ plan: AppPlan; item: PlannedApp } | undefined>;
  /** The plan of the planned app `itemId`, wherever it is (for proposals naming it). */
  planOfItem(itemId: string, trx?: Db | Trx, forUpdate?: boolean): Promise<AppPlan | undefined>;
  mergeItem(trx: Trx, itemId: string, merge: { into: string; note: string; by: string; at: string }): Promise<void>;
  entry(appId: string, trx?: Db | Trx): Promise<EntryRecord | undefined>;
  /** Inserts or replaces the app's entry record. */
  saveEntry(trx: Trx, entry: EntryRecord): Promise<void>;
  /** Every recorded entry of an app in state proposed (reads the apps). */
  entriesOfProposals(): Promise<Map<string, EntryRecord>>;
}
