import type { AuditRecorder, ChangeContext } from '../audit';
import type { ChangePublisher } from '../platform/change-feed';
import { ALL_DEPARTMENTS, type StaffAuthorizer } from '../authz';
import type { Transactor } from '../db';
import type { DepartmentService } from '../departments';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../shared/errors';
import { decodeNumericCursor, pageFrom, type Page } from '../shared/schemas';
import type { CreateRoleAssignment, RoleAssignment } from './schemas';
import type { RoleAssignmentStoreType } from './store-type';

/** Change-feed topic: staff policies must be reloaded. */
export const ROLE_ASSIGNMENTS_CHANGED = 'role_assignments.changed';

export class RoleAssignmentService {
  constructor(
    private readonly db: Transactor,
    private readonly store: RoleAssignmentStoreType,
    private readonly audit: AuditRecorder,
    private readonly authz: Pick<StaffAuthorizer, 'knownRoles'>,
    private readonly departments: Pick<DepartmentService, 'requireExisting'>,
    private readonly changes: ChangePublisher,
  ) {}

  async assign(ctx: ChangeContext, input: CreateRoleAssignment): Promise<RoleAssignment> {
    const roles = await this.authz.knownRoles();
    if (!roles.includes(input.role)) {
      throw new ValidationError(`body.role: unknown role ${input.role}; known roles: ${roles.join(', ')}`, [
        { path: 'body.role', message: 'unknown role' },
      ]);
    }
    if (input.department !== ALL_DEPARTMENTS) await this.departments.requireExisting([input.department], 'body.department');
    const created = await this.changes.transaction(this.db, async (trx) => {
      if (await this.store.find(trx, input.subject, input.role, input.department)) {
        throw new ConflictError('role_assignment_exists', `${input.subject} already holds ${input.role} in ${input.department}`);
      }
      const assignment = await this.store.insert(trx, input.subject, input.role, input.department);
      await this.audit.record(trx, ctx, {
        action: 'role_assignment.created',
        objectType: 'role_assignment',
        objectId: String(assignment.id),
        details: { after: assignment },
      });
      await this.changes.publish(trx, ROLE_ASSIGNMENTS_CHANGED, { id: assignment.id });
      return assignment;
    });
    return created;
  }

  async revoke(ctx: ChangeContext, id: number): Promise<void> {
    await this.changes.transaction(this.db, async (trx) => {
      const assignment = await this.store.get(id, trx);
      if (!assignment) throw new NotFoundError(`No role assignment ${id}`);
      // An administrator cannot remove their own global admin role: someone else must (no lock-out by accident).
      if (ctx.actor.kind === 'staff' && assignment.subject === ctx.actor.subject && assignment.role === 'admin') {
        throw new ForbiddenError('Administrators cannot remove their own admin role; ask another administrator');
      }
      await this.store.delete(trx, id);
      await this.audit.record(trx, ctx, {
        action: 'role_assignment.deleted',
        objectType: 'role_assignment',
        objectId: String(id),
        details: { before: assignment },
      });
      await this.changes.publish(trx, ROLE_ASSIGNMENTS_CHANGED, { id });
    });
  }

  async list(
    filter: { subject?: string; role?: string; department?: string; cursor?: string },
    limit: number,
  ): Promise<Page<RoleAssignment>> {
    const rows = await this.store.list({ ...filter, afterId: decodeNumericCursor(filter.cursor) }, limit + 1);
    return pageFrom(rows, limit, (last) => last.id);
  }

  /** Makes the configured bootstrap subjects global admins (idempotent; audited as the system). */
  async bootstrapAdmins(subjects: readonly string[]): Promise<void> {
    for (const subject of subjects) {
      await this.changes.transaction(this.db, async (trx) => {
        if (await this.store.find(trx, subject, 'admin', ALL_DEPARTMENTS)) return;
        const assignment = await this.store.insert(trx, subject, 'admin', ALL_DEPARTMENTS);
        await this.audit.record(
          trx,
          { actor: { kind: 'system', name: 'bootstrap' }, requestId: null },
          {
            action: 'role_assignment.created',
            objectType: 'role_assignment',
            objectId: String(assignment.id),
            details: { after: assignment, reason: 'BOOTSTRAP_ADMIN_SUBJECTS' },
          },
        );
        await this.changes.publish(trx, ROLE_ASSIGNMENTS_CHANGED, { id: assignment.id });
      });
    }
  }
}
