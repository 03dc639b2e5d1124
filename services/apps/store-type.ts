import type { Db, Trx } from '../db';
import type { AppState } from './lifecycle';
import type { App, AppDataUse, AppTransition } from './schemas';

export interface AppFilter {
  kind?: App['kind'];
  audience?: App['audience'];
  lifecycleState?: AppState;
  owningDepartment?: string;
  leadDepartment?: string;
  businessScenario?: string;
  /** Only apps owned by these departments (undefined = all). */
  departments?: readonly string[];
  /** Keyset: the id of the last app of the previous page. */
  afterId?: string;
}

/**
 * What the ledger's services and its sub-features need of the apps, their transition history and
 * their data uses (store.ts on the database, fake-store.ts in memory). App names are unique
 * regardless of case, and so is an app's use of one asset for one purpose: a second insert fails
 * as a unique violation.
 */
export interface AppStoreType {
  insert(trx: Trx, app: App): Promise<void>;
  /** Writes every column but the creation ones. */
  update(trx: Trx, app: App): Promise<void>;
  /** With `forUpdate`, locks the app's row until the transaction ends. */
  find(id: string, trx?: Db | Trx, forUpdate?: boolean): Promise<App | undefined>;
  owningDepartment(id: string): Promise<string | undefined>;
  /** By name (case-insensitive), then id, after `afterId`. */
  list(filter: AppFilter, limit: number): Promise<App[]>;
  /** Apps not retired, by name. */
  notRetired(trx?: Db | Trx): Promise<App[]>;
  /** Apps in service (released, operating, consolidating), by name. */
  live(trx?: Db | Trx): Promise<App[]>;
  /** The app's transitions, in lifecycle order. */
  transitionsOf(appId: string, trx?: Db | Trx): Promise<AppTransition[]>;
  insertTransition(trx: Trx, appId: string, transition: AppTransition): Promise<void>;
  insertDataUse(trx: Trx, use: AppDataUse): Promise<void>;
  findDataUse(trx: Trx, appId: string, assetId: string, purposeKey: string): Promise<AppDataUse | undefined>;
  /** In the order they were recorded, after `afterId`. */
  dataUsesOf(appId: string, afterId: string | undefined, limit: number): Promise<AppDataUse[]>;
  /** The distinct purposes an app's data uses name, sorted. */
  purposesOf(appId: string, trx?: Db | Trx): Promise<string[]>;
}
