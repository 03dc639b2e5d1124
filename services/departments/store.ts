import type { Db, Trx } from '../db';
import { rowMapper } from '../platform/row-mapper';
import type { Department } from './schemas';
import type { DepartmentFilter, DepartmentStoreType } from './store-type';

interface DepartmentRow {
  id: string;
  code: string;
  name: string;
  kind: Department['kind'];
  parent_code: string | null;
  created_at: string;
  updated_at: string;
}

const rows = rowMapper<Department, DepartmentRow>({
  id: 'id',
  code: 'code',
  name: 'name',
  kind: 'kind',
  parent: 'parent_code',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
});

export class DepartmentStore implements DepartmentStoreType {
  constructor(private readonly db: Db) {}

  async findByCode(code: string, trx: Db | Trx = this.db): Promise<Department | undefined> {
    const row = await trx<DepartmentRow>('departments').where({ code }).first();
    return row && rows.fromRow(row);
  }

  async existing(codes: readonly string[], trx: Db | Trx = this.db): Promise<Set<string>> {
    if (codes.length === 0) return new Set();
    const found = await trx<DepartmentRow>('departments')
      .whereIn('code', [...codes])
      .select('code');
    return new Set(found.map((r) => r.code));
  }

  async list(filter: DepartmentFilter, limit: number): Promise<Department[]> {
    const q = this.db<DepartmentRow>('departments').orderBy('code').limit(limit);
    if (filter.kind) q.where('kind', filter.kind);
    if (filter.parent) q.where('parent_code', filter.parent);
    if (filter.afterCode) q.where('code', '>', filter.afterCode);
    return (await q).map(rows.fromRow);
  }

  async insert(trx: Trx, d: Department): Promise<void> {
    await trx<DepartmentRow>('departments').insert(rows.toRow(d));
  }

  async update(trx: Trx, d: Department): Promise<void> {
    await trx<DepartmentRow>('departments')
      .where({ code: d.code })
      .update({ name: d.name, kind: d.kind, parent_code: d.parent, updated_at: d.updatedAt });
  }

  async ancestors(trx: Trx, code: string): Promise<string[]> {
    const result = await trx.raw<{ rows: Array<Pick<DepartmentRow, 'code'>> }>(
      `with recursive up(code, parent_code, depth) as (
         select code, parent_code, 0 from departments where code = ?
         union all
         select d.code, d.parent_code, up.depth + 1 from departments d join up on d.code = up.parent_code where up.depth < 100
       ) select code from up order by depth`,
      [code],
    );
    return result.rows.map((r) => r.code);
  }
}
