import type { Db, Trx } from '../db';
import type { RoleAssignment } from './schemas';

export interface RoleAssignmentFilter {
  subject?: string;
  role?: string;
  department?: string;
  afterId?: number;
}

/** What the role-assignment service needs of storage (store.ts on casbin_rule, fake-store.ts in memory). */
export interface RoleAssignmentStoreType {
  find(trx: Db | Trx, subject: string, role: string, department: string): Promise<RoleAssignment | undefined>;
  get(id: number, trx?: Db | Trx): Promise<RoleAssignment | undefined>;
  insert(trx: Trx, subject: string, role: string, department: string): Promise<RoleAssignment>;
  delete(trx: Trx, id: number): Promise<void>;
  list(filter: RoleAssignmentFilter, limit: number): Promise<RoleAssignment[]>;
}
