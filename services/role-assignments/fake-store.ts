import type { RoleAssignment } from './schemas';
import type { RoleAssignmentFilter, RoleAssignmentStoreType } from './store-type';

/** Role assignments in memory, for fast tests of the service's rules. */
export class FakeRoleAssignmentStore implements RoleAssignmentStoreType {
  private readonly byId = new Map<number, RoleAssignment>();
  private nextId = 1;

  async find(_trx: unknown, subject: string, role: string, department: string): Promise<RoleAssignment | undefined> {
    return [...this.byId.values()].find((a) => a.subject === subject && a.role === role && a.department === department);
  }

  async get(id: number): Promise<RoleAssignment | undefined> {
    return this.byId.get(id);
  }

  async insert(_trx: unknown, subject: string, role: string, department: string): Promise<RoleAssignment> {
    const assignment = { id: this.nextId++, subject, role, department };
    this.byId.set(assignment.id, assignment);
    return assignment;
  }

  async delete(_trx: unknown, id: number): Promise<void> {
    this.byId.delete(id);
  }

  async list(filter: RoleAssignmentFilter, limit: number): Promise<RoleAssignment[]> {
    return [...this.byId.values()]
      .filter((a) => (!filter.subject || a.subject === filter.subject) && (!filter.role || a.role === filter.role))
      .filter((a) => (!filter.department || a.department === filter.department) && (filter.afterId === undefined || a.id > filter.afterId))
      .slice(0, limit);
  }
}
