import type { Db, Trx } from '../db';
import type { RoleAssignment } from './schemas';

interface Row {
  id: number;
  v0: string;
  v1: string;
  v2: string;
}

const fromRow = (r: Row): RoleAssignment => ({ id: r.id, subject: r.v0, role: r.v1, department: r.v2 });

/** Role assignments are Casbin `g` lines (subject, role, department) in casbin_rule. */
export class RoleAssignmentStore {
  constructor(private readonly db: Db) {}

  async find(trx: Db | Trx, subject: string, role: string, department: string): Promise<RoleAssignment | undefined> {
    const row = (await trx('casbin_rule').where({ ptype: 'g', v0: subject, v1: role, v2: department }).first()) as Row | undefined;
    return row && fromRow(row);
  }

  async get(id: number, trx: Db | Trx = this.db): Promise<RoleAssignment | undefined> {
    const row = (await trx('casbin_rule').where({ ptype: 'g', id }).first()) as Row | undefined;
    return row && fromRow(row);
  }

  async insert(trx: Trx, subject: string, role: string, department: string): Promise<RoleAssignment> {
    const [row] = (await trx('casbin_rule')
      .insert({ ptype: 'g', v0: subject, v1: role, v2: department })
      .returning(['id', 'v0', 'v1', 'v2'])) as Row[];
    return fromRow(row);
  }

  async delete(trx: Trx, id: number): Promise<void> {
    await trx('casbin_rule').where({ ptype: 'g', id }).delete();
  }

  async list(filter: { subject?: string; role?: string; department?: string; afterId?: number }, limit: number): Promise<RoleAssignment[]> {
    const q = this.db('casbin_rule').where('ptype', 'g').orderBy('id').limit(limit).select('id', 'v0', 'v1', 'v2');
    if (filter.subject) q.where('v0', filter.subject);
    if (filter.role) q.where('v1', filter.role);
    if (filter.department) q.where('v2', filter.department);
    if (filter.afterId !== undefined) q.where('id', '>', filter.afterId);
    return ((await q) as Row[]).map(fromRow);
  }
}
