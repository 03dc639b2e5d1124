import { uniqueViolation } from '../shared/errors';
import type { Department } from './schemas';
import type { DepartmentFilter, DepartmentStoreType } from './store-type';

/** Departments in memory, for fast tests of the service's rules. */
export class FakeDepartmentStore implements DepartmentStoreType {
  private readonly byCode = new Map<string, Department>();

  async findByCode(code: string): Promise<Department | undefined> {
    return this.byCode.get(code);
  }

  async existing(codes: readonly string[]): Promise<Set<string>> {
    return new Set(codes.filter((c) => this.byCode.has(c)));
  }

  async list(filter: DepartmentFilter, limit: number): Promise<Department[]> {
    return [...this.byCode.values()]
      .filter((d) => (!filter.kind || d.kind === filter.kind) && (!filter.parent || d.parent === filter.parent))
      .filter((d) => !filter.afterCode || d.code > filter.afterCode)
      .sort((a, b) => (a.code < b.code ? -1 : 1))
      .slice(0, limit);
  }

  async insert(_trx: unknown, department: Department): Promise<void> {
    if (this.byCode.has(department.code)) throw uniqueViolation();
    this.byCode.set(department.code, department);
  }

  async update(_trx: unknown, department: Department): Promise<void> {
    this.byCode.set(department.code, department);
  }

  async ancestors(_trx: unknown, code: string): Promise<string[]> {
    const chain: string[] = [];
    for (let at = this.byCode.get(code); at && chain.length <= 100; at = at.parent ? this.byCode.get(at.parent) : undefined)
      chain.push(at.code);
    return chain;
  }
}
