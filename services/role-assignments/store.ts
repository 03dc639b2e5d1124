import type { Db, Trx } from '../db';
import { rowMapper } from '../platform/row-mapper';
import type { RoleAssignment } from './schemas';
import type { RoleAssignmentFilter, RoleAssignmentStoreType } from './store-type';

/** A Casbin `g` line: v0 subject, v1 role, v2 department. */
interface RuleRow {
  id: number;
  ptype: string;
  v0: string;
  v1: string;
  v2: string;
}

const rows = rowMapper<RoleAssignment, RuleRow>({ id: 'id', subject: 'v0', role: 'v1', department: 'v2' });

/** Role assignments are Casbin `g` lines (subject, role, department) in casbin_rule. */
export class RoleAssignmentStore implements RoleAssignmentStoreType {
  constructor(private readonly db: Db) {}

  async find(trx: Db | Trx, subject: string, role: string, department: string): Promise<RoleAssignment | undefined> {
    const row = await trx<RuleRow>('casbin_rule').where({ ptype: 'g', v0: subject, v1: role, v2: department }).first();
    return row && rows.fromRow(row);
  }

  async get(id: number, trx: Db | Trx = this.db): Promise<RoleAssignment | undefined> {
    const row = await trx<RuleRow>('casbin_rule').where({ ptype: 'g', id }).first();
    return row && rows.fromRow(row);
  }

  async insert(trx: Trx, subject: string, role: string, department: string): Promise<RoleAssignment> {
    const [row] = await trx<RuleRow>('casbin_rule')
      .insert({ ptype: 'g', v0: subject, v1: role, v2: department })
      .returning(['id', 'v0', 'v1', 'v2']);
    return rows.fromRow(row as RuleRow);
  }

  async delete(trx: Trx, id: number): Promise<void> {
    await trx<RuleRow>('casbin_rule').where({ ptype: 'g', id }).delete();
  }

  async list(filter: RoleAssignmentFilter, limit: number): Promise<RoleAssignment[]> {
    const q = this.db<RuleRow>('casbin_rule').where('ptype', 'g').orderBy('id').limit(limit).select('id', 'v0', 'v1', 'v2');
    if (filter.subject) q.where('v0', filter.subject);
    if (filter.role) q.where('v1', filter.role);
    if (filter.department) q.where('v2', filter.department);
    if (filter.afterId !== undefined) q.where('id', '>', filter.afterId);
    return (await q).map((r) => rows.fromRow(r as RuleRow));
  }
}
