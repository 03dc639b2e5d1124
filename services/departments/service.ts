import crypto from 'node:crypto';
import type { AuditRecorder, ChangeContext } from '../audit';
import { withTransaction, type Transactor } from '../db';
import { ConflictError, NotFoundError, ValidationError, isUniqueViolation } from '../shared/errors';
import { decodeCursor, pageFrom, type Page } from '../shared/schemas';
import { systemClock, type Clock } from '../platform/clock';
import type { CreateDepartment, Department, UpdateDepartment } from './schemas';
import type { DepartmentStoreType } from './store-type';

export class DepartmentService {
  constructor(
    private readonly db: Transactor,
    private readonly store: DepartmentStoreType,
    private readonly audit: AuditRecorder,
    private readonly clock: Clock = systemClock,
  ) {}

  async create(ctx: ChangeContext, input: CreateDepartment): Promise<Department> {
    return withTransaction(this.db, async (trx) => {
      if (await this.store.findByCode(input.code, trx)) {
        throw new ConflictError('department_exists', `A department with code ${input.code} already exists`);
      }
      if (input.parent && !(await this.store.findByCode(input.parent, trx))) throw unknownParent(input.parent);
      const now = this.clock.now().toISOString();
      const department: Department = {
        id: crypto.randomUUID(),
        code: input.code,
        name: input.name,
        kind: input.kind,
        parent: input.parent ?? null,
        createdAt: now,
        updatedAt: now,
      };
      try {
        await this.store.insert(trx, department);
      } catch (err) {
        if (isUniqueViolation(err)) throw new ConflictError('department_exists', `A department with code ${input.code} already exists`);
        throw err;
      }
      await this.audit.record(trx, ctx, {
        action: 'department.created',
        objectType: 'department',
        objectId: department.code,
        details: { after: department },
      });
      return department;
    });
  }

  async update(ctx: ChangeContext, code: string, input: UpdateDepartment): Promise<Department> {
    return withTransaction(this.db, async (trx) => {
      const before = await this.store.findByCode(code, trx);
      if (!before) throw new NotFoundError(`No department ${code}`);
      if (input.parent) {
        if (!(await this.store.findByCode(input.parent, trx))) throw unknownParent(input.parent);
        if ((await this.store.ancestors(trx, input.parent)).includes(code)) {
          throw new ConflictError('department_cycle', `${input.parent} is ${code} or below it; a department cannot be its own ancestor`);
        }
      }
      const after: Department = {
        ...before,
        name: input.name ?? before.name,
        kind: input.kind ?? before.kind,
        parent: input.parent === undefined ? before.parent : input.parent,
        updatedAt: this.clock.now().toISOString(),
      };
      await this.store.update(trx, after);
      await this.audit.record(trx, ctx, {
        action: 'department.updated',
        objectType: 'department',
        objectId: code,
        details: { before, after },
      });
      return after;
    });
  }

  async get(code: string): Promise<Department> {
    const department = await this.store.findByCode(code);
    if (!department) throw new NotFoundError(`No department ${code}`);
    return department;
  }

  async list(filter: { kind?: string; parent?: string; cursor?: string }, limit: number): Promise<Page<Department>> {
    const rows = await this.store.list({ ...filter, afterCode: decodeCursor(filter.cursor) }, limit + 1);
    return pageFrom(rows, limit, (last) => last.code);
  }

  /** Throws a 400 naming the first department code that does not exist. */
  async requireExisting(codes: readonly string[], field: string): Promise<void> {
    const found = await this.store.existing(codes);
    const missing = codes.find((c) => !found.has(c));
    if (missing)
      throw new ValidationError(`${field}: no department ${missing}`, [{ path: field, message: `unknown department ${missing}` }]);
  }
}

const unknownParent = (code: string) =>
  new ValidationError(`body.parent: no department ${code}`, [{ path: 'body.parent', message: `unknown department ${code}` }]);
