import type { Db, Trx } from '../db';
import type { Department } from './schemas';

interface DepartmentRow {
  id: string;
  code: string;
  name: string;
  kind: Department['kind'];
  parent_code: string | null;
  created_at: string;
  updated_at: string;
}

const fromRow = (r: DepartmentRow): Department => ({
  id: r.id,
  code: r.code,
  name: r.name,
  kind: r.kind,
  parent: r.parent_code,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export class DepartmentStore {
  constructor(private readonly db: Db) {}

  async findByCode(code: string, trx: Db | Trx = this.db): Promise<Department | undefined> {
    const row = (await trx('departments').where({ code }).first()) as DepartmentRow | undefined;
    return row && fromRow(row);
  }

  async existing(codes: readonly string[], trx: Db | Trx = this.db): Promise<Set<string>> {
    if (codes.length === 0) return new Set();
    const rows = (await trx('departments')
      .whereIn('code', [...codes])
      .select('code')) as Array<{ code: string }>;
    return new Set(rows.map((r) => r.code));
  }

  async list(filter: { kind?: string; parent?: string; afterCode?: string }, limit: number): Promise<Department[]> {
    const q = this.db('departments').orderBy('code').limit(limit);
    if (filter.kind) q.where('kind', filter.kind);
    if (filter.parent) q.where('parent_code', filter.parent);
    if (filter.afterCode) q.where('code', '>', filter.afterCode);
    return ((await q) as DepartmentRow[]).map(fromRow);
  }

  async insert(trx: Trx, d: Department): Promise<void> {
    await trx('departments').insert({
      id: d.id,
      code: d.code,
      name: d.name,
      kind: d.kind,
      parent_code: d.parent,
      created_at: d.createdAt,
      updated_at: d.updatedAt,
    });
  }

  async update(trx: Trx, d: Department): Promise<void> {
    await trx('departments').where({ code: d.code }).update({ name: d.name, kind: d.kind, parent_code: d.parent, updated_at: d.updatedAt });
  }

  /** The chain of ancestors of `code`, nearest first (used to refuse cycles). */
  async ancestors(trx: Trx, code: string): Promise<string[]> {
    const rows = (await trx.raw(
      `with recursive up(code, parent_code, depth) as (
         select code, parent_code, 0 from departments where code = ?
         union all
         select d.code, d.parent_code, up.depth + 1 from departments d join up on d.code = up.parent_code where up.depth < 100
       ) select code from up order by depth`,
      [code],
    )) as { rows: Array<{ code: string }> };
    return rows.rows.map((r) => r.code);
  }
}
