import type { Db, Trx } from '../db';
import type { Department } from './schemas';

export interface DepartmentFilter {
  kind?: string;
  parent?: string;
  afterCode?: string;
}

/** What the department service needs of storage (store.ts on the database, fake-store.ts in memory). */
export interface DepartmentStoreType {
  findByCode(code: string, trx?: Db | Trx): Promise<Department | undefined>;
  /** Which of `codes` exist. */
  existing(codes: readonly string[], trx?: Db | Trx): Promise<Set<string>>;
  /** In code order, after `afterCode`. */
  list(filter: DepartmentFilter, limit: number): Promise<Department[]>;
  insert(trx: Trx, department: Department): Promise<void>;
  update(trx: Trx, department: Department): Promise<void>;
  /** The chain of ancestors of `code`, itself first, nearest next (used to refuse cycles). */
  ancestors(trx: Trx, code: string): Promise<string[]>;
}
